//! The IPC commands of the in-app bell (铃铛) and of the reminder settings (提醒设置).
//! Each calls one core service; the bell's contents come from the deadline watch.

use tauri::State;
use wenzheng_core::due::Thresholds;
use wenzheng_core::service::notify::ThresholdsPatch;
use wenzheng_core::view::BellView;

use crate::commands::CmdResult;
use crate::state::AppState;

/// The signed-in user's bell: unread count and the newest notifications. The window
/// refreshes it by itself, so it does not count as activity for the idle lock.
#[tauri::command]
pub async fn bell(state: State<'_, AppState>) -> CmdResult<BellView> {
    Ok(state.service.bell(&state.quiet_ctx()?).await?)
}

/// Marks one notification (`key`) or all of them (no key, 全部已读) as read.
#[tauri::command]
pub async fn bell_read(state: State<'_, AppState>, key: Option<String>) -> CmdResult<BellView> {
    Ok(state
        .service
        .bell_read(&state.ctx()?, key.as_deref())
        .await?)
}

/// The thresholds of the deadline reminders.
#[tauri::command]
pub async fn notify_settings(state: State<'_, AppState>) -> CmdResult<Thresholds> {
    state.ctx()?;
    Ok(state.service.notify_settings().await?)
}

/// Changes the thresholds (administrators only).
#[tauri::command]
pub async fn set_notify_settings(
    state: State<'_, AppState>,
    patch: ThresholdsPatch,
) -> CmdResult<Thresholds> {
    Ok(state
        .service
        .set_notify_settings(&state.ctx()?, patch)
        .await?)
}
