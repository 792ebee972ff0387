//! The deadline rules of the plan: acknowledgment within 24 clock hours of registration;
//! the reply within 7 working days (ordinary) or 15 (complex, or several units), counted
//! from the day after the day of receipt and ending at 24:00 of the last day.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate};

use crate::calendar::WorkCalendar;
use crate::model::CaseStatus;

/// Clock hours allowed for the acknowledgment.
pub const ACK_HOURS: i64 = 24;
/// Working days to reply to an ordinary case.
pub const ORDINARY_DAYS: u32 = 7;
/// Working days to reply to a complex case, or one handled by several units.
pub const COMPLEX_DAYS: u32 = 15;

/// The reply period in working days, before extensions.
pub fn reply_period(complex: bool, active_units: usize) -> u32 {
    if complex || active_units >= 2 {
        COMPLEX_DAYS
    } else {
        ORDINARY_DAYS
    }
}

/// A case's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Acknowledgment due: registration plus 24 hours.
    pub ack_due: DateTime<FixedOffset>,
    /// Reply due by the end (24:00) of this day.
    pub reply_due: NaiveDate,
    /// The working days counted, extensions included.
    pub working_days: u32,
    /// `false` when the count ran into a year whose official schedule is unknown: the date
    /// is then a Monday–Friday estimate and must be shown as such.
    pub calendar_complete: bool,
}

/// Computes the deadlines of a case received at `received`, registered at `registered`,
/// with a reply period of `working_days` (extensions included).
pub fn compute(
    calendar: &WorkCalendar,
    received: DateTime<FixedOffset>,
    registered: DateTime<FixedOffset>,
    working_days: u32,
) -> Deadlines {
    let (reply_due, calendar_complete) =
        calendar.add_working_days(received.date_naive(), working_days);
    Deadlines {
        ack_due: registered + Duration::hours(ACK_HOURS),
        reply_due,
        working_days,
        calendar_complete,
    }
}

/// Where a case stands against its deadlines at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueState {
    /// Still not acknowledged after 24 hours.
    pub ack_overdue: bool,
    /// Still open after the end of the reply day.
    pub reply_overdue: bool,
    /// Working days left until the reply day (0 on the day itself); negative when overdue,
    /// counting the working days since. `None` once the case is no longer open.
    pub remaining_working_days: Option<i64>,
}

impl DueState {
    /// Overdue in either sense.
    pub fn overdue(&self) -> bool {
        self.ack_overdue || self.reply_overdue
    }
}

/// The due state of a case in `status` with `ack_due` and `reply_due`, at `now`.
pub fn due_state(
    calendar: &WorkCalendar,
    status: CaseStatus,
    ack_due: DateTime<FixedOffset>,
    reply_due: NaiveDate,
    now: DateTime<FixedOffset>,
) -> DueState {
    if !status.is_open() {
        return DueState {
            ack_overdue: false,
            reply_overdue: false,
            remaining_working_days: None,
        };
    }
    let today = now.date_naive();
    let remaining = if today <= reply_due {
        i64::from(calendar.working_days_between(today, reply_due))
    } else {
        -i64::from(calendar.working_days_between(reply_due, today))
    };
    DueState {
        ack_overdue: status == CaseStatus::Pending && now > ack_due,
        reply_overdue: today > reply_due,
        remaining_working_days: Some(remaining),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{format_instant, parse_local};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn check(received: &str, working_days: u32, want_due: NaiveDate, want_complete: bool) {
        let cal = WorkCalendar::bundled();
        let at = parse_local(received).unwrap();
        let got = compute(&cal, at, at, working_days);
        assert_eq!(
            (got.reply_due, got.calendar_complete),
            (want_due, want_complete),
            "received {received}, {working_days} working days"
        );
    }

    #[test]
    fn reply_deadlines_across_holidays_and_make_up_days() {
        // Spring Festival 2026 with its make-up Saturdays (14 and 28 Feb).
        check("2026-02-13 10:00", 7, d(2026, 3, 2), true);
        check("2026-02-13 10:00", 15, d(2026, 3, 12), true);
        // Received on the make-up Saturday itself: that day is not counted.
        check("2026-02-14 09:00", 7, d(2026, 3, 3), true);
        // National Day 2026 (1–7 Oct) with make-up Sunday 20 Sep and Saturday 10 Oct.
        check("2026-09-18 16:30", 7, d(2026, 9, 29), true);
        check("2026-09-30 23:59", 7, d(2026, 10, 15), true);
        check("2026-09-30 08:00", 15, d(2026, 10, 27), true);
        // An ordinary week.
        check("2026-11-27 14:00", 7, d(2026, 12, 8), true);
        // Into 2027, whose schedule is not published in the data: estimated and flagged.
        check("2026-12-28 10:00", 7, d(2027, 1, 6), false);
    }

    #[test]
    fn acknowledgment_is_24_clock_hours_after_registration() {
        let cal = WorkCalendar::bundled();
        let received = parse_local("2026-02-13 10:00").unwrap();
        let registered = parse_local("2026-02-13 15:20").unwrap();
        let got = compute(&cal, received, registered, 7);
        assert_eq!(format_instant(&got.ack_due), "2026-02-14T15:20:00+08:00");
    }

    #[test]
    fn several_units_make_a_case_complex() {
        assert_eq!(reply_period(false, 0), 7);
        assert_eq!(reply_period(false, 1), 7);
        assert_eq!(reply_period(false, 2), 15);
        assert_eq!(reply_period(true, 1), 15);
    }

    #[test]
    fn due_state_counts_working_days_left_and_over() {
        let cal = WorkCalendar::bundled();
        let ack_due = parse_local("2026-02-14 10:00").unwrap();
        let due = d(2026, 3, 2);
        let at = |s| parse_local(s).unwrap();
        let open = CaseStatus::Assigned;
        let s = due_state(&cal, open, ack_due, due, at("2026-02-13 12:00"));
        assert_eq!(s.remaining_working_days, Some(7));
        assert!(!s.overdue());
        // The last day itself, late evening: not overdue until 24:00.
        let s = due_state(&cal, open, ack_due, due, at("2026-03-02 23:59"));
        assert_eq!(
            (s.remaining_working_days, s.reply_overdue),
            (Some(0), false)
        );
        let s = due_state(&cal, open, ack_due, due, at("2026-03-04 09:00"));
        assert_eq!(
            (s.remaining_working_days, s.reply_overdue),
            (Some(-2), true)
        );
        // Pending past 24 h is an overdue acknowledgment.
        let s = due_state(
            &cal,
            CaseStatus::Pending,
            ack_due,
            due,
            at("2026-02-14 10:01"),
        );
        assert!(s.ack_overdue);
        // A replied case no longer runs.
        let s = due_state(
            &cal,
            CaseStatus::Replied,
            ack_due,
            due,
            at("2026-04-01 09:00"),
        );
        assert_eq!(s.remaining_working_days, None);
        assert!(!s.overdue());
    }
}
