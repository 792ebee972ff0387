//! The working-day calendar as stored: showing a year, importing a year's schedule, and
//! computing deadlines for hypothetical cases.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde_json::json;
use sqlx::{Any, Transaction};

use crate::sql::Sql;

use super::record::{event, load_calendar, load_official_calendar, CaseRow};
use super::{optional, Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::{WorkCalendar, YearSchedule};
use crate::clock::format_instant;
use crate::db::insert_year;
use crate::deadline;
use crate::error::{Error, Result};
use crate::model::CaseStatus;
use crate::view::{
    CalendarDayView, CalendarOverrideView, CalendarYearView, DayEditView, DeadlineView,
    RecomputedDue,
};

/// What to make of one day of the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayMode {
    /// 休: a day off.
    Holiday,
    /// 班: a working day.
    Workday,
    /// Back to the official schedule.
    Official,
}

impl DayMode {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            DayMode::Holiday => "holiday",
            DayMode::Workday => "workday",
            DayMode::Official => "official",
        }
    }
}

/// Accepts the code or 休 / 班 / 官方.
impl FromStr for DayMode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "holiday" | "休" => Ok(DayMode::Holiday),
            "workday" | "班" => Ok(DayMode::Workday),
            "official" | "官方" => Ok(DayMode::Official),
            other => Err(Error::Invalid(format!(
                "“{other}”无效，可选：休（holiday）、班（workday）、官方（official）"
            ))),
        }
    }
}

impl Service {
    /// The working-day calendar as stored.
    pub async fn calendar(&self) -> Result<WorkCalendar> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(WorkCalendar::clone(&*self.work_calendar(&mut conn).await?))
    }

    /// One year of the calendar with its exceptions.
    pub async fn calendar_year(&self, year: i32) -> Result<CalendarYearView> {
        let head: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT source, imported_at FROM calendar_years WHERE year = $1")
                .bind(year)
                .fetch_optional(self.db.pool())
                .await?;
        let (source, imported_at) = head.ok_or_else(|| {
            Error::NotFound(format!(
                "没有 {year} 年的节假日安排；国务院发布后，请用“导入节假日安排”导入"
            ))
        })?;
        let days: Vec<CalendarDayView> = sqlx::query_as(
            "SELECT day, name, is_off_day FROM calendar_days WHERE year = $1 ORDER BY day",
        )
        .bind(year)
        .fetch_all(self.db.pool())
        .await?;
        let overrides: Vec<CalendarOverrideView> = sqlx::query_as(
            "SELECT day, is_off_day, note, updated_at FROM calendar_overrides
             WHERE day BETWEEN $1 AND $2 ORDER BY day",
        )
        .bind(format!("{year:04}-01-01"))
        .bind(format!("{year:04}-12-31"))
        .fetch_all(self.db.pool())
        .await?;
        let calendar = self.calendar().await?;
        let start = NaiveDate::from_ymd_opt(year, 1, 1)
            .and_then(|d| d.pred_opt())
            .ok_or_else(|| Error::Invalid(format!("年份 {year} 无效")))?;
        let end = NaiveDate::from_ymd_opt(year, 12, 31)
            .ok_or_else(|| Error::Invalid(format!("年份 {year} 无效")))?;
        Ok(CalendarYearView {
            year,
            source,
            imported_at,
            working_days: calendar.working_days_between(start, end),
            days,
            overrides,
        })
    }

    /// Imports (or replaces) a year's schedule from a holiday-cn JSON text.
    pub async fn import_calendar(
        &self,
        ctx: &Ctx,
        json_text: &str,
        source: &str,
    ) -> Result<CalendarYearView> {
        auth::require(ctx.actor.role, Permission::ManageCalendar)?;
        let schedule = YearSchedule::parse(json_text)?;
        let mut tx = self.db.write().await?;
        let existed: Option<i64> =
            sqlx::query_scalar("SELECT COUNT(*) FROM calendar_days WHERE year = $1")
                .bind(schedule.year)
                .fetch_optional(&mut *tx)
                .await?;
        insert_year(&mut tx, &schedule, source, Some(&format_instant(&ctx.now))).await?;
        // The whole year (estimates become exact), and the neighbouring days it lists.
        let (from, to) = schedule.days.iter().fold(
            (
                NaiveDate::from_ymd_opt(schedule.year, 1, 1),
                NaiveDate::from_ymd_opt(schedule.year, 12, 31),
            ),
            |(lo, hi), d| (lo.map(|l| l.min(d.date)), hi.map(|h| h.max(d.date))),
        );
        let recomputed = match (from, to) {
            (Some(from), Some(to)) => refresh_open_deadlines(&mut tx, ctx, from, to).await?,
            _ => Vec::new(),
        };
        let summary = format!(
            "导入 {} 年节假日安排（{} 条）",
            schedule.year,
            schedule.days.len()
        );
        event(
            &mut tx,
            ctx,
            None,
            "calendar_import",
            &summary,
            Some(json!({ "year": schedule.year, "days": existed })),
            Some(json!({
                "year": schedule.year, "days": schedule.days.len(), "source": source,
                "recomputed": recomputed.len(),
            })),
        )
        .await?;
        tx.commit().await?;
        self.calendar_year(schedule.year).await
    }

    /// Sets one day as a day off (休), a working day (班), or back to the official schedule,
    /// with a note. In the same transaction, the stored reply dates of the open cases the
    /// day falls within are recomputed (each change on the case's timeline).
    pub async fn set_calendar_day(
        &self,
        ctx: &Ctx,
        day: &str,
        mode: DayMode,
        note: Option<&str>,
    ) -> Result<DayEditView> {
        auth::require(ctx.actor.role, Permission::ManageCalendar)?;
        let date = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").map_err(|_| {
            Error::Invalid(format!(
                "日期“{}”无效，请写成 2026-12-31 的格式",
                day.trim()
            ))
        })?;
        let note = optional("备注", note, 200)?;
        let key = date.format("%Y-%m-%d").to_string();
        let mut tx = self.db.write().await?;
        let official = load_official_calendar(&mut tx).await?;
        if !official.has_year(date.year()) {
            return Err(Error::Invalid(format!(
                "没有 {} 年的节假日安排，请先导入该年的安排再调整单日",
                date.year()
            )));
        }
        let official_working = official.is_working_day(date);
        let before: Option<(crate::sql::Flag, Option<String>)> =
            sqlx::query_as("SELECT is_off_day, note FROM calendar_overrides WHERE day = $1")
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
        let was_working = before.as_ref().map_or(official_working, |(off, _)| !off.0);
        let cn = chinese_date(date);
        let working = match mode {
            DayMode::Official => {
                if before.is_none() {
                    return Err(Error::Invalid(format!(
                        "{cn}没有单独设置，已按国务院安排{}",
                        if official_working { "上班" } else { "休息" }
                    )));
                }
                sqlx::query("DELETE FROM calendar_overrides WHERE day = $1")
                    .bind(&key)
                    .execute(&mut *tx)
                    .await?;
                official_working
            }
            DayMode::Holiday | DayMode::Workday => {
                let working = mode == DayMode::Workday;
                if working == official_working {
                    return Err(Error::Invalid(format!(
                        "{cn}按国务院安排已是{}；如要撤销单独设置，请选“恢复国务院安排”",
                        if working { "工作日" } else { "休息日" }
                    )));
                }
                sqlx::query(
                    "INSERT INTO calendar_overrides (day, is_off_day, note, updated_at, updated_by)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (day) DO UPDATE SET is_off_day = excluded.is_off_day,
                        note = excluded.note, updated_at = excluded.updated_at,
                        updated_by = excluded.updated_by",
                )
                .bind(&key)
                .bind(i64::from(!working))
                .bind(&note)
                .bind(format_instant(&ctx.now))
                .bind(ctx.actor.id)
                .execute(&mut *tx)
                .await?;
                working
            }
        };
        let recomputed = if working != was_working {
            refresh_open_deadlines(&mut tx, ctx, date, date).await?
        } else {
            Vec::new()
        };
        let what = match mode {
            DayMode::Holiday => "设为休息日（休）",
            DayMode::Workday => "设为工作日（班）",
            DayMode::Official => "恢复国务院安排",
        };
        let mut summary = format!("节假日调整：{cn}{what}");
        if let Some(n) = &note {
            summary.push_str(&format!("，备注：{n}"));
        }
        if !recomputed.is_empty() {
            summary.push_str(&format!(
                "；{} 件在办案件的答复期限随之调整",
                recomputed.len()
            ));
        }
        event(
            &mut tx,
            ctx,
            None,
            "calendar_day",
            &summary,
            Some(json!({ "day": key, "working_day": was_working,
                "override": before.as_ref().map(|(off, note)| json!({ "is_off_day": off.0, "note": note })) })),
            Some(json!({ "day": key, "mode": mode.code(), "working_day": working, "note": note,
                "recomputed": recomputed.iter().map(|r| &r.number).collect::<Vec<_>>() })),
        )
        .await?;
        tx.commit().await?;
        Ok(DayEditView {
            day: key,
            mode: mode.code().to_string(),
            working_day: working,
            official_working_day: official_working,
            note: if mode == DayMode::Official {
                None
            } else {
                note
            },
            recomputed,
        })
    }

    /// The deadlines a case received at `received` would have.
    pub async fn deadline(
        &self,
        received: chrono::DateTime<chrono::FixedOffset>,
        complex: bool,
    ) -> Result<DeadlineView> {
        let calendar = self.calendar().await?;
        let d = deadline::compute(
            &calendar,
            received,
            received,
            deadline::reply_period(complex, 0),
        );
        Ok(DeadlineView {
            received: format_instant(&received),
            ack_due: format_instant(&d.ack_due),
            reply_due: d.reply_due.to_string(),
            working_days: d.working_days,
            calendar_complete: d.calendar_complete,
        })
    }
}

fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Recomputes, inside `tx`, the stored deadlines of the open cases whose reply period may
/// include a day in `from..=to` (received before `to`, due on or after `from`), with the
/// calendar as it now stands in `tx`. Each change lands on the case's timeline.
pub(super) async fn refresh_open_deadlines(
    tx: &mut Transaction<'static, Any>,
    ctx: &Ctx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<RecomputedDue>> {
    let calendar = load_calendar(tx).await?;
    let open: Vec<&str> = CaseStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| s.code())
        .collect();
    let mut q = Sql::new("SELECT * FROM cases WHERE status IN (");
    q.push_list(open, ", ");
    q.push(") AND substr(received_at, 1, 10) < ")
        .push_bind(to.format("%Y-%m-%d").to_string())
        .push(" AND reply_due >= ")
        .push_bind(from.format("%Y-%m-%d").to_string())
        .push(" ORDER BY id");
    let rows: Vec<CaseRow> = q.build_query_as().fetch_all(&mut **tx).await?;
    let mut units = super::cases::units_of(tx, rows.iter().map(|r| r.id)).await?;
    let mut changed = Vec::new();
    for row in rows {
        let n = units.remove(&row.id).map_or(0, |u| u.len());
        let d = row.deadlines(&calendar, n)?;
        let due = d.reply_due.format("%Y-%m-%d").to_string();
        if due == row.reply_due
            && i64::from(d.working_days) == row.working_days
            && d.calendar_complete == row.calendar_complete
        {
            continue;
        }
        sqlx::query(
            "UPDATE cases SET reply_due = $1, working_days = $2, calendar_complete = $3
             WHERE id = $4",
        )
        .bind(&due)
        .bind(i64::from(d.working_days))
        .bind(i64::from(d.calendar_complete))
        .bind(row.id)
        .execute(&mut **tx)
        .await?;
        if due != row.reply_due {
            let summary = format!(
                "节假日安排调整，答复期限由 {} 改为 {}",
                chinese_date(crate::clock::parse_stored_date(&row.reply_due)?),
                chinese_date(d.reply_due)
            );
            event(
                tx,
                ctx,
                Some(row.id),
                "deadline_recalc",
                &summary,
                Some(json!({ "reply_due": row.reply_due })),
                Some(json!({ "reply_due": due })),
            )
            .await?;
            changed.push(RecomputedDue {
                number: row.number,
                before: row.reply_due,
                after: due,
            });
        }
    }
    Ok(changed)
}
