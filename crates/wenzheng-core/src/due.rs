//! What to notify about deadlines (到期提醒): a pure function of the open cases, the
//! working-day calendar, the thresholds, the moment and what was already notified.
//!
//! Every notice carries a stable `key` naming the situation it reports (the case and the
//! deadline it is about). The watch records the keys it has raised, so a restart repeats
//! nothing; a notice comes again only when its situation changes — a new deadline after
//! an extension, the day the reply falls due after the reminder the day before, the day
//! it becomes overdue.
//!
//! | kind | when | key |
//! |---|---|---|
//! | `summary` | the first check on a working day with something due, overdue or pending | `summary:DATE` |
//! | `ack_soon` | a pending case's acknowledgment is due within `ack_hours` | `ack_soon:ID:ACK_DUE` |
//! | `ack_overdue` | its acknowledgment became overdue within the last 24 hours | `ack_overdue:ID:ACK_DUE` |
//! | `reply_soon` | the reply is due within `reply_working_days` working days (one notice per working day left) | `reply_soon:ID:DATE:LEFT` |
//! | `reply_overdue` | the reply became overdue: no working day has passed since the first one after the due date | `reply_overdue:ID:DATE` |
//! | `urge_limit` | an open case has been urged `urge_limit` times | `urge_limit:ID` |
//! | `instruction` | a leader's instruction recorded in the last 24 hours | `instruction:ID` |
//!
//! Overdue cases are raised one by one only on the day they become overdue; afterwards
//! they count in the daily summary 「今日到期 N 件，已超期 M 件，待受理 K 件」.
//!
//! What reaches the desktop is [`fold`]ed: beyond `flood_limit` notices at once, the
//! summary and one `folded` notification 「另有 N 件案件需要处理，请在工作台查看」 instead of a
//! flood (every notice is still recorded and in the bell).

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate};
use serde::Serialize;

use crate::calendar::WorkCalendar;
use crate::clock::chinese_date;
use crate::model::CaseStatus;

/// An open case as the watch sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueCase {
    /// Numeric id.
    pub id: i64,
    /// Case number, e.g. `WZ-2026-000123`.
    pub number: String,
    /// Title of the message.
    pub title: String,
    /// Where the case stands.
    pub status: CaseStatus,
    /// Acknowledgment due.
    pub ack_due: DateTime<FixedOffset>,
    /// Reply due by 24:00 of this day.
    pub reply_due: NaiveDate,
    /// How many times it has been urged (催办).
    pub urgings: u32,
    /// The units handling it now, joined with 、 (empty when none).
    pub units: String,
}

/// A leader's instruction (领导批示) on a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// Numeric id of the instruction.
    pub id: i64,
    /// The case's id.
    pub case_id: i64,
    /// The case's number.
    pub case_number: String,
    /// The leader who wrote it.
    pub leader: String,
    /// What the leader wrote.
    pub text: String,
    /// When it was recorded.
    pub created_at: DateTime<FixedOffset>,
}

/// The thresholds of the reminders; an administrator sets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    /// Remind of an acknowledgment due within this many clock hours (default 4).
    pub ack_hours: u32,
    /// Remind of a reply due within this many working days (default 1: the working day
    /// before and the day itself).
    pub reply_working_days: u32,
    /// Raise a case urged this many times (default 3; 0 turns it off).
    pub urge_limit: u32,
    /// More new notifications than this in one pass are folded into one desktop
    /// notification (default 5; see [`fold`]).
    pub flood_limit: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            ack_hours: 4,
            reply_working_days: 1,
            urge_limit: 3,
            flood_limit: 5,
        }
    }
}

/// What a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The daily summary.
    Summary,
    /// Acknowledgment due soon.
    AckSoon,
    /// Acknowledgment became overdue.
    AckOverdue,
    /// Reply due soon.
    ReplySoon,
    /// Reply became overdue.
    ReplyOverdue,
    /// Urged as often as the limit.
    UrgeLimit,
    /// A new leader's instruction.
    Instruction,
    /// Several notices folded into one desktop notification (never recorded itself).
    Folded,
}

impl NoticeKind {
    /// Stable code, as in the keys and the JSON.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::Summary => "summary",
            NoticeKind::AckSoon => "ack_soon",
            NoticeKind::AckOverdue => "ack_overdue",
            NoticeKind::ReplySoon => "reply_soon",
            NoticeKind::ReplyOverdue => "reply_overdue",
            NoticeKind::UrgeLimit => "urge_limit",
            NoticeKind::Instruction => "instruction",
            NoticeKind::Folded => "folded",
        }
    }
}

impl std::str::FromStr for NoticeKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            NoticeKind::Summary,
            NoticeKind::AckSoon,
            NoticeKind::AckOverdue,
            NoticeKind::ReplySoon,
            NoticeKind::ReplyOverdue,
            NoticeKind::UrgeLimit,
            NoticeKind::Instruction,
            NoticeKind::Folded,
        ]
        .into_iter()
        .find(|k| k.code() == s)
        .ok_or_else(|| format!("未知的提醒类型“{s}”"))
    }
}

/// One notification to raise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Stable key of the situation (see the module documentation).
    pub key: String,
    /// What it is about.
    pub kind: NoticeKind,
    /// The case's id, `None` for the summary.
    pub case_id: Option<i64>,
    /// The case's number, `None` for the summary.
    pub case_number: Option<String>,
    /// The notification's title line, in Chinese.
    pub summary: String,
    /// Its text, in Chinese.
    pub body: String,
}

/// The counts of the daily summary, also shown by the tray.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DueCounts {
    /// Open cases whose reply, or whose acknowledgment not yet overdue, falls due today.
    pub due_today: u32,
    /// Open cases overdue (acknowledgment or reply).
    pub overdue: u32,
    /// Cases waiting to be acknowledged (待受理).
    pub pending: u32,
}

fn ack_overdue(case: &DueCase, now: DateTime<FixedOffset>) -> bool {
    case.status == CaseStatus::Pending && now > case.ack_due
}

/// Whether an open case is overdue at `now` (acknowledgment or reply).
fn overdue(case: &DueCase, now: DateTime<FixedOffset>) -> bool {
    ack_overdue(case, now) || now.date_naive() > case.reply_due
}

/// Counts `cases` at `now` for the daily summary.
pub fn counts(cases: &[DueCase], now: DateTime<FixedOffset>) -> DueCounts {
    let today = now.date_naive();
    let mut c = DueCounts::default();
    for case in cases.iter().filter(|c| c.status.is_open()) {
        if overdue(case, now) {
            c.overdue += 1;
        } else if case.reply_due == today
            || (case.status == CaseStatus::Pending && case.ack_due.date_naive() == today)
        {
            c.due_today += 1;
        }
        if case.status == CaseStatus::Pending {
            c.pending += 1;
        }
    }
    c
}

/// 「今日」, 「明日」 or 「3月2日」 for `day` seen from `today`.
fn day_word(day: NaiveDate, today: NaiveDate) -> String {
    if day == today {
        "今日".into()
    } else if Some(day) == today.succ_opt() {
        "明日".into()
    } else {
        format!("{}月{}日", day.month(), day.day())
    }
}

fn case_body(case: &DueCase, line: String) -> String {
    let units = if case.units.is_empty() {
        String::new()
    } else {
        format!("\n承办单位：{}", case.units)
    };
    format!("{}\n{line}{units}", case.title)
}

fn case_notice(
    case: &DueCase,
    kind: NoticeKind,
    key: String,
    summary: String,
    line: String,
) -> Notice {
    Notice {
        key,
        kind,
        case_id: Some(case.id),
        case_number: Some(case.number.clone()),
        summary,
        body: case_body(case, line),
    }
}

/// At most this many characters of an instruction go into a notification.
const INSTRUCTION_CHARS: usize = 80;

/// How many overdue case numbers the daily summary lists (the smallest, compared bytewise).
pub const SUMMARY_NUMBERS: usize = 5;

/// The key of the daily summary at `now` when one is raised: on a working day with
/// something due, overdue or pending (`counts`).
pub fn summary_key(
    counts: &DueCounts,
    calendar: &WorkCalendar,
    now: DateTime<FixedOffset>,
) -> Option<String> {
    let today = now.date_naive();
    let something = counts.due_today + counts.overdue + counts.pending > 0;
    (calendar.is_working_day(today) && something).then(|| format!("summary:{today}"))
}

/// The daily summary 「今日到期 N 件，已超期 M 件，待受理 K 件」 at `now`, listing
/// `first_overdue`: the [`SUMMARY_NUMBERS`] smallest numbers of the overdue cases (fewer
/// when fewer are overdue), compared bytewise.
pub fn summary(counts: &DueCounts, first_overdue: &[&str], now: DateTime<FixedOffset>) -> Notice {
    let today = now.date_naive();
    let mut body = format!("{}，请及时处理。", chinese_date(today));
    if !first_overdue.is_empty() {
        let more = if counts.overdue as usize > SUMMARY_NUMBERS {
            " 等"
        } else {
            ""
        };
        let list: Vec<&str> = first_overdue
            .iter()
            .take(SUMMARY_NUMBERS)
            .copied()
            .collect();
        body.push_str(&format!("\n超期案件：{}{more}", list.join("、")));
    }
    Notice {
        key: format!("summary:{today}"),
        kind: NoticeKind::Summary,
        case_id: None,
        case_number: None,
        summary: format!(
            "今日到期 {} 件，已超期 {} 件，待受理 {} 件",
            counts.due_today, counts.overdue, counts.pending
        ),
        body,
    }
}

/// The acknowledgment deadlines that can give a notice at `now`: a pending case's
/// `ack_due` strictly after the first moment and at or before the second (it became
/// overdue less than 24 hours ago, or falls due within `ack_hours`).
pub fn ack_window(
    thresholds: &Thresholds,
    now: DateTime<FixedOffset>,
) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
    (
        now - Duration::hours(24),
        now + Duration::hours(i64::from(thresholds.ack_hours)),
    )
}

/// The reply dates that can give a notice on `today`, first and last included: from the
/// earliest date whose overdue notice is still raised (no working day has passed since
/// the first one after it) to the last date within `reply_working_days` working days.
/// Both ends are found by walking the calendar, which ends: outside its exceptions every
/// Monday–Friday is a working day.
pub fn reply_window(
    calendar: &WorkCalendar,
    thresholds: &Thresholds,
    today: NaiveDate,
) -> (NaiveDate, NaiveDate) {
    let step = |d: NaiveDate, forward: bool| {
        if forward { d.succ_opt() } else { d.pred_opt() }
            .expect("dates stay far from chrono's limits")
    };
    // `passed`: the working days strictly after the day before `first` up to `today`; an
    // overdue notice is raised while that is at most 1.
    let mut first = today;
    let mut passed = u32::from(calendar.is_working_day(today));
    while passed <= 1 {
        first = step(first, false);
        passed += u32::from(calendar.is_working_day(first));
    }
    // Working days strictly after `today` up to `last`: at most `reply_working_days`.
    let mut last = today;
    let mut left = 0;
    loop {
        let next = step(last, true);
        left += u32::from(calendar.is_working_day(next));
        if left > thresholds.reply_working_days {
            break;
        }
        last = next;
    }
    (first, last)
}

/// The notifications to raise at `now`, leaving out every key in `sent`: the daily
/// summary first, then overdue cases, deadlines coming up, urging limits and new
/// instructions.
pub fn decide(
    cases: &[DueCase],
    instructions: &[Instruction],
    calendar: &WorkCalendar,
    thresholds: &Thresholds,
    now: DateTime<FixedOffset>,
    sent: &HashSet<String>,
) -> Vec<Notice> {
    let mut out = Vec::new();
    let c = counts(cases, now);
    if summary_key(&c, calendar, now).is_some() {
        let mut overdue: Vec<&str> = cases
            .iter()
            .filter(|k| k.status.is_open() && overdue(k, now))
            .map(|k| k.number.as_str())
            .collect();
        overdue.sort_unstable();
        overdue.truncate(SUMMARY_NUMBERS);
        out.push(summary(&c, &overdue, now));
    }
    out.extend(case_notices(cases, instructions, calendar, thresholds, now));
    out.retain(|n| !sent.contains(&n.key));
    out
}

/// The notifications about single cases and instructions at `now`, before leaving out
/// what was sent: overdue cases, deadlines coming up, urging limits, new instructions.
/// Only the open cases among `cases` count, and of them only those with a pending
/// acknowledgment in [`ack_window`], a reply date in [`reply_window`] or at least
/// `urge_limit` urgings (when it is not 0) can give one: the others may be left out of
/// `cases` without changing the result.
pub fn case_notices(
    cases: &[DueCase],
    instructions: &[Instruction],
    calendar: &WorkCalendar,
    thresholds: &Thresholds,
    now: DateTime<FixedOffset>,
) -> Vec<Notice> {
    let today = now.date_naive();
    let mut overdue = Vec::new();
    let mut soon = Vec::new();
    let mut other = Vec::new();
    for case in cases.iter().filter(|c| c.status.is_open()) {
        let ack_due = case.ack_due.format("%Y-%m-%dT%H:%M");
        let ack_time = case.ack_due.format("%H:%M");
        let ack_day = day_word(case.ack_due.date_naive(), today);
        if case.status == CaseStatus::Pending {
            if now > case.ack_due && now - case.ack_due < Duration::hours(24) {
                overdue.push(case_notice(
                    case,
                    NoticeKind::AckOverdue,
                    format!("ack_overdue:{}:{ack_due}", case.id),
                    format!("案件 {} 已超过受理期限，尚未受理", case.number),
                    format!("受理期限：{ack_day} {ack_time}（登记后 24 小时）"),
                ));
            } else if now <= case.ack_due
                && case.ack_due - now <= Duration::hours(i64::from(thresholds.ack_hours))
            {
                soon.push(case_notice(
                    case,
                    NoticeKind::AckSoon,
                    format!("ack_soon:{}:{ack_due}", case.id),
                    format!("案件 {} 将于{ack_day} {ack_time} 前到期未受理", case.number),
                    format!("受理期限：{ack_day} {ack_time}（登记后 24 小时）"),
                ));
            }
        }

        let due = case.reply_due;
        let due_line = format!("答复期限：{} 24:00", chinese_date(due));
        if today > due {
            // Raised on the day it becomes overdue: the first working day after the due
            // date, or a day off before that one.
            if calendar.working_days_between(due, today) <= 1 {
                overdue.push(case_notice(
                    case,
                    NoticeKind::ReplyOverdue,
                    format!("reply_overdue:{}:{due}", case.id),
                    format!("案件 {} 已超过答复期限，尚未答复", case.number),
                    due_line,
                ));
            }
        } else {
            let left = calendar.working_days_between(today, due);
            if left <= thresholds.reply_working_days {
                let summary = if left == 0 {
                    format!("案件 {} 将于今日 24:00 前到期未答复", case.number)
                } else {
                    format!(
                        "案件 {} 将于{} 24:00 前到期未答复（还剩 {left} 个工作日）",
                        case.number,
                        day_word(due, today)
                    )
                };
                soon.push(case_notice(
                    case,
                    NoticeKind::ReplySoon,
                    format!("reply_soon:{}:{due}:{left}", case.id),
                    summary,
                    due_line,
                ));
            }
        }

        if thresholds.urge_limit > 0 && case.urgings >= thresholds.urge_limit {
            other.push(case_notice(
                case,
                NoticeKind::UrgeLimit,
                format!("urge_limit:{}", case.id),
                format!("案件 {} 已催办 {} 次仍未办结", case.number, case.urgings),
                "建议提请领导协调督办".to_string(),
            ));
        }
    }

    for i in instructions {
        let age = now - i.created_at;
        if age < Duration::zero() || age >= Duration::hours(24) {
            continue;
        }
        let mut text: String = i.text.chars().take(INSTRUCTION_CHARS).collect();
        if i.text.chars().count() > INSTRUCTION_CHARS {
            text.push('…');
        }
        other.push(Notice {
            key: format!("instruction:{}", i.id),
            kind: NoticeKind::Instruction,
            case_id: Some(i.case_id),
            case_number: Some(i.case_number.clone()),
            summary: format!("案件 {} 有新的领导批示", i.case_number),
            body: format!("{}批示：{text}", i.leader),
        });
    }

    overdue.extend(soon);
    overdue.extend(other);
    overdue
}

/// One desktop notification: a notice, and the keys of the recorded notices it stands for
/// (its own key, or all the folded ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popup {
    /// What to show.
    pub notice: Notice,
    /// The keys it stands for; once the desktop takes it, they count as shown.
    pub covers: Vec<String>,
}

/// How many case numbers a folded notification lists.
const FOLDED_NUMBERS: usize = 5;

/// The desktop notifications for `notices` (in order): one each when there are at most
/// `limit`; otherwise the daily summaries as they are and one folded notification
/// 「另有 N 件案件需要处理，请在工作台查看」 for all the rest, so that a pass never floods the
/// desktop. Every notice is still recorded and in the bell; only the popups are folded.
pub fn fold(notices: Vec<Notice>, limit: u32) -> Vec<Popup> {
    let single = |n: Notice| Popup {
        covers: vec![n.key.clone()],
        notice: n,
    };
    if notices.len() <= limit as usize {
        return notices.into_iter().map(single).collect();
    }
    let (summaries, rest): (Vec<Notice>, Vec<Notice>) = notices
        .into_iter()
        .partition(|n| n.kind == NoticeKind::Summary);
    let mut out: Vec<Popup> = summaries.into_iter().map(single).collect();
    let mut numbers: Vec<&str> = Vec::new();
    for n in &rest {
        if let Some(number) = n.case_number.as_deref() {
            if !numbers.contains(&number) {
                numbers.push(number);
            }
        }
    }
    let more = if numbers.len() > FOLDED_NUMBERS {
        " 等"
    } else {
        ""
    };
    let listed: Vec<&str> = numbers.iter().take(FOLDED_NUMBERS).copied().collect();
    let notice = Notice {
        key: format!("folded:{}", rest.first().map_or("", |n| n.key.as_str())),
        kind: NoticeKind::Folded,
        case_id: None,
        case_number: None,
        summary: format!("另有 {} 件案件需要处理，请在工作台查看", numbers.len()),
        body: format!("{}{more}（共 {} 条提醒）", listed.join("、"), rest.len()),
    };
    out.push(Popup {
        notice,
        covers: rest.into_iter().map(|n| n.key).collect(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_local;

    fn at(t: &str) -> DateTime<FixedOffset> {
        parse_local(t).unwrap()
    }

    fn day(t: &str) -> NaiveDate {
        NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap()
    }

    /// An open case `n` in `status` with its acknowledgment and reply deadlines.
    fn case(n: i64, status: CaseStatus, ack_due: &str, reply_due: &str) -> DueCase {
        DueCase {
            id: n,
            number: format!("WZ-2026-{n:06}"),
            title: format!("留言{n}"),
            status,
            ack_due: at(ack_due),
            reply_due: day(reply_due),
            urgings: 0,
            units: String::new(),
        }
    }

    /// The summaries raised at `now` for `cases`, with `sent` already notified.
    fn check(now: &str, cases: &[DueCase], sent: &[&str], want: &[&str]) {
        let sent: HashSet<String> = sent.iter().map(|s| s.to_string()).collect();
        let got = decide(
            cases,
            &[],
            &WorkCalendar::bundled(),
            &Thresholds::default(),
            at(now),
            &sent,
        );
        let got: Vec<&str> = got.iter().map(|n| n.summary.as_str()).collect();
        assert_eq!(got, want, "at {now}");
    }

    fn keys(now: &str, cases: &[DueCase]) -> Vec<String> {
        decide(
            cases,
            &[],
            &WorkCalendar::bundled(),
            &Thresholds::default(),
            at(now),
            &HashSet::new(),
        )
        .into_iter()
        .map(|n| n.key)
        .collect()
    }

    use CaseStatus::{Assigned, Closed, Pending};

    #[test]
    fn acknowledgment_within_four_hours() {
        let c = [case(1, Pending, "2026-11-27 13:00", "2026-12-08")];
        let summary = "今日到期 1 件，已超期 0 件，待受理 1 件";
        check(
            "2026-11-27 09:00",
            &c,
            &[],
            &[summary, "案件 WZ-2026-000001 将于今日 13:00 前到期未受理"],
        );
        // Four hours and a minute ahead: not yet.
        check("2026-11-27 08:59", &c, &[], &[summary]);
        // Already notified: not again, however often the watch looks.
        check(
            "2026-11-27 12:30",
            &c,
            &["summary:2026-11-27", "ack_soon:1:2026-11-27T13:00"],
            &[],
        );
        // Late in the evening before: 「明日」.
        let c = [case(1, Pending, "2026-11-27 01:30", "2026-12-08")];
        check(
            "2026-11-26 22:00",
            &c,
            &["summary:2026-11-26"],
            &["案件 WZ-2026-000001 将于明日 01:30 前到期未受理"],
        );
    }

    #[test]
    fn no_summary_when_nothing_is_due_overdue_or_pending() {
        check("2026-11-27 09:00", &[], &[], &[]);
        let closed = [case(1, Closed, "2026-11-20 13:00", "2026-11-25")];
        check("2026-11-27 09:00", &closed, &[], &[]);
    }

    #[test]
    fn acknowledgment_overdue_once_then_only_counted() {
        let c = [case(1, Pending, "2026-11-27 13:00", "2026-12-08")];
        check(
            "2026-11-27 13:01",
            &c,
            &["summary:2026-11-27"],
            &["案件 WZ-2026-000001 已超过受理期限，尚未受理"],
        );
        // A day later it is only in the summary.
        check(
            "2026-11-30 09:00",
            &c,
            &[],
            &["今日到期 0 件，已超期 1 件，待受理 1 件"],
        );
    }

    #[test]
    fn reply_due_across_national_day() {
        // Due Thursday 8 Oct 2026, the first working day after the holiday (1–7 Oct).
        let c = [case(1, Assigned, "2026-09-25 10:00", "2026-10-08")];
        // Wednesday 30 Sep: one working day left, although eight days away.
        check(
            "2026-09-30 10:00",
            &c,
            &["summary:2026-09-30"],
            &["案件 WZ-2026-000001 将于10月8日 24:00 前到期未答复（还剩 1 个工作日）"],
        );
        // During the holiday: no summary (not a working day), and the same situation,
        // already notified, is not repeated.
        check("2026-10-03 10:00", &c, &["reply_soon:1:2026-10-08:1"], &[]);
        // On the day itself the situation has changed: notified again.
        check(
            "2026-10-08 08:30",
            &c,
            &["reply_soon:1:2026-10-08:1"],
            &[
                "今日到期 1 件，已超期 0 件，待受理 0 件",
                "案件 WZ-2026-000001 将于今日 24:00 前到期未答复",
            ],
        );
        // Two working days before: beyond the default threshold of one.
        let c = [case(1, Assigned, "2026-09-25 10:00", "2026-10-09")];
        check("2026-09-30 10:00", &c, &["summary:2026-09-30"], &[]);
    }

    #[test]
    fn make_up_working_saturday() {
        // Saturday 10 Oct 2026 is a make-up working day (调休上班): the summary comes, and
        // Monday 12 Oct is one working day away.
        let c = [
            case(1, Assigned, "2026-09-30 10:00", "2026-10-12"),
            case(2, Pending, "2026-10-11 07:00", "2026-10-21"),
        ];
        check(
            "2026-10-10 08:00",
            &c,
            &[],
            &[
                "今日到期 0 件，已超期 0 件，待受理 1 件",
                "案件 WZ-2026-000001 将于10月12日 24:00 前到期未答复（还剩 1 个工作日）",
            ],
        );
        // A plain Saturday: no summary; Monday is still one working day away.
        let c = [
            case(1, Assigned, "2026-11-20 10:00", "2026-11-30"),
            case(2, Pending, "2026-11-29 07:00", "2026-12-09"),
        ];
        check(
            "2026-11-28 10:00",
            &c,
            &[],
            &["案件 WZ-2026-000001 将于11月30日 24:00 前到期未答复（还剩 1 个工作日）"],
        );
    }

    #[test]
    fn reply_overdue_on_the_day_it_happens_across_spring_festival() {
        // Due Friday 13 Feb 2026; Saturday 14 Feb is a make-up working day, then the
        // Spring Festival holiday (15–23 Feb).
        let c = [case(1, Assigned, "2026-02-03 10:00", "2026-02-13")];
        let overdue = "案件 WZ-2026-000001 已超过答复期限，尚未答复";
        check(
            "2026-02-14 09:00",
            &c,
            &[],
            &["今日到期 0 件，已超期 1 件，待受理 0 件", overdue],
        );
        // Started first on 24 Feb: a working day (the 14th) has already passed since it
        // became overdue, so only the summary counts it.
        check(
            "2026-02-24 09:00",
            &c,
            &[],
            &["今日到期 0 件，已超期 1 件，待受理 0 件"],
        );
        // Due Thursday 30 Sep; over the National Day holiday, 8 Oct is the first working
        // day since: it is raised then if it was not before.
        let c = [case(1, Assigned, "2026-09-20 10:00", "2026-09-30")];
        assert!(keys("2026-10-08 09:00", &c).contains(&"reply_overdue:1:2026-09-30".into()));
        assert!(keys("2026-10-03 09:00", &c).contains(&"reply_overdue:1:2026-09-30".into()));
        assert!(!keys("2026-10-09 09:00", &c).contains(&"reply_overdue:1:2026-09-30".into()));
    }

    #[test]
    fn an_extension_changes_the_key() {
        let before = keys(
            "2026-11-27 09:00",
            &[case(1, Assigned, "2026-11-18 10:00", "2026-11-27")],
        );
        let after = keys(
            "2026-11-27 09:00",
            &[case(1, Assigned, "2026-11-18 10:00", "2026-11-30")],
        );
        assert!(
            before.contains(&"reply_soon:1:2026-11-27:0".to_string()),
            "{before:?}"
        );
        assert!(
            after.contains(&"reply_soon:1:2026-11-30:1".to_string()),
            "{after:?}"
        );
    }

    #[test]
    fn closed_cases_are_quiet_and_the_summary_lists_overdue_numbers() {
        let mut c: Vec<DueCase> = (1..=7)
            .map(|n| case(n, Assigned, "2026-11-01 10:00", "2026-11-10"))
            .collect();
        c.push(case(8, Closed, "2026-11-01 10:00", "2026-11-10"));
        let all = decide(
            &c,
            &[],
            &WorkCalendar::bundled(),
            &Thresholds::default(),
            at("2026-11-27 09:00"),
            &HashSet::new(),
        );
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].summary, "今日到期 0 件，已超期 7 件，待受理 0 件");
        assert_eq!(
            all[0].body,
            "2026年11月27日，请及时处理。\n超期案件：WZ-2026-000001、WZ-2026-000002、WZ-2026-000003、WZ-2026-000004、WZ-2026-000005 等"
        );
    }

    #[test]
    fn urging_limit_and_new_instructions() {
        let mut c = case(1, Assigned, "2026-11-01 10:00", "2026-12-20");
        c.urgings = 3;
        c.units = "镇城建办".into();
        let instructions = [
            Instruction {
                id: 5,
                case_id: 1,
                case_number: c.number.clone(),
                leader: "张镇长".into(),
                text: "请城建办三日内修复".into(),
                created_at: at("2026-11-26 16:00"),
            },
            Instruction {
                id: 4,
                case_id: 1,
                case_number: c.number.clone(),
                leader: "张镇长".into(),
                text: "旧批示".into(),
                created_at: at("2026-11-25 08:00"),
            },
        ];
        let sent: HashSet<String> = ["summary:2026-11-27".to_string()].into();
        let got = decide(
            &[c],
            &instructions,
            &WorkCalendar::bundled(),
            &Thresholds::default(),
            at("2026-11-27 09:00"),
            &sent,
        );
        let got: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|n| (n.key.as_str(), n.summary.as_str(), n.body.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "urge_limit:1",
                    "案件 WZ-2026-000001 已催办 3 次仍未办结",
                    "留言1\n建议提请领导协调督办\n承办单位：镇城建办"
                ),
                (
                    "instruction:5",
                    "案件 WZ-2026-000001 有新的领导批示",
                    "张镇长批示：请城建办三日内修复"
                ),
            ]
        );
    }

    #[test]
    fn thresholds_are_respected() {
        let c = [case(1, Assigned, "2026-11-01 10:00", "2026-12-01")];
        let t = Thresholds {
            reply_working_days: 2,
            ..Thresholds::default()
        };
        let got = decide(
            &c,
            &[],
            &WorkCalendar::bundled(),
            &t,
            at("2026-11-27 09:00"),
            &["summary:2026-11-27".to_string()].into(),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].summary,
            "案件 WZ-2026-000001 将于12月1日 24:00 前到期未答复（还剩 2 个工作日）"
        );
    }

    fn popups(now: &str, cases: &[DueCase], limit: u32) -> Vec<Popup> {
        let all = decide(
            cases,
            &[],
            &WorkCalendar::bundled(),
            &Thresholds::default(),
            at(now),
            &HashSet::new(),
        );
        fold(all, limit)
    }

    #[test]
    fn a_flood_is_folded_into_one_notification() {
        // Eight cases whose acknowledgment falls due this afternoon: the summary and
        // eight reminders, nine notices in one pass.
        let c: Vec<DueCase> = (1..=8)
            .map(|n| case(n, Pending, "2026-11-27 13:00", "2026-12-08"))
            .collect();
        let got = popups("2026-11-27 09:30", &c, 5);
        let shown: Vec<(&str, NoticeKind)> = got
            .iter()
            .map(|p| (p.notice.summary.as_str(), p.notice.kind))
            .collect();
        assert_eq!(
            shown,
            [
                (
                    "今日到期 8 件，已超期 0 件，待受理 8 件",
                    NoticeKind::Summary
                ),
                ("另有 8 件案件需要处理，请在工作台查看", NoticeKind::Folded),
            ]
        );
        assert_eq!(
            got[1].notice.body,
            "WZ-2026-000001、WZ-2026-000002、WZ-2026-000003、WZ-2026-000004、WZ-2026-000005 等（共 8 条提醒）"
        );
        assert_eq!(got[1].notice.case_id, None);
        // The folded one stands for every other notice: all are accounted for.
        assert_eq!(got[0].covers, ["summary:2026-11-27"]);
        assert_eq!(got[1].covers.len(), 8);
        assert_eq!(got[1].covers[0], "ack_soon:1:2026-11-27T13:00");
        assert_eq!(got[1].covers[7], "ack_soon:8:2026-11-27T13:00");
    }

    #[test]
    fn up_to_the_limit_each_notice_is_its_own_notification() {
        let c: Vec<DueCase> = (1..=4)
            .map(|n| case(n, Pending, "2026-11-27 13:00", "2026-12-08"))
            .collect();
        // Five notices, limit 5: five popups.
        let got = popups("2026-11-27 09:30", &c, 5);
        assert_eq!(got.len(), 5);
        assert!(got.iter().all(|p| p.covers == [p.notice.key.clone()]));
        assert!(got.iter().all(|p| p.notice.kind != NoticeKind::Folded));
        // Limit 4: the summary and one folded for the four cases.
        let got = popups("2026-11-27 09:30", &c, 4);
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[1].notice.summary,
            "另有 4 件案件需要处理，请在工作台查看"
        );
        assert_eq!(
            got[1].notice.body,
            "WZ-2026-000001、WZ-2026-000002、WZ-2026-000003、WZ-2026-000004（共 4 条提醒）"
        );
    }

    #[test]
    fn a_folded_count_names_cases_not_notices() {
        // On a Saturday (no summary): six cases each with an acknowledgment and a reply
        // due → twelve notices about six cases.
        let c: Vec<DueCase> = (1..=6)
            .map(|n| case(n, Pending, "2026-11-28 13:00", "2026-11-28"))
            .collect();
        let got = popups("2026-11-28 10:00", &c, 5);
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            got[0].notice.summary,
            "另有 6 件案件需要处理，请在工作台查看"
        );
        assert_eq!(got[0].covers.len(), 12);
        assert!(got[0].notice.body.ends_with("等（共 12 条提醒）"));
    }

    #[test]
    fn the_windows_hold_exactly_the_deadlines_that_give_a_notice() {
        // Every day from Christmas 2025 to early 2027 (Spring Festival, National Day,
        // make-up Saturdays), reply dates up to 40 days either side, several thresholds:
        // a case gives a reply notice exactly when its date is in the reply window.
        let calendar = WorkCalendar::bundled();
        let start = day("2025-12-20");
        for offset in 0..400 {
            let today = start + Duration::days(offset);
            let now = at(&format!("{today} 09:00"));
            for reply_working_days in [0, 1, 2, 5] {
                let t = Thresholds {
                    reply_working_days,
                    urge_limit: 0,
                    ..Thresholds::default()
                };
                let (first, last) = reply_window(&calendar, &t, today);
                for d in -40..=40 {
                    let due = today + Duration::days(d);
                    let c = case(1, Assigned, "2025-01-01 10:00", &due.to_string());
                    let notices = case_notices(&[c], &[], &calendar, &t, now);
                    assert_eq!(
                        !notices.is_empty(),
                        (first..=last).contains(&due),
                        "{today} due {due} threshold {reply_working_days}: {notices:?}"
                    );
                }
            }
        }
        // The acknowledgment window: after the first moment, up to the second.
        let now = at("2026-11-27 10:00");
        let t = Thresholds::default();
        let (after, until) = ack_window(&t, now);
        for minutes in -(26 * 60)..(6 * 60) {
            let ack = now + Duration::minutes(minutes);
            let mut c = case(1, Pending, "2026-11-27 10:00", "2027-06-30");
            c.ack_due = ack;
            let notices = case_notices(&[c], &[], &WorkCalendar::bundled(), &t, now);
            assert_eq!(!notices.is_empty(), ack > after && ack <= until, "{ack}");
        }
    }

    #[test]
    fn kinds_read_back_from_their_codes() {
        for kind in [
            NoticeKind::Summary,
            NoticeKind::AckSoon,
            NoticeKind::AckOverdue,
            NoticeKind::ReplySoon,
            NoticeKind::ReplyOverdue,
            NoticeKind::UrgeLimit,
            NoticeKind::Instruction,
            NoticeKind::Folded,
        ] {
            assert_eq!(kind.code().parse::<NoticeKind>(), Ok(kind));
        }
        assert!("nothing".parse::<NoticeKind>().is_err());
    }
}
