//! The deadline watch: a task that raises the reminders of the core's rules as native
//! desktop notifications — at start, every few minutes, and soon after any change to the
//! database (made here or by the `wenzheng` CLI) — and shows the counts on the tray.
//! Every reminder goes into the in-app bell too; clicking a notification brings the
//! window forward and opens its case. Once a day, after the checks at start, it also
//! prepares last month's report (computed once and kept), so that the monthly report is
//! there at once when the office asks for it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tauri::{AppHandle, Emitter, Manager};
use wenzheng_notify::OnOpen;

use crate::state::AppState;
use crate::tray;

/// How often the watch looks whether anything changed.
const LOOK_EVERY: Duration = Duration::from_secs(15);
/// How often it runs a pass even when nothing changed (time passes, deadlines come).
const PASS_EVERY: Duration = Duration::from_secs(5 * 60);

/// The event that tells the window to open a case (payload: its number) or, with no
/// number, the workbench.
pub const OPEN_CASE_EVENT: &str = "open-case";
/// The event that tells the window the bell has new notifications.
pub const BELL_EVENT: &str = "bell-changed";

/// Brings the main window forward and opens case `number` there (the workbench when
/// `None`).
pub fn open_in_window(app: &AppHandle, number: Option<String>) {
    tray::show_main(app);
    if let Err(e) = app.emit_to("main", OPEN_CASE_EVENT, number) {
        tracing::warn!("无法在窗口中打开案件：{e}");
    }
}

/// Starts the watch; it runs until the app quits, window closed or not.
pub fn spawn(app: AppHandle) {
    let on_open: OnOpen = {
        let app = app.clone();
        Arc::new(move |number| open_in_window(&app, number))
    };
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        let mut last: Option<(Instant, i64)> = None;
        let mut prepared_on = None;
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
                let pass = wenzheng_notify::run_once(
                    &state.service,
                    &state.watch_ctx(),
                    Some(on_open.clone()),
                )
                .await;
                match pass {
                    Ok(pass) => {
                        tray::show_counts(&app, pass.counts);
                        if !pass.recorded.is_empty() {
                            let _ = app.emit_to("main", BELL_EVENT, pass.recorded.len());
                        }
                    }
                    Err(e) => tracing::warn!("到期提醒：{e}"),
                }
                last = Some((Instant::now(), mark));
            }
            let today = crate::clock::now().date_naive();
            if prepared_on != Some(today) && !state.startup().checking && !state.on_scratch_db() {
                prepared_on = Some(today);
                match state.service.prepare_last_month(&state.system_ctx()).await {
                    Ok(Some(month)) => tracing::info!("已预先生成 {month} 的月报"),
                    Ok(None) => {}
                    Err(e) => tracing::warn!("预先生成上月月报失败：{e}"),
                }
            }
            tokio::time::sleep(LOOK_EVERY).await;
        }
    });
}
