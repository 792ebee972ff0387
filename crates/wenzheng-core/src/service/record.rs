//! Reading a case row and writing the event log: the shared pieces of every step.

use serde_json::Value;
use sqlx::{Any, AnyConnection, Transaction};

use super::Ctx;
use crate::calendar::WorkCalendar;
use crate::clock::{format_instant, parse_stored, parse_stored_date};
use crate::deadline::{self, Deadlines};
use crate::error::{Error, Result};
use crate::integrity::{EventFields, GENESIS_HASH};
use crate::model::{CaseStatus, Complexity};
use crate::privacy::mask_phone;
use crate::view::{AssignedUnit, CaseView};

/// A row of `cases`, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub id: i64,
    pub number: String,
    pub source: String,
    pub link: Option<String>,
    pub poster: Option<String>,
    pub phone: Option<String>,
    pub title: String,
    pub content: String,
    pub category: String,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub important: bool,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub sensitive: bool,
    pub complexity: String,
    pub status: String,
    pub received_at: String,
    pub registered_at: String,
    pub ack_due: String,
    pub reply_due: String,
    pub working_days: i64,
    pub extension_days: i64,
    #[sqlx(try_from = "crate::sql::Flag")]
    pub calendar_complete: bool,
    pub acknowledged_at: Option<String>,
    pub replied_at: Option<String>,
    pub closed_at: Option<String>,
    pub result: Option<String>,
    pub archived_at: Option<String>,
    pub version: i64,
}

impl CaseRow {
    pub fn status(&self) -> Result<CaseStatus> {
        self.status.parse().map_err(|_| {
            Error::Corrupt(format!(
                "案件 {} 的状态“{}”无法识别",
                self.number, self.status
            ))
        })
    }

    pub fn is_complex(&self) -> bool {
        self.complexity == Complexity::Complex.code()
    }

    /// The deadlines this case should have with `active_units` assigned.
    pub fn deadlines(&self, calendar: &WorkCalendar, active_units: usize) -> Result<Deadlines> {
        let period = deadline::reply_period(self.is_complex(), active_units)
            + u32::try_from(self.extension_days).unwrap_or(0);
        Ok(deadline::compute(
            calendar,
            parse_stored(&self.received_at)?,
            parse_stored(&self.registered_at)?,
            period,
        ))
    }

    /// The view of this row at `ctx.now`, with its assigned units.
    pub fn view(
        self,
        calendar: &WorkCalendar,
        ctx: &Ctx,
        units: Vec<AssignedUnit>,
    ) -> Result<CaseView> {
        let status = self.status()?;
        let due = deadline::due_state(
            calendar,
            status,
            parse_stored(&self.ack_due)?,
            parse_stored_date(&self.reply_due)?,
            ctx.now,
        );
        Ok(CaseView {
            id: self.id,
            number: self.number,
            status: status.code().to_string(),
            status_name: status.label().to_string(),
            title: self.title,
            content: self.content,
            category: self.category,
            source: self.source,
            link: self.link,
            poster: self.poster,
            phone: self.phone.as_deref().map(mask_phone),
            important: self.important,
            sensitive: self.sensitive,
            complexity: self.complexity,
            received_at: self.received_at,
            registered_at: self.registered_at,
            ack_due: self.ack_due,
            reply_due: self.reply_due,
            working_days: self.working_days,
            extension_days: self.extension_days,
            calendar_complete: self.calendar_complete,
            acknowledged_at: self.acknowledged_at,
            replied_at: self.replied_at,
            closed_at: self.closed_at,
            result: self.result,
            archived_at: self.archived_at,
            version: self.version,
            overdue: due.overdue(),
            ack_overdue: due.ack_overdue,
            reply_overdue: due.reply_overdue,
            remaining_working_days: due.remaining_working_days,
            units,
        })
    }
}

/// Finds a case by numeric id or case number.
pub(crate) async fn load_case(conn: &mut AnyConnection, key: &str) -> Result<CaseRow> {
    let key = key.trim();
    let row = if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
        sqlx::query_as("SELECT * FROM cases WHERE id = $1")
            .bind(key.parse::<i64>().unwrap_or(-1))
            .fetch_optional(&mut *conn)
            .await?
    } else {
        sqlx::query_as("SELECT * FROM cases WHERE number = $1")
            .bind(key.to_uppercase())
            .fetch_optional(&mut *conn)
            .await?
    };
    row.ok_or_else(|| Error::NotFound(format!("找不到案件“{key}”")))
}

/// The units currently assigned to a case, lead first.
pub(crate) async fn active_units(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<AssignedUnit>> {
    Ok(sqlx::query_as(
        "SELECT a.unit_id, u.name AS unit, a.role FROM assignments a
         JOIN units u ON u.id = a.unit_id
         WHERE a.case_id = $1 AND a.returned_at IS NULL
         ORDER BY a.role = 'assist', a.id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Loads the working-day calendar from the database: the official schedules with the
/// office's single-day edits (`calendar_overrides`) applied over them.
pub(crate) async fn load_calendar(conn: &mut AnyConnection) -> Result<WorkCalendar> {
    let mut cal = load_official_calendar(conn).await?;
    let overrides: Vec<(String, crate::sql::Flag)> =
        sqlx::query_as("SELECT day, is_off_day FROM calendar_overrides")
            .fetch_all(&mut *conn)
            .await?;
    for (day, off) in overrides {
        let date = parse_stored_date(&day)
            .map_err(|_| Error::Corrupt(format!("单独设置的日期“{day}”")))?;
        cal.set_day(date, off.0);
    }
    Ok(cal)
}

/// The official schedules only, as imported or bundled.
pub(crate) async fn load_official_calendar(conn: &mut AnyConnection) -> Result<WorkCalendar> {
    let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM calendar_years")
        .fetch_all(&mut *conn)
        .await?;
    let days: Vec<(i64, String, crate::sql::Flag)> =
        sqlx::query_as("SELECT year, day, is_off_day FROM calendar_days")
            .fetch_all(&mut *conn)
            .await?;
    let mut cal = WorkCalendar::new();
    for year in years {
        let year = i32::try_from(year).map_err(|_| Error::Corrupt(format!("年份 {year}")))?;
        let mut list = Vec::new();
        for (y, day, off) in days
            .iter()
            .filter(|(y, _, _)| i32::try_from(*y) == Ok(year))
        {
            let date = parse_stored_date(day)
                .map_err(|_| Error::Corrupt(format!("{y} 年的日期“{day}”")))?;
            list.push((date, off.0));
        }
        cal.add_days(year, list);
    }
    Ok(cal)
}

/// Writes the new status, deadlines and any extra columns of a case (its version is raised
/// by the step's [`event`]).
pub(crate) async fn save_case(
    tx: &mut Transaction<'static, Any>,
    case: &CaseRow,
    status: CaseStatus,
    deadlines: &Deadlines,
) -> Result<()> {
    sqlx::query(
        "UPDATE cases SET status = $1, ack_due = $2, reply_due = $3, working_days = $4,
            extension_days = $5, calendar_complete = $6, acknowledged_at = $7, replied_at = $8,
            closed_at = $9, result = $10, archived_at = $11
         WHERE id = $12",
    )
    .bind(status.code())
    .bind(format_instant(&deadlines.ack_due))
    .bind(deadlines.reply_due.format("%Y-%m-%d").to_string())
    .bind(i64::from(deadlines.working_days))
    .bind(case.extension_days)
    .bind(i64::from(deadlines.calendar_complete))
    .bind(&case.acknowledged_at)
    .bind(&case.replied_at)
    .bind(&case.closed_at)
    .bind(&case.result)
    .bind(&case.archived_at)
    .bind(case.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Appends an event to the log, chained to the previous one by its hash. An event about a
/// case raises the case's version unless it only logs (see [`super::version`]).
pub(crate) async fn event(
    tx: &mut Transaction<'static, Any>,
    ctx: &Ctx,
    case_id: Option<i64>,
    kind: &str,
    summary: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<()> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS_HASH.to_string()),
    };
    let fields = EventFields {
        id,
        case_id,
        actor_id: ctx.actor.id,
        at: format_instant(&ctx.now),
        kind: kind.to_string(),
        summary: summary.to_string(),
        before: before.map(|v| v.to_string()),
        after: after.map(|v| v.to_string()),
    };
    let hash = fields.hash(&prev_hash);
    sqlx::query(
        "INSERT INTO events (id, case_id, actor_id, at, kind, summary, before, after, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(fields.id)
    .bind(fields.case_id)
    .bind(fields.actor_id)
    .bind(&fields.at)
    .bind(&fields.kind)
    .bind(&fields.summary)
    .bind(&fields.before)
    .bind(&fields.after)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut **tx)
    .await?;
    if let Some(case_id) = case_id {
        super::version::bump(tx, case_id, kind).await?;
    }
    Ok(())
}

/// Writes one setting (`settings.key` → `value`) inside `tx`, stamped with who and when.
pub(crate) async fn put_setting(
    tx: &mut Transaction<'static, Any>,
    ctx: &Ctx,
    key: &str,
    value: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value,
            updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(key)
    .bind(value)
    .bind(format_instant(&ctx.now))
    .bind(ctx.actor.id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
