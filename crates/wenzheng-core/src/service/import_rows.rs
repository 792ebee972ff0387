//! Registering the rows of an imported file together: the same rows, numbers and events
//! as registering them one by one with `cases::insert_case` (a test compares the two),
//! written with a few statements instead of four statements per row — each statement
//! through sqlx is a round trip to the connection's thread, which was most of an
//! import's time (100,000 rows: ~25 s one by one under load).
//!
//! Each table's rows of a slice go in ONE multi-row `INSERT` whose parameters SQLite
//! receives anonymous (`?`, see [`insert_rows`]): with numbered ones (`$n`) sqlx-sqlite's
//! bind cost N²/2 steps for N parameters — 500 rows × 20 columns — which was 68 % of an
//! import's time in the profile. (Rows sent as one JSON parameter and read back with
//! `json_each` also avoid that, but SQLite then spent ~10 % of the import taking the JSON
//! apart again.)

use chrono::Datelike;
use serde_json::json;
use sqlx::AnyConnection;

use super::bulk_rows::{self, Val};
use super::cases::ValidCase;
use super::Ctx;
use crate::calendar::WorkCalendar;
use crate::clock::format_instant;
use crate::db::Backend;
use crate::deadline;
use crate::error::Result;
use crate::integrity::{EventFields, GENESIS_HASH};
use crate::model::{CaseStatus, Complexity};

/// Registers `rows` as new cases at `ctx.now`, each with its `register` event
/// (`summary` followed by the case number), in the caller's transaction. Returns each
/// row's case id and number, in order.
pub(crate) async fn register_all(
    conn: &mut AnyConnection,
    backend: Backend,
    ctx: &Ctx,
    calendar: &WorkCalendar,
    rows: &[&ValidCase],
    summary: &str,
) -> Result<Vec<(i64, String)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    let year = ctx.now.year();
    // The numbers one registration after another would take: the counter goes up by one
    // per case.
    let last_seq: i64 = sqlx::query_scalar(
        "INSERT INTO counters (name, year, value) VALUES ('case', $1, $2)
         ON CONFLICT (name, year) DO UPDATE SET value = counters.value + $2 RETURNING value",
    )
    .bind(year)
    .bind(count)
    .fetch_one(&mut *conn)
    .await?;
    // The ids SQLite would give one insert after another: one more than the largest.
    let first_id: i64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(id), 0) + 1 AS BIGINT) FROM cases")
            .fetch_one(&mut *conn)
            .await?;
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (mut event_id, mut prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let mut cases = Vec::with_capacity(rows.len());
    let mut events = Vec::with_capacity(rows.len());
    let now = format_instant(&ctx.now);
    let mut out = Vec::with_capacity(rows.len());
    for (i, v) in rows.iter().enumerate() {
        let offset = i64::try_from(i).unwrap_or(i64::MAX);
        let id = first_id + offset;
        let number = format!("WZ-{year}-{:06}", last_seq - count + 1 + offset);
        let complexity = if v.complex {
            Complexity::Complex
        } else {
            Complexity::Ordinary
        };
        let deadlines = deadline::compute(
            calendar,
            v.received,
            ctx.now,
            deadline::reply_period(v.complex, 0),
        );
        let received = format_instant(&v.received);
        cases.push(vec![
            id.into(),
            number.clone().into(),
            v.source.clone().into(),
            v.link.clone().into(),
            v.poster.clone().into(),
            v.phone.clone().into(),
            v.title.clone().into(),
            v.content.clone().into(),
            v.category.label().into(),
            v.important.into(),
            v.sensitive.into(),
            complexity.code().into(),
            CaseStatus::Pending.code().into(),
            received.clone().into(),
            now.clone().into(),
            ctx.actor.id.into(),
            format_instant(&deadlines.ack_due).into(),
            deadlines.reply_due.format("%Y-%m-%d").to_string().into(),
            i64::from(deadlines.working_days).into(),
            deadlines.calendar_complete.into(),
        ]);
        // As `cases::insert_case` writes it.
        let after = json!({
            "number": number, "title": v.title, "category": v.category.label(),
            "source": v.source, "status": CaseStatus::Pending.code(),
            "received_at": received, "reply_due": deadlines.reply_due.to_string(),
            "important": v.important, "sensitive": v.sensitive,
            "complexity": complexity.code(),
        });
        let fields = EventFields {
            id: event_id,
            case_id: Some(id),
            actor_id: ctx.actor.id,
            at: now.clone(),
            kind: "register".into(),
            summary: format!("{summary} {number}"),
            before: None,
            after: Some(after.to_string()),
        };
        let hash = fields.hash(&prev_hash);
        events.push(vec![
            fields.id.into(),
            Val::Int(id),
            fields.actor_id.into(),
            fields.at.into(),
            fields.kind.into(),
            fields.summary.into(),
            Val::NullText,
            fields.after.into(),
            std::mem::replace(&mut prev_hash, hash.clone()).into(),
            hash.into(),
        ]);
        event_id += 1;
        out.push((id, number));
    }
    insert_rows(conn, backend, &CASES, cases).await?;
    insert_rows(conn, backend, &EVENTS, events).await?;
    Ok(out)
}

/// A table written with one multi-row INSERT: its name and columns, in the order of each row.
struct Target {
    table: &'static str,
    columns: &'static [&'static str],
}

/// The columns of a new case (as `cases::insert_case` writes them).
const CASES: Target = Target {
    table: "cases",
    columns: &[
        "id",
        "number",
        "source",
        "link",
        "poster",
        "phone",
        "title",
        "content",
        "category",
        "important",
        "sensitive",
        "complexity",
        "status",
        "received_at",
        "registered_at",
        "registered_by",
        "ack_due",
        "reply_due",
        "working_days",
        "calendar_complete",
    ],
};

/// The columns of a `register` event.
const EVENTS: Target = Target {
    table: "events",
    columns: &[
        "id",
        "case_id",
        "actor_id",
        "at",
        "kind",
        "summary",
        "before",
        "after",
        "prev_hash",
        "hash",
    ],
};

/// Inserts `rows` (values in the order of `target`'s columns) into its table, in order,
/// with one multi-row INSERT ([`bulk_rows::insert`]).
async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    target: &Target,
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    debug_assert!(rows.iter().all(|r| r.len() == target.columns.len()));
    let head = format!(
        "INSERT INTO {} ({})",
        target.table,
        target.columns.join(", ")
    );
    bulk_rows::insert(conn, backend, &head, rows).await
}
