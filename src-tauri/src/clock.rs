//! The app's clock: China Standard Time from the system — or, for tests only, from
//! `WENZHENG_NOW`.
//!
//! `WENZHENG_NOW=2026-11-27 09:30` (any form `wenzheng --now` takes) starts the app's clock
//! at that moment; it then runs on at the normal pace. The window tests use it to start
//! the real app near a deadline. It is not meant for offices: a wrong date would put every
//! deadline and the record of every step at the wrong time.

use std::sync::OnceLock;
use std::time::Instant;

use chrono::{DateTime, FixedOffset};

/// The test-only variable that sets the starting moment.
pub const NOW_VAR: &str = "WENZHENG_NOW";

/// The moment `WENZHENG_NOW` names and when the process read it; `None` without it.
fn start() -> Option<(DateTime<FixedOffset>, Instant)> {
    static START: OnceLock<Option<(DateTime<FixedOffset>, Instant)>> = OnceLock::new();
    *START.get_or_init(|| {
        let text = std::env::var(NOW_VAR).ok()?;
        match wenzheng_core::clock::parse_local(&text) {
            Ok(t) => {
                tracing::warn!("时钟由测试变量 {NOW_VAR} 设为 {t}");
                Some((t, Instant::now()))
            }
            Err(e) => {
                tracing::warn!("忽略测试变量 {NOW_VAR}：{e}");
                None
            }
        }
    })
}

/// The current moment in China Standard Time.
pub fn now() -> DateTime<FixedOffset> {
    match start() {
        Some((t, since)) => {
            t + chrono::Duration::from_std(since.elapsed())
                .unwrap_or_else(|_| chrono::Duration::zero())
        }
        None => wenzheng_core::clock::now(),
    }
}
