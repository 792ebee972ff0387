//! The checks at start, in the background once the first list is shown (on a large
//! database they take many seconds): the integrity of the database file (SQLite's
//! `quick_check`) and of its whole event chain, and the day's first automatic backup; and
//! where the backups are.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wenzheng_core::service::BackupSettings;

use tauri::{AppHandle, Manager};
use thread_priority::{set_current_thread_priority, ThreadPriority};

use crate::state::{AppState, Recovery, Startup};

/// Overrides the default folder of the automatic backups.
const BACKUP_DIR_ENV: &str = "WENZHENG_BACKUP_DIR";

/// The default backup folder: `$WENZHENG_BACKUP_DIR`, else `backups/` beside the database.
fn default_dir(db: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(BACKUP_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    db.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups")
}

/// Where the backups go: the folder set on the 备份与恢复 screen (a USB disk, a network
/// share), else the default folder.
pub fn backup_dir(db: &Path, settings: &BackupSettings) -> PathBuf {
    settings
        .dir
        .as_deref()
        .map(PathBuf::from)
        .unwrap_or_else(|| default_dir(db))
}

/// The backup folder in use now (the app's own read of the setting; the default when it
/// cannot be read); on a server, the note that it is backed up there.
pub async fn current_dir(state: &AppState) -> String {
    let Ok(db) = state.db_file() else {
        return crate::state::server_backup_note(&state.location);
    };
    match state.service.backup_settings(&state.system_ctx()).await {
        Ok(settings) => backup_dir(db, &settings),
        Err(_) => remembered_dir(db),
    }
    .display()
    .to_string()
}

/// The note beside the database that names the backup folder, read when the database
/// itself cannot be opened.
fn note_path(db: &Path) -> PathBuf {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    db.with_file_name(format!("{name}.backup-dir"))
}

/// Notes the backup folder beside the database.
pub fn remember_dir(db: &Path, dir: &Path) -> std::io::Result<()> {
    std::fs::write(note_path(db), dir.display().to_string())
}

/// The backup folder when the database cannot be read: the note beside it, else the default.
fn remembered_dir(db: &Path) -> PathBuf {
    std::fs::read_to_string(note_path(db))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| default_dir(db))
}

/// What the window offers when the database at `db` cannot be opened for `problem`.
pub fn recovery(db: &Path, problem: String) -> Recovery {
    let dir = remembered_dir(db);
    Recovery {
        problem,
        database: db.display().to_string(),
        latest_backup: crate::backup::latest_backup(&dir),
        backup_dir: dir.display().to_string(),
    }
}

/// How long the checks at start wait for the first list when nobody signs in.
const WAIT_FOR_FIRST_LIST: Duration = Duration::from_secs(60);

/// Runs [`check`] in the background unless the app runs on a scratch database (recovery
/// mode, or the database could not be reached); the window reads the outcome through the
/// `session` command (`startup.checking` until then).
///
/// The checks read the whole database file and hash every event: on a large database
/// they take many seconds of CPU on a machine that may have two cores. So that the start
/// stays fast, they begin only once the first list (the dashboard) has been shown, or
/// [`WAIT_FOR_FIRST_LIST`] after start when nobody signs in, and run on their own thread
/// at the lowest priority of the OS — on Linux the SQLite connection's worker thread,
/// started from it, inherits that priority.
pub fn spawn(app: AppHandle) {
    if app.state::<AppState>().on_scratch_db() {
        return;
    }
    let checking = app.clone();
    let started = std::thread::Builder::new()
        .name("start-check".into())
        .spawn(move || {
            if let Err(e) = set_current_thread_priority(ThreadPriority::Min) {
                tracing::warn!("启动检查无法降低优先级：{e:?}");
            }
            tauri::async_runtime::block_on(async {
                let state = checking.state::<AppState>();
                state.first_list_shown(WAIT_FOR_FIRST_LIST).await;
                let found = check(&state).await;
                state.startup_done(found);
            });
        });
    if let Err(e) = started {
        tracing::error!("无法启动启动检查：{e}");
        app.state::<AppState>().startup_done(Startup {
            problems: vec![format!("无法完成检查：{e}")],
            ..Startup::default()
        });
    }
}

/// Runs the integrity check (`Service::verify_at_start`), then the daily backup into the backup folder with the set
/// rotation; failures are reported in the result (the app still starts, and shows them
/// after sign-in). A database on a server is backed up on the server, not here.
pub async fn check(state: &AppState) -> Startup {
    let mut out = Startup::default();
    let began = std::time::Instant::now();
    match state.service.verify_at_start().await {
        Ok(v) => {
            tracing::info!(
                "启动检查：数据库文件与 {} 条操作记录已检查（{}），用时 {:.1} 秒",
                v.events_checked,
                if v.ok { "无问题" } else { "发现问题" },
                began.elapsed().as_secs_f64()
            );
            out.verify_ok = v.ok;
            out.problems = v.problems;
        }
        Err(e) => out.problems = vec![format!("无法完成检查：{e}")],
    }
    for p in &out.problems {
        eprintln!("数据库完整性检查：{p}");
    }
    let Ok(db) = state.db_file() else {
        return out;
    };
    let ctx = state.system_ctx();
    let made = match state.service.backup_settings(&ctx).await {
        Ok(settings) => {
            let dir = backup_dir(db, &settings);
            state
                .service
                .auto_backup(&ctx, &dir, settings.rotation())
                .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(made) => out.backup = made.map(|b| b.path),
        Err(e) => {
            eprintln!("自动备份失败：{e}");
            out.backup_error = Some(e.to_string());
        }
    }
    out
}
