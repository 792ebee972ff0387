//! The checks at start, before the window opens: the integrity of the database and its
//! event chain, and the day's first automatic backup.

use std::path::{Path, PathBuf};

use wenzheng_core::service::Rotation;

use crate::state::{AppState, Startup};

/// Overrides the folder of the automatic backups (a USB disk, a network share).
const BACKUP_DIR_ENV: &str = "WENZHENG_BACKUP_DIR";

/// Where the automatic backups go: `$WENZHENG_BACKUP_DIR`, else `backups/` beside the
/// database file.
pub fn backup_dir(db: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os(BACKUP_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    db.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups")
}

/// Runs the integrity check, then the daily backup into `dir`; failures are reported in
/// the result (the app still starts, and shows them after sign-in).
pub async fn check(state: &AppState, dir: &Path) -> Startup {
    let mut out = Startup::default();
    match state.service.verify().await {
        Ok(v) => {
            out.verify_ok = v.ok;
            out.problems = v.problems;
        }
        Err(e) => out.problems = vec![format!("无法完成检查：{e}")],
    }
    for p in &out.problems {
        eprintln!("数据库完整性检查：{p}");
    }
    match state
        .service
        .auto_backup(&state.system_ctx(), dir, Rotation::default())
        .await
    {
        Ok(made) => out.backup = made.map(|b| b.path),
        Err(e) => {
            eprintln!("自动备份失败：{e}");
            out.backup_error = Some(e.to_string());
        }
    }
    out
}
