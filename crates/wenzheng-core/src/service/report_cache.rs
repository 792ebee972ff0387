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
//!
//! Both are kept with [`DEFINITIONS_VERSION`] and read back only under the same version,
//! so that a release that changes a figure's definition does not serve what an earlier
//! one computed (migration 20261128000025).
//!
//! The trend points of months that are over are kept the same way, one row per month in
//! `report_months` (migration 20261127000021), so that a report computes only its own
//! period and the trend months not kept yet. A trend point (received, replied, on-time,
//! close and satisfaction rates) reads neither the calendar (reply deadlines are read as
//! the events stored them; only the working-day averages use the calendar) nor the rule
//! nor unit names, so it is kept across calendar and rule edits; the event checks are
//! those of the stored reports.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use sqlx::AnyConnection;

use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::report::figures::{TrendPoint, DEFINITIONS_VERSION};
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

/// Event kinds that, recorded after a month's end, also leave its trend point unchanged:
/// the calendar and rule edits (a trend point reads neither) and the deadlines they
/// recompute (their events carry the moment of the edit).
const KINDS_AFTER_A_TREND_MONTH: &[&str] = &[
    "calendar_import",
    "calendar_day",
    "deadline_recalc",
    "assessment_rule",
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
         WHERE period_from = $1 AND period_to = $2 AND calendar_version = $3 AND rule = $4
             AND figures = $5",
    )
    .bind(&key.from)
    .bind(&key.to)
    .bind(key.calendar_version)
    .bind(&key.rule)
    .bind(DEFINITIONS_VERSION)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((last_event_id, text)) = stored else {
        return Ok(None);
    };
    if changed_since(conn, last_event_id, &key.cutoff).await? {
        return Ok(None);
    }
    // A stored report that no longer reads (an older layout) is computed again.
    Ok(serde_json::from_str(&text).ok())
}

/// Whether an event appended after `last_event_id` may change what was computed for a
/// period ending at `cutoff`: one dated before it, or of a kind not known to leave it.
async fn changed_since(conn: &mut AnyConnection, last_event_id: i64, cutoff: &str) -> Result<bool> {
    let changed: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT id FROM events WHERE id > $1 AND (at < $2 OR kind NOT IN ({})) LIMIT 1",
        kinds_after(&[])
    ))
    .bind(last_event_id)
    .bind(cutoff)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(changed.is_some())
}

/// [`KINDS_AFTER_A_PERIOD`] and `more`, as an SQL list.
fn kinds_after(more: &[&str]) -> String {
    let kinds: Vec<String> = KINDS_AFTER_A_PERIOD
        .iter()
        .chain(more)
        .map(|k| format!("'{k}'"))
        .collect();
    kinds.join(", ")
}

/// A kept trend point, as read: its month and the last event it was checked against.
pub(crate) struct KeptMonth {
    /// The point.
    pub point: TrendPoint,
    /// The last event the point is known to be valid for.
    pub last_event_id: i64,
}

/// The kept trend points of `months` (all over) that are still what a computation would
/// give, by `YYYY-MM`.
pub(crate) async fn kept_months(
    conn: &mut AnyConnection,
    months: &[Period],
) -> Result<BTreeMap<String, KeptMonth>> {
    let mut kept = BTreeMap::new();
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(kept);
    };
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT month, last_event_id, point FROM report_months
         WHERE month >= $1 AND month <= $2 AND figures = $3 ORDER BY month",
    )
    .bind(first.from.format("%Y-%m").to_string())
    .bind(last.from.format("%Y-%m").to_string())
    .bind(DEFINITIONS_VERSION)
    .fetch_all(&mut *conn)
    .await?;
    // One look at the events appended since the oldest check: (id, at, listed kind).
    let Some(oldest) = rows.iter().map(|r| r.1).min() else {
        return Ok(kept);
    };
    let latest_end = format_instant(&last.end());
    let later: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT id, CASE WHEN kind IN ({}) THEN at ELSE '' END FROM events
         WHERE id > $1 AND (at < $2 OR kind NOT IN ({})) ORDER BY id",
        kinds_after(KINDS_AFTER_A_TREND_MONTH),
        kinds_after(KINDS_AFTER_A_TREND_MONTH)
    ))
    .bind(oldest)
    .bind(&latest_end)
    .fetch_all(&mut *conn)
    .await?;
    for (month, last_event_id, text) in rows {
        let Some(period) = months
            .iter()
            .find(|m| m.from.format("%Y-%m").to_string() == month)
        else {
            continue;
        };
        let end = format_instant(&period.end());
        // An unlisted kind reads as '' (before every end).
        let changed = later
            .iter()
            .any(|(id, at)| *id > last_event_id && at.as_str() < end.as_str());
        if changed {
            continue;
        }
        // A stored point that no longer reads is computed again.
        if let Ok(point) = serde_json::from_str::<TrendPoint>(&text) {
            kept.insert(
                month,
                KeptMonth {
                    point,
                    last_event_id,
                },
            );
        }
    }
    Ok(kept)
}

/// Keeps `points` (of months that are over), computed from or checked against the events
/// up to `last_event_id`.
pub(crate) async fn keep_months(
    conn: &mut AnyConnection,
    points: &[&TrendPoint],
    last_event_id: i64,
) -> Result<()> {
    for point in points {
        let text =
            serde_json::to_string(point).map_err(|e| Error::Corrupt(format!("报表：{e}")))?;
        sqlx::query(
            "INSERT INTO report_months (month, last_event_id, point, figures)
             VALUES ($1, $2, $3, $4)
             ON CONFLICT (month) DO UPDATE SET
                 last_event_id = excluded.last_event_id, point = excluded.point,
                 figures = excluded.figures",
        )
        .bind(&point.month)
        .bind(last_event_id)
        .bind(text)
        .bind(DEFINITIONS_VERSION)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
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
             last_event_id, report, figures)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (period_from, period_to) DO UPDATE SET
             calendar_version = excluded.calendar_version, rule = excluded.rule,
             last_event_id = excluded.last_event_id, report = excluded.report,
             figures = excluded.figures",
    )
    .bind(&key.from)
    .bind(&key.to)
    .bind(key.calendar_version)
    .bind(&key.rule)
    .bind(last_event_id)
    .bind(text)
    .bind(DEFINITIONS_VERSION)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
