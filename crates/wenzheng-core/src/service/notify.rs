//! Deadline notifications (到期提醒): reading what [`crate::due`] decides on in one read,
//! recording what was raised (`notifications_sent`) so that a restart repeats nothing, and
//! the thresholds as settings (`notify.*` in `settings`).

use std::collections::HashSet;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::AnyConnection;

use super::record::{event, put_setting};
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::WorkCalendar;
use crate::clock::{format_instant, parse_stored, parse_stored_date};
use crate::db::Backend;
use crate::dialect;
use crate::due::{self, DueCase, DueCounts, Instruction, Notice, Thresholds};
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Role};
use crate::sql::Sql;

/// What the watch would raise at a moment, with the counts the tray shows.
#[derive(Debug, Clone, Serialize)]
pub struct DueReport {
    /// The moment (RFC 3339, +08:00).
    pub now: String,
    /// The thresholds in force.
    pub thresholds: Thresholds,
    /// Due today, overdue, pending.
    pub counts: DueCounts,
    /// The notifications not raised before, in order.
    pub notices: Vec<Notice>,
}

/// Changes to the thresholds; `None` keeps a value.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default)]
pub struct ThresholdsPatch {
    /// Hours before the acknowledgment deadline (1–24).
    pub ack_hours: Option<u32>,
    /// Working days before the reply deadline (0–5).
    pub reply_working_days: Option<u32>,
    /// Urgings that raise a case (0 = never, at most 20).
    pub urge_limit: Option<u32>,
    /// New notifications in one pass beyond which they are folded (1–50).
    pub flood_limit: Option<u32>,
}

/// id, number, title, status, ack_due, reply_due, urge_count of an open case, and the name
/// of one of its active units.
type CandidateRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
);

/// key, kind, case id, case number, summary, body of a recorded notification.
type SentRow = (String, String, Option<i64>, Option<String>, String, String);

const ACK_HOURS: &str = "notify.ack_hours";
const REPLY_DAYS: &str = "notify.reply_working_days";
const URGE_LIMIT: &str = "notify.urge_limit";
const FLOOD_LIMIT: &str = "notify.flood_limit";

/// How long a notification the desktop did not take is tried again.
const RETRY_HOURS: i64 = 24;

async fn read_thresholds(conn: &mut AnyConnection) -> Result<Thresholds> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'notify.%'")
            .fetch_all(&mut *conn)
            .await?;
    let mut t = Thresholds::default();
    for (key, value) in rows {
        let slot = match key.as_str() {
            ACK_HOURS => &mut t.ack_hours,
            REPLY_DAYS => &mut t.reply_working_days,
            URGE_LIMIT => &mut t.urge_limit,
            FLOOD_LIMIT => &mut t.flood_limit,
            _ => continue,
        };
        *slot = value
            .trim()
            .parse()
            .map_err(|_| Error::Corrupt(format!("设置项 {key} 的值“{value}”不是非负整数")))?;
    }
    Ok(t)
}

fn check_range(label: &str, value: Option<u32>, max: u32, min: u32) -> Result<()> {
    match value {
        Some(v) if v < min || v > max => Err(Error::Invalid(format!(
            "{label}应在 {min}–{max} 之间，现为 {v}"
        ))),
        _ => Ok(()),
    }
}

/// The open statuses, as an SQL condition on the cases aliased `c` (the very text of the
/// partial indexes `cases_open`, `cases_open_urged` and `cases_open_number`).
fn open_cases() -> String {
    let open: Vec<String> = CaseStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.code()))
        .collect();
    format!("c.status IN ({})", open.join(", "))
}

fn day(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The counts of [`due::counts`] over all open cases, through the indexes on (status,
/// reply date) and (status, acknowledgment deadline). Deadlines are stored by
/// `format_instant` (China Standard Time, to the second), so comparing the text compares
/// the moments.
async fn due_counts(conn: &mut AnyConnection, now: DateTime<FixedOffset>) -> Result<DueCounts> {
    let open = open_cases();
    let today = now.date_naive();
    let tomorrow = today.succ_opt().unwrap_or(today);
    let (overdue, due_today, pending): (i64, i64, i64) = sqlx::query_as(&format!(
        "SELECT (SELECT COUNT(*) FROM cases c WHERE {open} AND c.reply_due < $1)
              + (SELECT COUNT(*) FROM cases c WHERE c.status = 'pending' AND c.ack_due < $2
                    AND c.reply_due >= $1),
                (SELECT COUNT(*) FROM cases c WHERE {open} AND c.reply_due = $1
                    AND NOT (c.status = 'pending' AND c.ack_due < $2))
              + (SELECT COUNT(*) FROM cases c WHERE c.status = 'pending' AND c.ack_due >= $2
                    AND c.ack_due < $3 AND c.reply_due > $1),
                (SELECT COUNT(*) FROM cases c WHERE c.status = 'pending')"
    ))
    .bind(day(today))
    .bind(format_instant(&now))
    .bind(day(tomorrow))
    .fetch_one(&mut *conn)
    .await?;
    Ok(DueCounts {
        due_today: count(due_today),
        overdue: count(overdue),
        pending: count(pending),
    })
}

/// The open cases that can give a notice at `now` (see [`due::case_notices`]), in id
/// order, with their active units. A case urged as often as the limit counts only while
/// its `urge_limit` notice was not raised: that key never changes.
async fn candidates(
    conn: &mut AnyConnection,
    backend: Backend,
    calendar: &WorkCalendar,
    thresholds: &Thresholds,
    now: DateTime<FixedOffset>,
) -> Result<Vec<DueCase>> {
    let open = open_cases();
    let (first, last) = due::reply_window(calendar, thresholds, now.date_naive());
    let (after, until) = due::ack_window(thresholds, now);
    // One row per active unit (or one without), the lead unit first, then the assisting
    // ones in the order they were assigned.
    let mut q = Sql::new(format!(
        "SELECT c.id, c.number, c.title, c.status, c.ack_due, c.reply_due, c.urge_count, u.name
         FROM cases c
         LEFT JOIN assignments a ON a.case_id = c.id AND a.returned_at IS NULL
         LEFT JOIN units u ON u.id = a.unit_id
         WHERE c.id IN (
             SELECT c.id FROM cases c WHERE {open} AND c.reply_due >= "
    ));
    q.push_bind(day(first))
        .push(" AND c.reply_due <= ")
        .push_bind(day(last))
        .push(" UNION SELECT c.id FROM cases c WHERE c.status = 'pending' AND c.ack_due > ")
        .push_bind(format_instant(&after))
        .push(" AND c.ack_due <= ")
        .push_bind(format_instant(&until));
    if thresholds.urge_limit > 0 {
        // Most open cases are urged less often than the limit, but ANALYZE knows only the
        // average rows per count: without the hint SQLite reads every open case through
        // the status index (83 ms at 1,000,000 cases; 2 ms through `cases_open_urged`).
        let (hint, end) = dialect::rarely(backend);
        q.push(format!(
            " UNION SELECT c.id FROM cases c WHERE {open} AND {hint}c.urge_count >= "
        ))
        .push_bind(i64::from(thresholds.urge_limit))
        .push(end)
        .push(
            " AND NOT EXISTS (SELECT 1 FROM notifications_sent n
                       WHERE n.key = 'urge_limit:' || CAST(c.id AS TEXT))",
        );
    }
    q.push(") ORDER BY c.id, a.role = 'assist', a.id");
    let rows: Vec<CandidateRow> = q.build_query_as().fetch_all(&mut *conn).await?;
    let mut cases: Vec<DueCase> = Vec::new();
    for (id, number, title, status, ack_due, reply_due, urgings, unit) in rows {
        match cases.last_mut() {
            Some(case) if case.id == id => {
                if let Some(unit) = unit {
                    case.units.push('、');
                    case.units.push_str(&unit);
                }
                continue;
            }
            _ => {}
        }
        cases.push(DueCase {
            id,
            status: status
                .parse()
                .map_err(|_| Error::Corrupt(format!("案件 {number} 的状态“{status}”")))?,
            number,
            title,
            ack_due: parse_stored(&ack_due)?,
            reply_due: parse_stored_date(&reply_due)?,
            urgings: count(urgings),
            units: unit.unwrap_or_default(),
        });
    }
    Ok(cases)
}

/// The leaders' instructions of the last 24 hours before `now` on cases not archived.
async fn new_instructions(
    conn: &mut AnyConnection,
    now: DateTime<FixedOffset>,
) -> Result<Vec<Instruction>> {
    let since = format_instant(&(now - Duration::hours(24)));
    let rows: Vec<(i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT i.id, i.case_id, c.number, i.leader, i.text, i.created_at
         FROM instructions i JOIN cases c ON c.id = i.case_id
         WHERE i.created_at >= $1 AND c.status <> 'archived'",
    )
    .bind(&since)
    .fetch_all(&mut *conn)
    .await?;
    // Sorted here: with ORDER BY i.id, SQLite walks every instruction in id order instead
    // of the few of the last day through `instructions_created` (7 ms at 1,000,000 cases).
    let mut instructions = rows
        .into_iter()
        .map(|(id, case_id, case_number, leader, text, created_at)| {
            Ok(Instruction {
                id,
                case_id,
                case_number,
                leader,
                text,
                created_at: parse_stored(&created_at)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    instructions.sort_by_key(|i| i.id);
    Ok(instructions)
}

/// Which of `keys` were recorded as sent.
async fn sent_among(
    conn: &mut AnyConnection,
    backend: Backend,
    keys: &[&str],
) -> Result<HashSet<String>> {
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let keys = serde_json::to_string(keys)
        .map_err(|e| Error::Corrupt(format!("无法写出提醒键列表：{e}")))?;
    let sent: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT key FROM notifications_sent WHERE key IN ({})",
        dialect::texts_of_json(backend, "$1")
    ))
    .bind(keys)
    .fetch_all(&mut *conn)
    .await?;
    Ok(sent.into_iter().collect())
}

/// The smallest numbers (bytewise) of the cases overdue at `now`, at most
/// [`due::SUMMARY_NUMBERS`]: the open cases walked in number order (`cases_open_number`).
async fn first_overdue(
    conn: &mut AnyConnection,
    backend: Backend,
    now: DateTime<FixedOffset>,
) -> Result<Vec<String>> {
    // Most open cases of a large office are overdue, so walking the open cases in number
    // order stops after a few; SQLite's planner, which cannot see that, sorted all 15,000
    // overdue cases of the 1,000,000-case file instead (31 ms against 0.01 ms).
    let numbers = sqlx::query_scalar(&format!(
        "SELECT c.number FROM cases {} WHERE {} AND (c.reply_due < $1
             OR (c.status = 'pending' AND c.ack_due < $2))
         ORDER BY {} LIMIT {}",
        dialect::indexed_by(backend, "c", "cases_open_number"),
        open_cases(),
        dialect::bytewise(backend, "c.number"),
        due::SUMMARY_NUMBERS
    ))
    .bind(day(now.date_naive()))
    .bind(format_instant(&now))
    .fetch_all(&mut *conn)
    .await?;
    Ok(numbers)
}

impl Service {
    /// The thresholds of the deadline reminders.
    pub async fn notify_settings(&self) -> Result<Thresholds> {
        let mut conn = self.db.pool().acquire().await?;
        read_thresholds(&mut conn).await
    }

    /// Changes the thresholds of the reminders (administrators only).
    pub async fn set_notify_settings(
        &self,
        ctx: &Ctx,
        patch: ThresholdsPatch,
    ) -> Result<Thresholds> {
        if ctx.actor.role != Role::Admin {
            return Err(Error::Forbidden("只有管理员可以修改到期提醒设置".into()));
        }
        check_range("受理提前提醒小时数", patch.ack_hours, 24, 1)?;
        check_range("答复提前提醒工作日数", patch.reply_working_days, 5, 0)?;
        check_range("催办次数上限", patch.urge_limit, 20, 0)?;
        check_range("一次合并提醒的条数", patch.flood_limit, 50, 1)?;
        let mut tx = self.db.write().await?;
        let before = read_thresholds(&mut tx).await?;
        for (key, value) in [
            (ACK_HOURS, patch.ack_hours),
            (REPLY_DAYS, patch.reply_working_days),
            (URGE_LIMIT, patch.urge_limit),
            (FLOOD_LIMIT, patch.flood_limit),
        ] {
            if let Some(v) = value {
                put_setting(&mut tx, ctx, key, &v.to_string()).await?;
            }
        }
        let after = read_thresholds(&mut tx).await?;
        event(
            &mut tx,
            ctx,
            None,
            "notify_settings",
            "修改到期提醒设置",
            Some(json!(before)),
            Some(json!(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// What the watch would raise at `ctx.now`, leaving out what was already raised; reads
    /// everything in one transaction and writes nothing.
    ///
    /// The counts come from the indexes; of the open cases only those that can give a
    /// notice are read ([`due::case_notices`]: a date in [`due::ack_window`] or
    /// [`due::reply_window`], or as many urgings as the limit and not yet raised for it),
    /// and what was sent is looked up for the notices decided only. The result is what
    /// [`due::decide`] gives on every open case.
    pub async fn due_report(&self, ctx: &Ctx) -> Result<DueReport> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let backend = self.db.backend();
        let mut tx = self.db.pool().begin().await?;
        let calendar = self.work_calendar(&mut tx).await?;
        let thresholds = read_thresholds(&mut tx).await?;
        let now = ctx.now;
        let counts = due_counts(&mut tx, now).await?;
        let cases = candidates(&mut tx, backend, &calendar, &thresholds, now).await?;
        let instructions = new_instructions(&mut tx, now).await?;
        let mut notices = due::case_notices(&cases, &instructions, &calendar, &thresholds, now);
        let summary_key = due::summary_key(&counts, &calendar, now);
        let keys: Vec<&str> = summary_key
            .iter()
            .map(String::as_str)
            .chain(notices.iter().map(|n| n.key.as_str()))
            .collect();
        let sent = sent_among(&mut tx, backend, &keys).await?;
        notices.retain(|n| !sent.contains(&n.key));
        if summary_key.is_some_and(|k| !sent.contains(&k)) {
            let numbers = first_overdue(&mut tx, backend, now).await?;
            let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
            notices.insert(0, due::summary(&counts, &numbers, now));
        }
        tx.rollback().await?;
        Ok(DueReport {
            now: format_instant(&now),
            thresholds,
            counts,
            notices,
        })
    }

    /// Records notifications as raised at `ctx.now`, in one transaction; a key recorded
    /// before is left as it was (several PCs may record the same notice: the first one
    /// counts). Returns how many were new. They are in the bell from now on; no desktop has
    /// taken them yet ([`Service::undelivered`]).
    pub async fn record_notified(&self, ctx: &Ctx, notices: &[Notice]) -> Result<u64> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        if notices.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.write().await?;
        let mut added = 0;
        for n in notices {
            added += sqlx::query(
                "INSERT INTO notifications_sent (key, kind, case_id, summary, body, sent_at, seq)
                 VALUES ($1, $2, $3, $4, $5, $6,
                         (SELECT COALESCE(MAX(seq), 0) + 1 FROM notifications_sent))
                 ON CONFLICT (key) DO NOTHING",
            )
            .bind(&n.key)
            .bind(n.kind.code())
            .bind(n.case_id)
            .bind(&n.summary)
            .bind(&n.body)
            .bind(format_instant(&ctx.now))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        Ok(added)
    }

    /// The recorded notifications that no desktop has raised for `ctx.actor` yet, raised in
    /// the last 24 hours before `ctx.now`, in the order they were recorded.
    pub async fn undelivered(&self, ctx: &Ctx) -> Result<Vec<Notice>> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let since = format_instant(&(ctx.now - Duration::hours(RETRY_HOURS)));
        let rows: Vec<SentRow> = sqlx::query_as(
            "SELECT n.key, n.kind, n.case_id, c.number, n.summary, n.body
                 FROM notifications_sent n LEFT JOIN cases c ON c.id = n.case_id
                 WHERE n.sent_at >= $1 AND NOT EXISTS (SELECT 1 FROM notification_deliveries d
                       WHERE d.key = n.key AND d.user_id = $2)
                 ORDER BY n.seq",
        )
        .bind(&since)
        .bind(ctx.actor.id)
        .fetch_all(self.db.pool())
        .await?;
        rows.into_iter()
            .map(|(key, kind, case_id, case_number, summary, body)| {
                Ok(Notice {
                    kind: kind.parse().map_err(Error::Corrupt)?,
                    key,
                    case_id,
                    case_number,
                    summary,
                    body,
                })
            })
            .collect()
    }

    /// Claims the notifications `keys` for `ctx.actor`'s desktop at `ctx.now`, in one
    /// transaction, before raising them: a notification is claimed once per user, so of
    /// several PCs where the same user is signed in only the first raises it. Returns the
    /// keys this call claimed, in the order given (the others were claimed before).
    pub async fn claim_delivery(&self, ctx: &Ctx, keys: &[String]) -> Result<Vec<String>> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let now = format_instant(&ctx.now);
        let mut tx = self.db.write().await?;
        let mut claimed = Vec::new();
        for key in keys {
            let n = sqlx::query(
                "INSERT INTO notification_deliveries (key, user_id, delivered_at)
                 VALUES ($1, $2, $3) ON CONFLICT (key, user_id) DO NOTHING",
            )
            .bind(key)
            .bind(ctx.actor.id)
            .bind(&now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                sqlx::query(
                    "UPDATE notifications_sent SET desktop_at = COALESCE(desktop_at, $1)
                     WHERE key = $2",
                )
                .bind(&now)
                .bind(key)
                .execute(&mut *tx)
                .await?;
                claimed.push(key.clone());
            }
        }
        tx.commit().await?;
        Ok(claimed)
    }

    /// Gives back claims of `ctx.actor` the desktop did not take (no notification
    /// service): they are tried again next pass. Returns how many were given back.
    pub async fn release_delivery(&self, ctx: &Ctx, keys: &[String]) -> Result<u64> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        if keys.is_empty() {
            return Ok(0);
        }
        let mut tx = self.db.write().await?;
        let mut released = 0;
        for key in keys {
            released +=
                sqlx::query("DELETE FROM notification_deliveries WHERE key = $1 AND user_id = $2")
                    .bind(key)
                    .bind(ctx.actor.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
        }
        tx.commit().await?;
        Ok(released)
    }

    /// A number that changes whenever anything is recorded (the id of the last event), so
    /// a watcher can recompute after every change, whichever program made it.
    pub async fn change_mark(&self) -> Result<i64> {
        let mark: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events")
            .fetch_one(self.db.pool())
            .await?;
        Ok(mark.unwrap_or(0))
    }
}
