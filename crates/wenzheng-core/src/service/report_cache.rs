//! Reports of periods that are over, kept in `report_cache` (migration 0017).
//!
//! Once a period has ended, its report is a function of the events recorded before its
//! end, the working-day calendar and the assessment rule: every workflow step stamps what
//! it writes (events, assignments returned, replies, urgings …) with its own moment, which
//! is after the period. A stored report is therefore used again when the calendar version
//! and the rule are those it was computed with and every event appended since is later
//! than the period's end and of a kind in [`KINDS_AFTER_A_PERIOD`]. Anything else — an
//! event dated inside the period (a clock set back), a unit renamed, a merge, a calendar
//! edit, a kind added later and not listed here — makes the report be computed again.

use chrono::{DateTime, FixedOffset};
use sqlx::AnyConnection;

use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::report::{AssessmentRule, Period, Report};

/// Event kinds that, recorded after a period's end, leave its report unchanged: the
/// workflow steps (their rows carry the step's moment) and the kinds that touch nothing
/// a report reads. Not listed, so always recomputed: `unit_rename` (unit names are in the
/// report), `merge` / `merge_in` (they move replies between cases), `calendar_*` and
/// `assessment_rule` (also caught by the key), `restore`, and any kind not known here.
const KINDS_AFTER_A_PERIOD: &[&str] = &[
    "register",
    "acknowledge",
    "instruct",
    "assign",
    "return",
    "urge",
    "progress",
    "extend",
    "reply_interim",
    "reply_final",
    "feedback",
    "close",
    "archive",
    "reopen",
    "followup",
    "link",
    "attach",
    "reveal_phone",
    "document",
    "print",
    "export_personal",
    "backup",
    "backup_settings",
    "doc_settings",
    "notify_settings",
    "session_settings",
    "password_set",
    "user_add",
    "user_change",
    "template_add",
    "template_update",
    "template_delete",
    "unit_add",
    "unit_active",
];

/// What a stored report was computed from.
pub(crate) struct Key {
    from: String,
    to: String,
    cutoff: String,
    calendar_version: i64,
    rule: String,
}

impl Key {
    /// The key of `period`'s report under `rule`, read inside the report's transaction.
    /// `None` when the period is not over at `now` (its figures may still change).
    pub(crate) async fn of(
        conn: &mut AnyConnection,
        period: Period,
        now: DateTime<FixedOffset>,
        rule: &AssessmentRule,
    ) -> Result<Option<Key>> {
        let end = period.end();
        if end > now {
            return Ok(None);
        }
        let calendar_version: i64 = sqlx::query_scalar("SELECT version FROM calendar_version")
            .fetch_one(&mut *conn)
            .await?;
        let rule =
            serde_json::to_string(rule).map_err(|e| Error::Corrupt(format!("考核规则：{e}")))?;
        Ok(Some(Key {
            from: period.from.to_string(),
            to: period.to.to_string(),
            cutoff: format_instant(&end),
            calendar_version,
            rule,
        }))
    }
}

/// The stored report under `key`, if it is still what a computation would give.
pub(crate) async fn lookup(conn: &mut AnyConnection, key: &Key) -> Result<Option<Report>> {
    let stored: Option<(i64, String)> = sqlx::query_as(
        "SELECT last_event_id, report FROM report_cache
         WHERE period_from = $1 AND period_to = $2 AND calendar_version = $3 AND rule = $4",
    )
    .bind(&key.from)
    .bind(&key.to)
    .bind(key.calendar_version)
    .bind(&key.rule)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((last_event_id, text)) = stored else {
        return Ok(None);
    };
    let kinds: Vec<String> = KINDS_AFTER_A_PERIOD
        .iter()
        .map(|k| format!("'{k}'"))
        .collect();
    let changed: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM events WHERE id > $1 AND (at < $2 OR kind NOT IN ({})) LIMIT 1",
        kinds.join(", ")
    ))
    .bind(last_event_id)
    .bind(&key.cutoff)
    .fetch_optional(&mut *conn)
    .await?;
    if changed.is_some() {
        return Ok(None);
    }
    // A stored report that no longer reads (an older layout) is computed again.
    Ok(serde_json::from_str(&text).ok())
}

/// The last event a report computed now sees (read in the report's transaction).
pub(crate) async fn last_event_id(conn: &mut AnyConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM events")
            .fetch_one(&mut *conn)
            .await?,
    )
}

/// Stores `report`, computed from the events up to `last_event_id`, under `key`.
pub(crate) async fn store(
    conn: &mut AnyConnection,
    key: &Key,
    last_event_id: i64,
    report: &Report,
) -> Result<()> {
    let text = serde_json::to_string(report).map_err(|e| Error::Corrupt(format!("报表：{e}")))?;
    sqlx::query(
        "INSERT INTO report_cache (period_from, period_to, calendar_version, rule,
             last_event_id, report)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (period_from, period_to) DO UPDATE SET
             calendar_version = excluded.calendar_version, rule = excluded.rule,
             last_event_id = excluded.last_event_id, report = excluded.report",
    )
    .bind(&key.from)
    .bind(&key.to)
    .bind(key.calendar_version)
    .bind(&key.rule)
    .bind(last_event_id)
    .bind(text)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
