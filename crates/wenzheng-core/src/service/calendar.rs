//! The working-day calendar as stored: showing a year, importing a year's schedule, and
//! computing deadlines for hypothetical cases.

use chrono::NaiveDate;
use serde_json::json;

use super::record::event;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::{WorkCalendar, YearSchedule};
use crate::clock::format_instant;
use crate::db::insert_year;
use crate::deadline;
use crate::error::{Error, Result};
use crate::view::{CalendarDayView, CalendarYearView, DeadlineView};

impl Service {
    /// The working-day calendar as stored.
    pub async fn calendar(&self) -> Result<WorkCalendar> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(WorkCalendar::clone(&*self.work_calendar(&mut conn).await?))
    }

    /// One year of the calendar with its exceptions.
    pub async fn calendar_year(&self, year: i32) -> Result<CalendarYearView> {
        let head: Option<(String, Option<String>)> =
            sqlx::query_as("SELECT source, imported_at FROM calendar_years WHERE year = ?")
                .bind(year)
                .fetch_optional(self.db.pool())
                .await?;
        let (source, imported_at) = head.ok_or_else(|| {
            Error::NotFound(format!(
                "没有 {year} 年的节假日安排；国务院发布后，请用“导入节假日安排”导入"
            ))
        })?;
        let days: Vec<CalendarDayView> = sqlx::query_as(
            "SELECT day, name, is_off_day FROM calendar_days WHERE year = ? ORDER BY day",
        )
        .bind(year)
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
            sqlx::query_scalar("SELECT COUNT(*) FROM calendar_days WHERE year = ?")
                .bind(schedule.year)
                .fetch_optional(&mut *tx)
                .await?;
        insert_year(&mut tx, &schedule, source, Some(&format_instant(&ctx.now))).await?;
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
            Some(json!({ "year": schedule.year, "days": schedule.days.len(), "source": source })),
        )
        .await?;
        tx.commit().await?;
        self.calendar_year(schedule.year).await
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
