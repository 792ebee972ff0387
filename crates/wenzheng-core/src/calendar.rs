//! The official working-day calendar (工作日): Monday–Friday, minus statutory holidays,
//! plus the make-up working days (调休上班) that fall on weekends.
//!
//! Schedules come in the format of the holiday-cn project (MIT-licensed data, see
//! `data/holiday-cn/LICENSE`); the years 2024–2026 ship with the app, later years are
//! imported by an administrator.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

use crate::error::{Error, Result};

/// The bundled schedules, as published by the State Council.
pub const BUNDLED: [(i32, &str); 3] = [
    (2024, include_str!("../data/holiday-cn/2024.json")),
    (2025, include_str!("../data/holiday-cn/2025.json")),
    (2026, include_str!("../data/holiday-cn/2026.json")),
];

/// One year's schedule in the holiday-cn JSON format.
#[derive(Debug, Clone, Deserialize)]
pub struct YearSchedule {
    /// The calendar year.
    pub year: i32,
    /// Addresses of the State Council notices it comes from.
    #[serde(default)]
    pub papers: Vec<String>,
    /// The exceptions to "Monday–Friday is a working day".
    pub days: Vec<ScheduleDay>,
}

/// A day that differs from the Monday–Friday rule, or a holiday on a working weekday.
#[derive(Debug, Clone, Deserialize)]
pub struct ScheduleDay {
    /// Holiday name, e.g. 春节.
    pub name: String,
    /// The date.
    pub date: NaiveDate,
    /// `true`: a day off (holiday); `false`: a make-up working day.
    #[serde(rename = "isOffDay")]
    pub is_off_day: bool,
}

impl YearSchedule {
    /// Parses and validates a holiday-cn file. An empty schedule is refused: it means the
    /// State Council has not published that year yet, and taking it would silently treat
    /// every holiday as a working day.
    pub fn parse(json: &str) -> Result<Self> {
        let schedule: YearSchedule = serde_json::from_str(json)
            .map_err(|e| Error::Invalid(format!("节假日安排文件格式不正确：{e}")))?;
        schedule.validate()?;
        Ok(schedule)
    }

    fn validate(&self) -> Result<()> {
        if !(2000..=2100).contains(&self.year) {
            return Err(Error::Invalid(format!(
                "年份 {} 不在 2000–2100 之间",
                self.year
            )));
        }
        if self.days.is_empty() {
            return Err(Error::Invalid(format!(
                "{} 年的节假日安排是空的（国务院可能尚未发布），不能导入",
                self.year
            )));
        }
        let mut seen = BTreeSet::new();
        for day in &self.days {
            // Make-up working days of early January can belong to the previous year's
            // notice, so a day may fall in the neighbouring year; nothing further away.
            if (day.date.year() - self.year).abs() > 1 {
                return Err(Error::Invalid(format!(
                    "{} 年的安排中出现了 {} 这一天",
                    self.year, day.date
                )));
            }
            if !seen.insert(day.date) {
                return Err(Error::Invalid(format!(
                    "日期 {} 在安排中重复出现",
                    day.date
                )));
            }
            if day.name.trim().is_empty() {
                return Err(Error::Invalid(format!("日期 {} 缺少节日名称", day.date)));
            }
        }
        Ok(())
    }
}

/// The working-day calendar over the years whose schedule is known.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    years: BTreeSet<i32>,
    exceptions: HashMap<NaiveDate, bool>,
}

impl WorkCalendar {
    /// A calendar that knows no year: every date is computed by the Monday–Friday rule and
    /// reported as incomplete.
    pub fn new() -> Self {
        Self::default()
    }

    /// The calendar of the schedules that ship with the app.
    pub fn bundled() -> Self {
        let mut cal = Self::new();
        for (_, json) in BUNDLED {
            let schedule = YearSchedule::parse(json).expect("bundled schedules are valid");
            cal.add_year(&schedule);
        }
        cal
    }

    /// Adds (or replaces) a year's exceptions.
    pub fn add_year(&mut self, schedule: &YearSchedule) {
        self.add_days(
            schedule.year,
            schedule.days.iter().map(|d| (d.date, d.is_off_day)),
        );
    }

    /// Adds a known year with its exceptions as `(date, is_off_day)`.
    pub fn add_days(&mut self, year: i32, days: impl IntoIterator<Item = (NaiveDate, bool)>) {
        self.years.insert(year);
        self.exceptions.extend(days);
    }

    /// Sets one day off (`true`) or working (`false`), over whatever the schedule says.
    pub fn set_day(&mut self, date: NaiveDate, is_off_day: bool) {
        self.exceptions.insert(date, is_off_day);
    }

    /// Whether the official schedule of `year` is known.
    pub fn has_year(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The years whose schedule is known.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Whether `date` is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.exceptions.get(&date) {
            Some(&is_off) => !is_off,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`th working day after `start` (the start day itself is not counted, as the
    /// Civil Code counts periods in days). The flag is `false` when any day counted falls
    /// in a year whose schedule is unknown: the date is then only a Monday–Friday estimate.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> (NaiveDate, bool) {
        let mut date = start;
        let mut complete = true;
        let mut counted = 0;
        while counted < n {
            date = date
                .succ_opt()
                .expect("dates stay far from chrono's limits");
            complete &= self.has_year(date.year());
            if self.is_working_day(date) {
                counted += 1;
            }
        }
        (date, complete)
    }

    /// Working days strictly after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let span = (to - from).num_days();
        if span <= 0 {
            return 0;
        }
        if span <= 62 {
            return from
                .iter_days()
                .skip(1)
                .take_while(|d| *d <= to)
                .filter(|d| self.is_working_day(*d))
                .count() as u32;
        }
        // Long spans (a case overdue for years is counted on every listing): Monday–Friday
        // days by arithmetic, corrected by the exceptions that fall in the span.
        let weeks = span / 7;
        let mut n = weeks * 5;
        let mut day = from + chrono::Duration::days(weeks * 7);
        while day < to {
            day = day.succ_opt().expect("dates stay far from chrono's limits");
            if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                n += 1;
            }
        }
        for (date, &is_off) in &self.exceptions {
            if *date > from && *date <= to {
                let weekday = !matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
                match (weekday, is_off) {
                    (true, true) => n -= 1,
                    (false, false) => n += 1,
                    _ => {}
                }
            }
        }
        u32::try_from(n).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn long_spans_count_as_day_by_day() {
        let cal = WorkCalendar::bundled();
        let naive = |from: NaiveDate, to: NaiveDate| {
            from.iter_days()
                .skip(1)
                .take_while(|d| *d <= to)
                .filter(|d| cal.is_working_day(*d))
                .count() as u32
        };
        let start = d(2023, 11, 20);
        for a in (0..900).step_by(7) {
            for len in [0, 1, 5, 61, 62, 63, 64, 70, 100, 365, 400, 800] {
                let from = start + chrono::Duration::days(a + len % 5);
                let to = from + chrono::Duration::days(len);
                assert_eq!(
                    cal.working_days_between(from, to),
                    naive(from, to),
                    "{from}..{to}"
                );
            }
        }
        assert_eq!(cal.working_days_between(d(2026, 3, 1), d(2026, 1, 1)), 0);
    }

    #[test]
    fn spring_festival_2026_and_its_make_up_days() {
        let cal = WorkCalendar::bundled();
        // 2026-02-14 (Sat) and 2026-02-28 (Sat) are make-up working days.
        assert!(cal.is_working_day(d(2026, 2, 14)));
        assert!(cal.is_working_day(d(2026, 2, 28)));
        // 2026-02-15 .. 2026-02-23 are off, including the weekdays among them.
        for day in 15..=23 {
            assert!(!cal.is_working_day(d(2026, 2, day)), "2026-02-{day}");
        }
        assert!(cal.is_working_day(d(2026, 2, 24)));
    }

    #[test]
    fn national_day_2026() {
        let cal = WorkCalendar::bundled();
        for day in 1..=7 {
            assert!(!cal.is_working_day(d(2026, 10, day)), "2026-10-{day}");
        }
        // Sunday 2026-09-20 and Saturday 2026-10-10 are make-up working days.
        assert!(cal.is_working_day(d(2026, 9, 20)));
        assert!(cal.is_working_day(d(2026, 10, 10)));
        assert!(cal.is_working_day(d(2026, 10, 8)));
    }

    #[test]
    fn plain_weekends_are_off() {
        let cal = WorkCalendar::bundled();
        assert!(!cal.is_working_day(d(2026, 11, 28)));
        assert!(!cal.is_working_day(d(2026, 11, 29)));
        assert!(cal.is_working_day(d(2026, 11, 27)));
    }

    #[test]
    fn counting_skips_the_start_day_and_holidays() {
        let cal = WorkCalendar::bundled();
        // Friday 13 Feb 2026: 14 (make-up), 24, 25, 26, 27, 28 (make-up), 2 Mar.
        assert_eq!(
            cal.add_working_days(d(2026, 2, 13), 7),
            (d(2026, 3, 2), true)
        );
        // Received on a holiday: counting starts on the next day all the same.
        assert_eq!(
            cal.add_working_days(d(2026, 2, 16), 1),
            (d(2026, 2, 24), true)
        );
        // Across National Day: 30 Sep (Wed) → 8, 9, 10 (make-up Sat), 12, 13, 14, 15.
        assert_eq!(
            cal.add_working_days(d(2026, 9, 30), 7),
            (d(2026, 10, 15), true)
        );
        assert_eq!(
            cal.add_working_days(d(2026, 9, 30), 0),
            (d(2026, 9, 30), true)
        );
    }

    #[test]
    fn an_unknown_year_is_estimated_and_flagged() {
        let cal = WorkCalendar::bundled();
        // 2026-12-25 is a Friday; the count runs into 2027, whose schedule is unknown.
        let (due, complete) = cal.add_working_days(d(2026, 12, 25), 7);
        assert!(!complete);
        // Mon–Fri estimate: 28, 29, 30, 31 Dec, 1, 4, 5 Jan.
        assert_eq!(due, d(2027, 1, 5));
        assert!(cal.add_working_days(d(2026, 12, 10), 7).1);
    }

    #[test]
    fn working_days_between_counts_the_end_not_the_start() {
        let cal = WorkCalendar::bundled();
        assert_eq!(cal.working_days_between(d(2026, 2, 13), d(2026, 3, 2)), 7);
        assert_eq!(cal.working_days_between(d(2026, 3, 2), d(2026, 3, 2)), 0);
        assert_eq!(cal.working_days_between(d(2026, 3, 5), d(2026, 3, 2)), 0);
    }

    #[test]
    fn refuses_an_empty_or_malformed_schedule() {
        let empty = r#"{"year":2027,"papers":[],"days":[]}"#;
        let err = YearSchedule::parse(empty).unwrap_err();
        assert!(err.to_string().contains("空的"), "{err}");
        assert!(YearSchedule::parse("{")
            .unwrap_err()
            .to_string()
            .contains("格式不正确"));
        let dup = r#"{"year":2027,"papers":[],"days":[
            {"name":"元旦","date":"2027-01-01","isOffDay":true},
            {"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#;
        assert!(YearSchedule::parse(dup)
            .unwrap_err()
            .to_string()
            .contains("重复"));
        let far = r#"{"year":2027,"papers":[],"days":[
            {"name":"元旦","date":"2030-01-01","isOffDay":true}]}"#;
        assert!(YearSchedule::parse(far).is_err());
    }
}
