//! Registering the rows of an imported file together: the same rows, numbers and events
//! as registering them one by one with `cases::insert_case` (a test compares the two),
//! written with a few statements instead of four statements per row — each statement
//! through sqlx is a round trip to the connection's thread, which was most of an
//! import's time (100,000 rows: ~25 s one by one under load).
//!
//! The rows go to the database as ONE parameter, a JSON array of rows read back with
//! `json_each` / `json_array_elements` (`dialect::json_rows`), not as one parameter per
//! value: sqlx-sqlite looks up the name of every parameter of a statement when it binds
//! it (`sqlite3_bind_parameter_name`, a walk along the statement's list of names), so a
//! multi-row `INSERT` of 500 rows × 20 columns cost 10,000²/2 steps to bind — 68 % of an
//! import's time in the profile.

use chrono::Datelike;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use super::cases::ValidCase;
use super::Ctx;
use crate::calendar::WorkCalendar;
use crate::clock::format_instant;
use crate::db::Backend;
use crate::deadline;
use crate::dialect;
use crate::error::{Error, Result};
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
        cases.push(json!([
            id,
            number,
            v.source,
            v.link,
            v.poster,
            v.phone,
            v.title,
            v.content,
            v.category.label(),
            i64::from(v.important),
            i64::from(v.sensitive),
            complexity.code(),
            CaseStatus::Pending.code(),
            received,
            now,
            ctx.actor.id,
            format_instant(&deadlines.ack_due),
            deadlines.reply_due.format("%Y-%m-%d").to_string(),
            i64::from(deadlines.working_days),
            i64::from(deadlines.calendar_complete),
        ]));
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
        events.push(json!([
            fields.id,
            id,
            fields.actor_id,
            fields.at,
            fields.kind,
            fields.summary,
            fields.before,
            fields.after,
            std::mem::replace(&mut prev_hash, hash.clone()),
            hash,
        ]));
        event_id += 1;
        out.push((id, number));
    }
    insert_json(conn, backend, CASES, cases).await?;
    insert_json(conn, backend, EVENTS, events).await?;
    Ok(out)
}

/// The type of a column written from a JSON row: PostgreSQL reads every member as text,
/// which an integer column takes only through a cast.
#[derive(Clone, Copy)]
enum Col {
    Int,
    Text,
}

/// A table written from JSON rows: the table and its columns, in the order of each row.
struct Target {
    table: &'static str,
    columns: &'static [(&'static str, Col)],
}

/// The columns of a new case (as `cases::insert_case` writes them).
const CASES: Target = Target {
    table: "cases",
    columns: &[
        ("id", Col::Int),
        ("number", Col::Text),
        ("source", Col::Text),
        ("link", Col::Text),
        ("poster", Col::Text),
        ("phone", Col::Text),
        ("title", Col::Text),
        ("content", Col::Text),
        ("category", Col::Text),
        ("important", Col::Int),
        ("sensitive", Col::Int),
        ("complexity", Col::Text),
        ("status", Col::Text),
        ("received_at", Col::Text),
        ("registered_at", Col::Text),
        ("registered_by", Col::Int),
        ("ack_due", Col::Text),
        ("reply_due", Col::Text),
        ("working_days", Col::Int),
        ("calendar_complete", Col::Int),
    ],
};

/// The columns of a `register` event.
const EVENTS: Target = Target {
    table: "events",
    columns: &[
        ("id", Col::Int),
        ("case_id", Col::Int),
        ("actor_id", Col::Int),
        ("at", Col::Text),
        ("kind", Col::Text),
        ("summary", Col::Text),
        ("before", Col::Text),
        ("after", Col::Text),
        ("prev_hash", Col::Text),
        ("hash", Col::Text),
    ],
};

/// Inserts `rows` (JSON arrays in the order of `target`'s columns) into its table, in
/// order, with one statement and one parameter.
async fn insert_json(
    conn: &mut AnyConnection,
    backend: Backend,
    target: Target,
    rows: Vec<Value>,
) -> Result<()> {
    let names: Vec<&str> = target.columns.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = target
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, col))| {
            let item = dialect::json_item(backend, "j.value", i);
            match col {
                Col::Int => format!("CAST({item} AS BIGINT)"),
                Col::Text => item,
            }
        })
        .collect();
    let rows = serde_json::to_string(&rows).map_err(|e| Error::Corrupt(e.to_string()))?;
    sqlx::query(&format!(
        "INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY j.key",
        target.table,
        names.join(", "),
        values.join(", "),
        dialect::json_rows(backend, "$1", "j"),
    ))
    .bind(rows)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
