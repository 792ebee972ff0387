//! # wenzheng-notify
//!
//! The deadline watch's one pass, without a window: asks the core what to notify
//! ([`Service::due_report`]), records every new notice at once ([`Service::record_notified`]:
//! the in-app bell shows it, and a restart repeats nothing), and raises what the desktop has
//! not taken yet as native desktop notifications with notify-rust (on Linux:
//! `org.freedesktop.Notifications` on the session D-Bus), folded when there are many
//! ([`wenzheng_core::due::fold`]). Clicking a notification (where the desktop supports
//! actions) calls back with its case. The desktop app runs [`run_once`] at start,
//! periodically and after every change; it does not depend on Tauri, so it is tested on a
//! private session bus.

use std::collections::HashSet;
use std::sync::Arc;

use notify_rust::Notification;
use wenzheng_core::due::{fold, DueCounts, Notice, NoticeKind};
use wenzheng_core::{Ctx, Service};

/// The application name the notifications carry.
pub const APP_NAME: &str = "网络问政办理系统";

/// What a click on a notification calls: with the case's number, or `None` for the daily
/// summary and a folded notification (open the workbench).
pub type OnOpen = Arc<dyn Fn(Option<String>) + Send + Sync>;

/// What can go wrong in a pass of the watch.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// Reading the cases or recording the notifications failed.
    #[error("{0}")]
    Core(#[from] wenzheng_core::Error),
    /// The desktop did not take the notification (no notification service, no bus).
    #[error("无法发出桌面通知：{0}")]
    Send(String),
}

/// The result of one pass.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Due today, overdue and pending, at the moment of the pass (for the tray).
    pub counts: DueCounts,
    /// The new notices recorded in this pass (all in the bell).
    pub recorded: Vec<Notice>,
    /// The desktop notifications the desktop took in this pass (folded ones included).
    pub shown: Vec<Notice>,
    /// Why the remaining ones were not shown (they are tried again next pass, for a day).
    pub failed: Option<String>,
}

/// Raises one notice as a desktop notification; returns the id the server gave it. With
/// `on_open`, a click on it (the `default` action) calls `on_open` with its case; waiting
/// for the click runs on its own task and never holds up the caller.
pub async fn send(notice: &Notice, on_open: Option<OnOpen>) -> Result<u32, NotifyError> {
    let mut n = Notification::new();
    n.appname(APP_NAME)
        .summary(&notice.summary)
        .body(&notice.body)
        .icon("appointment-soon");
    show(&mut n, notice, on_open).await
}

/// How long a shown notification is watched for a click.
#[cfg(all(unix, not(target_os = "macos")))]
const CLICK_WAIT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

#[cfg(all(unix, not(target_os = "macos")))]
async fn show(
    n: &mut Notification,
    notice: &Notice,
    on_open: Option<OnOpen>,
) -> Result<u32, NotifyError> {
    use notify_rust::{NotificationResponse, Urgency};
    if matches!(
        notice.kind,
        NoticeKind::AckOverdue | NoticeKind::ReplyOverdue
    ) {
        n.urgency(Urgency::Critical);
    }
    if on_open.is_some() {
        let label = if notice.case_number.is_some() {
            "打开案件"
        } else {
            "打开工作台"
        };
        n.action("default", label);
    }
    let handle = n
        .show_async()
        .await
        .map_err(|e| NotifyError::Send(e.to_string()))?;
    let id = handle.id();
    if let Some(on_open) = on_open {
        let case = notice.case_number.clone();
        tokio::spawn(async move {
            let wait = handle.wait_for_action_async(|response| {
                let clicked = match response {
                    NotificationResponse::Default => true,
                    NotificationResponse::Action(a) => a == "default",
                    _ => false,
                };
                if clicked {
                    on_open(case);
                }
            });
            // A notification nobody closes is let go after a day.
            let _ = tokio::time::timeout(CLICK_WAIT, wait).await;
        });
    }
    Ok(id)
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
async fn show(
    n: &mut Notification,
    _notice: &Notice,
    _on_open: Option<OnOpen>,
) -> Result<u32, NotifyError> {
    n.show()
        .map(|_| 0)
        .map_err(|e| NotifyError::Send(e.to_string()))
}

/// One pass of the watch at `ctx.now`, for the user `ctx.actor` (the one signed in on this
/// PC): records what the core decides (the bell shows it at once), then claims what no
/// desktop has raised for that user yet — so of several PCs of one user only one raises a
/// notification — and raises it, folded beyond the flood threshold. A notification the
/// desktop refuses stops the pass; its claim and those of the rest are given back, and
/// they are tried again next pass, for a day.
pub async fn run_once(
    svc: &Service,
    ctx: &Ctx,
    on_open: Option<OnOpen>,
) -> Result<Pass, NotifyError> {
    let report = svc.due_report(ctx).await?;
    svc.record_notified(ctx, &report.notices).await?;
    let mut pass = Pass {
        counts: report.counts,
        recorded: report.notices,
        ..Pass::default()
    };
    let waiting = svc.undelivered(ctx).await?;
    let keys: Vec<String> = waiting.iter().map(|n| n.key.clone()).collect();
    let claimed: HashSet<String> = svc.claim_delivery(ctx, &keys).await?.into_iter().collect();
    let mine: Vec<Notice> = waiting
        .into_iter()
        .filter(|n| claimed.contains(&n.key))
        .collect();
    let mut popups = fold(mine, report.thresholds.flood_limit).into_iter();
    while let Some(popup) = popups.next() {
        match send(&popup.notice, on_open.clone()).await {
            Ok(_) => pass.shown.push(popup.notice),
            Err(e) => {
                tracing::warn!("到期提醒未能发出：{e}");
                let back: Vec<String> = std::iter::once(popup)
                    .chain(popups)
                    .flat_map(|p| p.covers)
                    .collect();
                svc.release_delivery(ctx, &back).await?;
                pass.failed = Some(e.to_string());
                break;
            }
        }
    }
    Ok(pass)
}
