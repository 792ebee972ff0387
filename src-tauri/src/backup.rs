//! The IPC commands of the 备份与恢复 screen (administrators only) and of the restore
//! offered at start when the database cannot be opened.

use std::path::PathBuf;

use serde::Serialize;
use tauri::{AppHandle, State};
use wenzheng_core::service::{list_backup_files, BackupFile, BackupSettings};
use wenzheng_core::view::{BackupView, RestoreView};
use wenzheng_core::{Ctx, Service};

use crate::commands::CmdResult;
use crate::ipc_error::IpcError;
use crate::startup;
use crate::state::AppState;

/// What the 备份与恢复 screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct BackupStatus {
    /// The folder the backups go to now.
    pub dir: String,
    /// The settings (`dir` none: the default folder beside the database).
    pub settings: BackupSettings,
    /// The backups in that folder, newest first.
    pub files: Vec<BackupFile>,
    /// The database file.
    pub database: String,
}

async fn status(state: &AppState, ctx: &Ctx) -> CmdResult<BackupStatus> {
    let settings = state.service.backup_settings(ctx).await?;
    let db = state.db_file()?;
    let dir = startup::backup_dir(db, &settings);
    Ok(BackupStatus {
        files: state.service.list_backups(ctx, &dir).await?,
        dir: dir.display().to_string(),
        settings,
        database: db.display().to_string(),
    })
}

/// The backup folder, its settings and the backups in it (administrators only).
#[tauri::command]
pub async fn backup_status(state: State<'_, AppState>) -> CmdResult<BackupStatus> {
    let ctx = state.ctx()?;
    status(&state, &ctx).await
}

/// Changes the folder and the rotation (administrators only); the folder is also noted
/// beside the database, so a restore can find it when the database cannot be opened.
#[tauri::command]
pub async fn set_backup_settings(
    state: State<'_, AppState>,
    settings: BackupSettings,
) -> CmdResult<BackupStatus> {
    let ctx = state.ctx()?;
    let db = state.db_file()?;
    let saved = state.service.set_backup_settings(&ctx, settings).await?;
    startup::remember_dir(db, &startup::backup_dir(db, &saved)).map_err(|e| IpcError {
        code: "io",
        message: format!("无法记下备份文件夹：{e}"),
    })?;
    status(&state, &ctx).await
}

/// Asks for a folder with the system's folder dialog (administrators only); none when
/// the dialog was cancelled.
#[tauri::command]
pub async fn choose_backup_dir(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Option<String>> {
    let ctx = state.ctx()?;
    // Only the people who may change the setting get the dialog.
    state.service.backup_settings(&ctx).await?;
    crate::dialogs::ask(app, "选择文件夹", |d| {
        d.set_title("选择备份文件夹（U 盘或网络共享）")
            .blocking_pick_folder()
    })
    .await
}

/// Backs up now into the backup folder (administrators only).
#[tauri::command]
pub async fn backup_now(state: State<'_, AppState>) -> CmdResult<BackupView> {
    let ctx = state.ctx()?;
    let settings = state.service.backup_settings(&ctx).await?;
    let dir = startup::backup_dir(state.db_file()?, &settings);
    let name = format!("wenzheng-manual-{}.db", ctx.now.format("%Y%m%d-%H%M%S"));
    Ok(state.service.backup_to(&ctx, &dir.join(name)).await?)
}

/// Restores the database from a backup in the backup folder (administrators only), after
/// checking it; the old file is kept. Then every command asks for a restart.
#[tauri::command]
pub async fn restore_backup(state: State<'_, AppState>, path: String) -> CmdResult<RestoreView> {
    let ctx = state.ctx()?;
    let done = state.service.restore_live(&ctx, &PathBuf::from(path)).await;
    if done.is_ok() {
        state.mark_restored();
    }
    Ok(done?)
}

/// In recovery mode only (the database could not be opened at start): restores the newest
/// backup found; the damaged file is kept beside it.
#[tauri::command]
pub async fn recover_from_backup(state: State<'_, AppState>) -> CmdResult<RestoreView> {
    state.check_not_restored()?;
    let Some(recovery) = state.startup().recovery else {
        return Err(IpcError {
            code: "forbidden",
            message: "数据库正常，无需恢复；如需恢复请由管理员在“备份与恢复”中操作".into(),
        });
    };
    let Some(latest) = &recovery.latest_backup else {
        return Err(IpcError {
            code: "not_found",
            message: format!("在 {} 中没有找到备份", recovery.backup_dir),
        });
    };
    let done = Service::restore(
        &PathBuf::from(latest),
        state.db_file()?,
        wenzheng_core::clock::now(),
    )
    .await?;
    state.mark_restored();
    Ok(done)
}

/// Restarts the program (after a restore), which opens the database again.
#[tauri::command]
pub fn restart_app(app: AppHandle) {
    app.restart();
}

/// The newest backup in `dir`, if any.
pub fn latest_backup(dir: &std::path::Path) -> Option<String> {
    list_backup_files(dir)
        .ok()
        .and_then(|files| files.into_iter().next())
        .map(|f| f.path)
}
