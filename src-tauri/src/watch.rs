//! The deadline watch: a task that raises the reminders of the core's rules as native
//! desktop notifications — at start, every few minutes, and soon after any change to the
//! database (made here or by the `wenzheng` CLI) — and shows the counts on the tray.

use std::time::{Duration, Instant};

use tauri::{AppHandle, Manager};

use crate::state::AppState;
use crate::tray;

/// How often the watch looks whether anything changed.
const LOOK_EVERY: Duration = Duration::from_secs(15);
/// How often it runs a pass even when nothing changed (time passes, deadlines come).
const PASS_EVERY: Duration = Duration::from_secs(5 * 60);

/// Starts the watch; it runs until the app quits, window closed or not.
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let mut last: Option<(Instant, i64)> = None;
        loop {
            let mark = match state.service.change_mark().await {
                Ok(m) => m,
                Err(e) => {
                    tracing::warn!("到期提醒：无法读取数据库：{e}");
                    -1
                }
            };
            let due = match last {
                None => true,
                Some((at, seen)) => seen != mark || at.elapsed() >= PASS_EVERY,
            };
            if due {
                match wenzheng_notify::run_once(&state.service, &state.system_ctx()).await {
                    Ok(pass) => tray::show_counts(&app, pass.counts),
                    Err(e) => tracing::warn!("到期提醒：{e}"),
                }
                last = Some((Instant::now(), mark));
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
}
