//! # wenzheng-notify
//!
//! The deadline watch's one pass, without a window: asks the core what to notify
//! ([`Service::due_report`]), raises each notice as a native desktop notification with
//! notify-rust (on Linux: `org.freedesktop.Notifications` on the session D-Bus), and records
//! what was raised ([`Service::record_notified`]) so that a restart repeats nothing. The
//! desktop app runs [`run_once`] at start, periodically and after every change; it does not
//! depend on Tauri, so it is tested on a private session bus.

use notify_rust::Notification;
use wenzheng_core::due::{DueCounts, Notice, NoticeKind};
use wenzheng_core::{Ctx, Service};

/// The application name the notifications carry.
pub const APP_NAME: &str = "网络问政办理系统";

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
    /// The notifications raised and recorded in this pass.
    pub sent: Vec<Notice>,
    /// Why the remaining ones were not raised (they are tried again next pass).
    pub failed: Option<String>,
}

/// Raises one notice as a desktop notification; returns the id the server gave it.
pub async fn send(notice: &Notice) -> Result<u32, NotifyError> {
    let mut n = Notification::new();
    n.appname(APP_NAME)
        .summary(&notice.summary)
        .body(&notice.body)
        .icon("appointment-soon");
    show(&mut n, notice.kind).await
}

#[cfg(all(unix, not(target_os = "macos")))]
async fn show(n: &mut Notification, kind: NoticeKind) -> Result<u32, NotifyError> {
    use notify_rust::Urgency;
    if matches!(kind, NoticeKind::AckOverdue | NoticeKind::ReplyOverdue) {
        n.urgency(Urgency::Critical);
    }
    n.show_async()
        .await
        .map(|h| h.id())
        .map_err(|e| NotifyError::Send(e.to_string()))
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
async fn show(n: &mut Notification, _kind: NoticeKind) -> Result<u32, NotifyError> {
    n.show()
        .map(|_| 0)
        .map_err(|e| NotifyError::Send(e.to_string()))
}

/// One pass of the watch at `ctx.now`: raises what the core decides and records each
/// notification once the desktop has taken it. A notification the desktop refuses stops
/// the pass and is not recorded, so the next pass tries again.
pub async fn run_once(svc: &Service, ctx: &Ctx) -> Result<Pass, NotifyError> {
    let report = svc.due_report(ctx).await?;
    let mut pass = Pass {
        counts: report.counts,
        ..Pass::default()
    };
    for notice in report.notices {
        match send(&notice).await {
            Ok(_) => pass.sent.push(notice),
            Err(e) => {
                tracing::warn!("到期提醒未能发出：{e}");
                pass.failed = Some(e.to_string());
                break;
            }
        }
    }
    svc.record_notified(ctx, &pass.sent).await?;
    Ok(pass)
}
