//! The figures of a period, computed in memory from a snapshot of the event log and the
//! tables. Definitions: [`INDICATORS`] and `docs/reports.md`.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone};
use serde::{Deserialize, Serialize};

use super::assess::{self, AssessmentRule, UnitScore};
use crate::calendar::WorkCalendar;
use crate::clock::{cst, format_instant, stored_ceiling};
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Satisfaction, UrgeLevel};

/// A report period: from the first day to the last day, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: NaiveDate,
    /// Last day (included).
    pub to: NaiveDate,
}

impl Period {
    /// The calendar month `YYYY-MM`.
    pub fn month(text: &str) -> Result<Period> {
        let t = text.trim();
        let from = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
            .map_err(|_| Error::Invalid(format!("月份“{t}”无效，请写成 2026-11 的格式")))?;
        let next = next_month(from);
        Ok(Period {
            from,
            to: next.pred_opt().unwrap_or(from),
        })
    }

    /// The days `from` to `to`, both included.
    pub fn range(from: NaiveDate, to: NaiveDate) -> Result<Period> {
        if to < from {
            return Err(Error::Invalid(format!(
                "统计期间的结束日期 {to} 早于开始日期 {from}"
            )));
        }
        if (to - from).num_days() > 3660 {
            return Err(Error::Invalid("统计期间不能超过十年".into()));
        }
        Ok(Period { from, to })
    }

    /// The days written `YYYY-MM-DD` from `from` to `to`, both included.
    pub fn days(from: &str, to: &str) -> Result<Period> {
        let day = |t: &str| {
            NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d")
                .map_err(|_| Error::Invalid(format!("日期“{t}”无效，请写成 2026-02-09 的格式")))
        };
        Period::range(day(from)?, day(to)?)
    }

    /// Whether the period is exactly one calendar month.
    pub fn is_month(&self) -> bool {
        self.from.day() == 1 && next_month(self.from).pred_opt() == Some(self.to)
    }

    fn start(&self) -> DateTime<FixedOffset> {
        midnight(self.from)
    }

    /// What the report of this period at `now` reads when the trend months before
    /// `first_missing` are kept: events from that day (or from the period's first day, if
    /// earlier) up to its cutoff.
    pub(crate) fn replay_window(
        &self,
        now: DateTime<FixedOffset>,
        first_missing: NaiveDate,
    ) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
        (midnight(first_missing.min(self.from)), self.end().min(now))
    }

    /// The first moment after the period.
    pub(crate) fn end(&self) -> DateTime<FixedOffset> {
        midnight(self.to.succ_opt().unwrap_or(self.to))
    }
}

fn next_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}

fn midnight(day: NaiveDate) -> DateTime<FixedOffset> {
    cst()
        .from_local_datetime(&day.and_time(NaiveTime::MIN))
        .single()
        .expect("China Standard Time has no gaps")
}

/// What the report module reads from the database. `cases` is sorted by id, and
/// `assignments` and `final_replies` by case (then by id), so a case's rows are found by
/// binary search.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub calendar: WorkCalendar,
    pub units: Vec<(i64, String)>,
    pub cases: Vec<CaseData>,
    pub assignments: Vec<AssignmentData>,
    /// (case, unit, level, at)
    pub urgings: Vec<(i64, i64, UrgeLevel, DateTime<FixedOffset>)>,
    /// (case, at)
    pub instructions: Vec<(i64, DateTime<FixedOffset>)>,
    /// (case, days, at)
    pub extensions: Vec<(i64, i64, DateTime<FixedOffset>)>,
    /// (case, satisfaction, at)
    pub followups: Vec<(i64, Satisfaction, DateTime<FixedOffset>)>,
    /// Final replies.
    pub final_replies: Vec<FinalReply>,
}

/// A final reply: (case, created, published).
pub(crate) type FinalReply = (i64, DateTime<FixedOffset>, Option<DateTime<FixedOffset>>);

impl Snapshot {
    fn case(&self, id: i64) -> Option<&CaseData> {
        self.cases
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .map(|i| &self.cases[i])
    }

    fn assignments_of(&self, case_id: i64) -> &[AssignmentData] {
        of_case(&self.assignments, case_id, |a| a.case_id)
    }

    fn final_replies_of(&self, case_id: i64) -> &[FinalReply] {
        of_case(&self.final_replies, case_id, |r| r.0)
    }
}

/// The rows of `case_id` in `items` sorted by case.
fn of_case<T>(items: &[T], case_id: i64, key: impl Fn(&T) -> i64) -> &[T] {
    let lo = items.partition_point(|t| key(t) < case_id);
    let hi = items.partition_point(|t| key(t) <= case_id);
    &items[lo..hi]
}

/// One case with its status history from the event log.
#[derive(Debug, Clone)]
pub(crate) struct CaseData {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub source: String,
    pub category: String,
    pub important: bool,
    pub sensitive: bool,
    pub complex: bool,
    pub received: DateTime<FixedOffset>,
    pub ack_due: DateTime<FixedOffset>,
    /// Events of the case that carry a status or a kind the report counts, oldest first.
    pub events: Vec<CaseEvent>,
}

/// An event of a case, reduced to what the figures need.
#[derive(Debug, Clone)]
pub(crate) struct CaseEvent {
    pub at: DateTime<FixedOffset>,
    pub kind: EventKind,
    pub status: Option<CaseStatus>,
    pub reply_due: Option<NaiveDate>,
}

/// The kinds of event the figures tell apart (any other kind only sets a state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventKind {
    /// `register`.
    Register,
    /// `acknowledge`.
    Acknowledge,
    /// `reply_final`.
    ReplyFinal,
    /// Any other kind.
    Other,
}

impl EventKind {
    /// The kind of the event stored as `kind`.
    pub(crate) fn of(kind: &str) -> EventKind {
        match kind {
            "register" => EventKind::Register,
            "acknowledge" => EventKind::Acknowledge,
            "reply_final" => EventKind::ReplyFinal,
            _ => EventKind::Other,
        }
    }
}

/// An assignment of a unit to a case.
#[derive(Debug, Clone)]
pub(crate) struct AssignmentData {
    pub case_id: i64,
    pub unit_id: i64,
    pub lead: bool,
    pub assigned: DateTime<FixedOffset>,
    pub returned: Option<DateTime<FixedOffset>>,
}

impl AssignmentData {
    fn active_at(&self, t: DateTime<FixedOffset>) -> bool {
        self.assigned <= t && self.returned.is_none_or(|r| r > t)
    }
}

/// An indicator: its key in the JSON, its Chinese name and its definition (the tooltip).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Indicator {
    /// Key of the figure in the report's JSON.
    pub key: &'static str,
    /// Chinese name.
    pub name: &'static str,
    /// How it is computed, in Chinese.
    pub definition: &'static str,
}

/// The version of the figures' definitions and of the report's layout. Kept reports and
/// trend points carry the version they were computed under and are read back only under
/// the same one (`service/report_cache.rs`, migration 0025): raise it with any change to
/// what a figure counts, to [`Report`] or to [`TrendPoint`], so that an upgraded app
/// computes again what an earlier release kept.
pub(crate) const DEFINITIONS_VERSION: i64 = 1;

/// Every indicator of the report with its definition; `docs/reports.md` says the same.
pub const INDICATORS: &[Indicator] = &[
    Indicator { key: "received", name: "收件数", definition: "统计期内登记的留言（案件）数，按登记时间计；另按来源平台、问题类别、重要、敏感、复杂分列。" },
    Indicator { key: "acknowledged_in_24h", name: "24小时内受理数", definition: "统计期内登记的案件中，在登记后 24 小时内（且在截止时刻前）完成受理的件数。" },
    Indicator { key: "ack_rate", name: "24小时受理率", definition: "24小时内受理数 ÷ 收件数。" },
    Indicator { key: "replied", name: "答复数", definition: "统计期内作出最终答复的案件数（同一案件期内多次最终答复按最后一次计）。" },
    Indicator { key: "replied_on_time", name: "按期答复数", definition: "答复数中，最终答复日期不晚于当时有效的答复期限（含延期）的件数。" },
    Indicator { key: "on_time_rate", name: "按期答复率", definition: "按期答复数 ÷ 答复数。" },
    Indicator { key: "avg_reply_working_days", name: "平均答复用时（工作日）", definition: "答复数中各案件从收到次日起至最终答复当日的工作日数的平均值，保留两位小数。" },
    Indicator { key: "due", name: "应办结数", definition: "截止时刻有效的答复期限落在统计期内的案件数。" },
    Indicator { key: "closed", name: "办结数", definition: "应办结数中，截止时刻状态为已办结或已归档的件数。" },
    Indicator { key: "close_rate", name: "办结率", definition: "办结数 ÷ 应办结数。" },
    Indicator { key: "answered", name: "已答复数", definition: "应办结数中，截止时刻已作出最终答复（已答复、已办结或已归档）的件数。" },
    Indicator { key: "reply_rate", name: "答复率", definition: "已答复数 ÷ 应办结数。" },
    Indicator { key: "published", name: "公开答复数", definition: "已答复数中，最后一次最终答复已在平台“部门回应”栏目发布（登记了发布时间）的件数。" },
    Indicator { key: "overdue_now", name: "截止时超期案件", definition: "截止时刻仍未答复且已过答复期限当日 24 时的案件，以及登记满 24 小时仍未受理的案件（附清单）。" },
    Indicator { key: "overdue_in_period", name: "期内发生超期的案件", definition: "统计期内任一时刻处于超期状态（定义同上）的案件（附清单），含期内超期后才答复的案件。" },
    Indicator { key: "urgings", name: "催办次数", definition: "统计期内的催办次数，按普通、黄牌、红牌分列。" },
    Indicator { key: "instructions", name: "领导批示数", definition: "统计期内记录的领导批示条数。" },
    Indicator { key: "instructions_done", name: "批示已落实数", definition: "统计期内的批示中，批示之后（截止时刻前）案件已作出最终答复的条数。" },
    Indicator { key: "extensions", name: "延期次数", definition: "统计期内批准的延期次数，另列延期工作日合计。" },
    Indicator { key: "reopened", name: "重办数", definition: "统计期内由已答复或已办结重新转入办理（重新办理、回访不满意）的次数。" },
    Indicator { key: "satisfaction_rate", name: "满意率", definition: "统计期内回访中（满意 + 基本满意）÷ 回访总数。" },
    Indicator { key: "units", name: "承办单位情况", definition: "每个单位：交办数（期内交办给该单位的案件数）、答复数与按期答复率（答复时该单位在办）、应办结数与办结率（截止时刻该单位在办）、超期数、收到催办次数（分级）、平均答复用时、满意率（回访时该单位在办）。" },
    Indicator { key: "trend", name: "近12个月趋势", definition: "以报告月份为最后一个月的 12 个自然月，每月的收件数、答复数、按期答复率、办结率和满意率。" },
];

/// A count under a name (a source, a category).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NamedCount {
    /// The source or category.
    pub name: String,
    /// How many.
    pub count: i64,
}

/// The messages received in the period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Received {
    /// All cases registered in the period.
    pub total: i64,
    /// By platform or site.
    pub by_source: Vec<NamedCount>,
    /// By category.
    pub by_category: Vec<NamedCount>,
    /// Flagged important.
    pub important: i64,
    /// Flagged sensitive.
    pub sensitive: i64,
    /// Complex cases.
    pub complex: i64,
}

/// Urgings by level.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Urgings {
    /// 普通.
    pub normal: i64,
    /// 黄牌.
    pub yellow: i64,
    /// 红牌.
    pub red: i64,
    /// All.
    pub total: i64,
}

/// The follow-ups of the period.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct SatisfactionFigures {
    /// 满意.
    pub satisfied: i64,
    /// 基本满意.
    pub basic: i64,
    /// 不满意.
    pub unsatisfied: i64,
    /// All follow-ups.
    pub total: i64,
    /// (满意 + 基本满意) / total; null without follow-ups.
    pub rate: Option<f64>,
}

/// A case in an overdue list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OverdueCase {
    /// Case number.
    pub number: String,
    /// Title.
    pub title: String,
    /// `ack` (not acknowledged within 24 h) or `reply` (reply deadline passed).
    pub kind: String,
    /// 受理超期 or 答复超期.
    pub kind_name: String,
    /// The reply deadline in force (at the cutoff, or when it was passed).
    pub reply_due: String,
    /// The units handling it (at the cutoff).
    pub units: Vec<String>,
    /// Status at the cutoff, in Chinese.
    pub status_name: String,
}

/// The figures of one unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UnitFigures {
    /// Unit id.
    pub unit_id: i64,
    /// Unit name.
    pub unit: String,
    /// Cases assigned to it in the period.
    pub assigned: i64,
    /// Cases replied in the period that it was handling.
    pub replied: i64,
    /// Of those, replied on time.
    pub replied_on_time: i64,
    /// replied_on_time / replied.
    pub on_time_rate: Option<f64>,
    /// Cases due in the period that it handles at the cutoff.
    pub due: i64,
    /// Of those, closed.
    pub closed: i64,
    /// closed / due.
    pub close_rate: Option<f64>,
    /// Of those due, replied.
    pub answered: i64,
    /// answered / due.
    pub reply_rate: Option<f64>,
    /// Overdue cases it handles at the cutoff.
    pub overdue: i64,
    /// Urgings it received in the period.
    pub urgings: Urgings,
    /// Average working days to reply of its replied cases.
    pub avg_reply_working_days: Option<f64>,
    /// Follow-ups of its cases in the period.
    pub satisfaction: SatisfactionFigures,
}

/// One month of the trend.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrendPoint {
    /// `YYYY-MM`.
    pub month: String,
    /// Received.
    pub received: i64,
    /// Replied.
    pub replied: i64,
    /// On-time rate.
    pub on_time_rate: Option<f64>,
    /// 办结率.
    pub close_rate: Option<f64>,
    /// 满意率.
    pub satisfaction_rate: Option<f64>,
}

/// The report of a period: the JSON of `wenzheng report monthly --json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    /// `YYYY-MM` for a calendar month, else null.
    pub month: Option<String>,
    /// First day.
    pub from: String,
    /// Last day (included).
    pub to: String,
    /// The cutoff: the end of the period, or `now` if earlier. Only what was recorded
    /// before it counts.
    pub as_of: String,
    /// True when the period is not over yet (figures may still change).
    pub provisional: bool,
    /// Received.
    pub received: Received,
    /// Acknowledged within 24 hours.
    pub acknowledged_in_24h: i64,
    /// acknowledged_in_24h / received.
    pub ack_rate: Option<f64>,
    /// Cases finally replied in the period.
    pub replied: i64,
    /// Of those, on time.
    pub replied_on_time: i64,
    /// replied_on_time / replied.
    pub on_time_rate: Option<f64>,
    /// Average working days to reply.
    pub avg_reply_working_days: Option<f64>,
    /// 应办结数.
    pub due: i64,
    /// 办结数.
    pub closed: i64,
    /// 办结率.
    pub close_rate: Option<f64>,
    /// Of those due, replied.
    pub answered: i64,
    /// 答复率.
    pub reply_rate: Option<f64>,
    /// Of those answered, published on the platform.
    pub published: i64,
    /// Overdue at the cutoff.
    pub overdue_now: Vec<OverdueCase>,
    /// Overdue at some moment of the period.
    pub overdue_in_period: Vec<OverdueCase>,
    /// Urgings by level.
    pub urgings: Urgings,
    /// Leader instructions recorded.
    pub instructions: i64,
    /// Of those, carried out (a final reply followed).
    pub instructions_done: i64,
    /// Extensions approved.
    pub extensions: i64,
    /// Working days they added.
    pub extension_days: i64,
    /// Reopenings.
    pub reopened: i64,
    /// Follow-up satisfaction.
    pub satisfaction: SatisfactionFigures,
    /// Per unit, by name.
    pub units: Vec<UnitFigures>,
    /// Score and ranking of the units.
    pub assessment: Vec<UnitScore>,
    /// The rule that scored them.
    pub rule: AssessmentRule,
    /// The last 12 months ending with the period's last month.
    pub trend: Vec<TrendPoint>,
    /// Each indicator's definition (not read back from a stored report: always [`INDICATORS`]).
    #[serde(skip_deserializing, default = "indicators")]
    pub definitions: Vec<Indicator>,
}

fn indicators() -> Vec<Indicator> {
    INDICATORS.to_vec()
}

/// A ratio rounded to four decimals; `None` when nothing was counted.
pub(crate) fn ratio(num: i64, den: i64) -> Option<f64> {
    (den > 0).then(|| round(num as f64 / den as f64, 4))
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

fn mean(values: &[u32]) -> Option<f64> {
    (!values.is_empty()).then(|| {
        round(
            values.iter().map(|&v| f64::from(v)).sum::<f64>() / values.len() as f64,
            2,
        )
    })
}

/// A case's status history cut at the cutoff.
struct History<'a> {
    case: &'a CaseData,
    /// (from, status, reply_due) for each state, oldest first.
    states: Vec<(DateTime<FixedOffset>, CaseStatus, NaiveDate)>,
}

impl<'a> History<'a> {
    fn new(case: &'a CaseData, cutoff: DateTime<FixedOffset>) -> Self {
        let mut states = Vec::new();
        let mut status = CaseStatus::Pending;
        let mut due = case.received.date_naive();
        for e in case.events.iter().filter(|e| e.at < cutoff) {
            if e.status.is_none() && e.reply_due.is_none() {
                continue;
            }
            status = e.status.unwrap_or(status);
            due = e.reply_due.unwrap_or(due);
            states.push((e.at, status, due));
        }
        History { case, states }
    }

    fn registered(&self) -> Option<DateTime<FixedOffset>> {
        self.case
            .events
            .iter()
            .find(|e| e.kind == EventKind::Register)
            .map(|e| e.at)
    }

    fn at_end(&self) -> Option<(CaseStatus, NaiveDate)> {
        self.states.last().map(|&(_, s, d)| (s, d))
    }

    /// Overdue at `t` (the last state at or before `t`).
    fn overdue_at(&self, t: DateTime<FixedOffset>) -> Option<&'static str> {
        let &(_, status, due) = self.states.iter().rev().find(|(from, _, _)| *from <= t)?;
        overdue_kind(status, due, self.case.ack_due, t)
    }

    /// Overdue at some moment of [start, end).
    fn overdue_during(
        &self,
        start: DateTime<FixedOffset>,
        end: DateTime<FixedOffset>,
    ) -> Option<(&'static str, NaiveDate)> {
        for (i, &(from, status, due)) in self.states.iter().enumerate() {
            let until = self.states.get(i + 1).map_or(end, |s| s.0).min(end);
            let from = from.max(start);
            if from >= until || !status.is_open() {
                continue;
            }
            // The latest moment of the interval is the worst one.
            let last = last_stored_before(until);
            if let Some(kind) = overdue_kind(status, due, self.case.ack_due, last) {
                return Some((kind, due));
            }
        }
        None
    }
}

/// The last instant a stored moment (whole seconds) can have before `cutoff`: at a month's
/// end the period's last second; for a period in progress (`now`, with a fraction of a
/// second) the current second — a case registered in it, before the report was asked for,
/// is in the report and must also be in what it counts at the end (overdue, the units
/// assigned), as it is in what it counts in the period.
fn last_stored_before(cutoff: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    stored_ceiling(cutoff) - Duration::seconds(1)
}

fn overdue_kind(
    status: CaseStatus,
    due: NaiveDate,
    ack_due: DateTime<FixedOffset>,
    t: DateTime<FixedOffset>,
) -> Option<&'static str> {
    if !status.is_open() {
        None
    } else if t.date_naive() > due {
        Some("reply")
    } else if status == CaseStatus::Pending && t > ack_due {
        Some("ack")
    } else {
        None
    }
}

fn kind_name(kind: &str) -> &'static str {
    if kind == "ack" {
        "受理超期"
    } else {
        "答复超期"
    }
}

/// A final reply counted in the period.
struct Replied {
    case_id: i64,
    at: DateTime<FixedOffset>,
    on_time: bool,
    days: u32,
}

/// What one unit is counted for in a period (see [`compute`]): a unit with nothing is left
/// out of the per-unit table.
#[derive(Default)]
struct UnitTally<'a> {
    /// Cases assigned to it in the period (with repeats until sorted).
    assigned: Vec<i64>,
    /// Final replies given while it was assigned.
    replied: Vec<&'a Replied>,
    /// Due cases assigned to it at the end: (case, closed, answered).
    due: Vec<(i64, bool, bool)>,
    /// Overdue cases assigned to it at the end.
    overdue: i64,
    urgings: Urgings,
    satisfaction: Vec<Satisfaction>,
}

/// The global figures of a period and the raw lists the per-unit figures need.
struct Core {
    report: Report,
    replied: Vec<Replied>,
    /// Due cases: (case, closed, answered).
    due: Vec<(i64, bool, bool)>,
    overdue_ids: Vec<i64>,
}

fn core(snap: &Snapshot, period: Period, now: DateTime<FixedOffset>, with_lists: bool) -> Core {
    let start = period.start();
    let cutoff = period.end().min(now);
    let in_period = |t: DateTime<FixedOffset>| t >= start && t < cutoff;
    let cal = &snap.calendar;
    let mut received = Received::default();
    let mut by_source: BTreeMap<&str, i64> = BTreeMap::new();
    let mut by_category: BTreeMap<&str, i64> = BTreeMap::new();
    let mut ack24 = 0;
    let mut replied = Vec::new();
    let mut due = Vec::new();
    let mut overdue_now = Vec::new();
    let mut overdue_in_period = Vec::new();
    let mut overdue_ids = Vec::new();
    let mut reopened = 0;
    let mut answered_ids = Vec::new();

    for case in &snap.cases {
        let h = History::new(case, cutoff);
        let Some(registered) = h.registered().filter(|r| *r < cutoff) else {
            continue;
        };
        if in_period(registered) {
            received.total += 1;
            *by_source.entry(&case.source).or_default() += 1;
            *by_category.entry(&case.category).or_default() += 1;
            received.important += i64::from(case.important);
            received.sensitive += i64::from(case.sensitive);
            received.complex += i64::from(case.complex);
            let acked = case
                .events
                .iter()
                .find(|e| e.kind == EventKind::Acknowledge)
                .is_some_and(|e| e.at <= case.ack_due && e.at < cutoff);
            ack24 += i64::from(acked);
        }
        let last_reply = case
            .events
            .iter()
            .rfind(|e| e.kind == EventKind::ReplyFinal && in_period(e.at));
        if let Some(e) = last_reply {
            let due_then = e.reply_due.unwrap_or(case.received.date_naive());
            replied.push(Replied {
                case_id: case.id,
                at: e.at,
                on_time: e.at.date_naive() <= due_then,
                days: cal.working_days_between(case.received.date_naive(), e.at.date_naive()),
            });
        }
        let mut prev: Option<CaseStatus> = None;
        for &(from, status, _) in &h.states {
            if let Some(p) = prev {
                if !p.is_open() && status.is_open() && in_period(from) {
                    reopened += 1;
                }
            }
            prev = Some(status);
        }
        let Some((status_end, due_end)) = h.at_end() else {
            continue;
        };
        if due_end >= period.from && due_end <= period.to {
            let closed = matches!(status_end, CaseStatus::Closed | CaseStatus::Archived);
            let answered = !status_end.is_open();
            if answered {
                answered_ids.push(case.id);
            }
            due.push((case.id, closed, answered));
        }
        let units_at_end = || -> Vec<String> {
            let mut list: Vec<&AssignmentData> = snap
                .assignments_of(case.id)
                .iter()
                .filter(|a| a.active_at(last_stored_before(cutoff)))
                .collect();
            list.sort_by_key(|a| !a.lead);
            list.iter()
                .filter_map(|a| snap.units.iter().find(|u| u.0 == a.unit_id))
                .map(|u| u.1.clone())
                .collect()
        };
        let item = |kind: &str, due: NaiveDate| OverdueCase {
            number: case.number.clone(),
            title: case.title.clone(),
            kind: kind.to_string(),
            kind_name: kind_name(kind).to_string(),
            reply_due: due.to_string(),
            units: if with_lists {
                units_at_end()
            } else {
                Vec::new()
            },
            status_name: status_end.label().to_string(),
        };
        if let Some(kind) = h
            .overdue_at(last_stored_before(cutoff))
            .filter(|_| cutoff > start)
        {
            overdue_ids.push(case.id);
            overdue_now.push(item(kind, due_end));
        }
        if let Some((kind, due)) = h.overdue_during(start, cutoff) {
            overdue_in_period.push(item(kind, due));
        }
    }
    received.by_source = counts(by_source);
    received.by_category = counts(by_category);

    let published = answered_ids
        .iter()
        .filter(|id| {
            snap.final_replies_of(**id)
                .iter()
                .rfind(|(_, at, _)| *at < cutoff)
                .is_some_and(|(_, _, p)| p.is_some_and(|p| p < cutoff))
        })
        .count() as i64;
    let mut urgings = Urgings::default();
    for (_, _, level, _) in snap.urgings.iter().filter(|u| in_period(u.3)) {
        add_urging(&mut urgings, *level);
    }
    let instr: Vec<&(i64, DateTime<FixedOffset>)> = snap
        .instructions
        .iter()
        .filter(|i| in_period(i.1))
        .collect();
    let instructions_done = instr
        .iter()
        .filter(|(case_id, at)| {
            snap.case(*case_id).is_some_and(|c| {
                c.events
                    .iter()
                    .any(|e| e.kind == EventKind::ReplyFinal && e.at > *at && e.at < cutoff)
            })
        })
        .count() as i64;
    let ext: Vec<_> = snap.extensions.iter().filter(|e| in_period(e.2)).collect();
    let satisfaction = satisfaction(
        snap.followups
            .iter()
            .filter(|f| in_period(f.2))
            .map(|f| f.1),
    );
    let on_time = replied.iter().filter(|r| r.on_time).count() as i64;
    let days: Vec<u32> = replied.iter().map(|r| r.days).collect();
    let closed = due.iter().filter(|d| d.1).count() as i64;
    let answered = due.iter().filter(|d| d.2).count() as i64;
    let report = Report {
        month: period
            .is_month()
            .then(|| period.from.format("%Y-%m").to_string()),
        from: period.from.to_string(),
        to: period.to.to_string(),
        as_of: format_instant(&cutoff),
        provisional: now < period.end(),
        acknowledged_in_24h: ack24,
        ack_rate: ratio(ack24, received.total),
        received,
        replied: replied.len() as i64,
        replied_on_time: on_time,
        on_time_rate: ratio(on_time, replied.len() as i64),
        avg_reply_working_days: mean(&days),
        due: due.len() as i64,
        closed,
        close_rate: ratio(closed, due.len() as i64),
        answered,
        reply_rate: ratio(answered, due.len() as i64),
        published,
        overdue_now,
        overdue_in_period,
        urgings,
        instructions: instr.len() as i64,
        instructions_done,
        extensions: ext.len() as i64,
        extension_days: ext.iter().map(|e| e.1).sum(),
        reopened,
        satisfaction,
        units: Vec::new(),
        assessment: Vec::new(),
        rule: AssessmentRule::default(),
        trend: Vec::new(),
        definitions: Vec::new(),
    };
    Core {
        report,
        replied,
        due,
        overdue_ids,
    }
}

fn counts(map: BTreeMap<&str, i64>) -> Vec<NamedCount> {
    let mut v: Vec<NamedCount> = map
        .into_iter()
        .map(|(name, count)| NamedCount {
            name: name.to_string(),
            count,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    v
}

fn add_urging(u: &mut Urgings, level: UrgeLevel) {
    match level {
        UrgeLevel::Normal => u.normal += 1,
        UrgeLevel::Yellow => u.yellow += 1,
        UrgeLevel::Red => u.red += 1,
    }
    u.total += 1;
}

fn satisfaction(items: impl Iterator<Item = Satisfaction>) -> SatisfactionFigures {
    let mut s = SatisfactionFigures::default();
    for item in items {
        match item {
            Satisfaction::Satisfied => s.satisfied += 1,
            Satisfaction::Basic => s.basic += 1,
            Satisfaction::Unsatisfied => s.unsatisfied += 1,
        }
        s.total += 1;
    }
    s.rate = ratio(s.satisfied + s.basic, s.total);
    s
}

/// The months of the trend of `period`: the 12 calendar months ending with the month of
/// its last day, oldest first.
pub(crate) fn trend_months(period: Period) -> Vec<Period> {
    let mut month =
        NaiveDate::from_ymd_opt(period.to.year(), period.to.month(), 1).unwrap_or(period.from);
    let mut months = Vec::with_capacity(12);
    for _ in 0..12 {
        months.push(Period {
            from: month,
            to: next_month(month).pred_opt().unwrap_or(month),
        });
        month = (month - Duration::days(1)).with_day(1).unwrap_or(month);
    }
    months.reverse();
    months
}

/// Whether the trend point of `month` in the report of `period` at `now` may be kept and
/// reused: the month is over at `now` and the report's replay reaches its end (a range
/// of days ending inside the month cuts its last trend month short).
pub(crate) fn month_is_keepable(month: Period, period: Period, now: DateTime<FixedOffset>) -> bool {
    month.end() <= now && month.end() <= period.end()
}

fn point(month: Period, r: &Report) -> TrendPoint {
    TrendPoint {
        month: month.from.format("%Y-%m").to_string(),
        received: r.received.total,
        replied: r.replied,
        on_time_rate: r.on_time_rate,
        close_rate: r.close_rate,
        satisfaction_rate: r.satisfaction.rate,
    }
}

/// The whole report of `period` at `now`, scored with `rule`. The trend points found in
/// `kept` (by `YYYY-MM`) are taken as they are; the others are computed from `snap`.
pub(crate) fn compute(
    snap: &Snapshot,
    period: Period,
    now: DateTime<FixedOffset>,
    rule: &AssessmentRule,
    kept: &BTreeMap<String, TrendPoint>,
) -> Report {
    let start = period.start();
    let cutoff = period.end().min(now);
    let in_period = |t: DateTime<FixedOffset>| t >= start && t < cutoff;
    let Core {
        mut report,
        replied,
        due,
        overdue_ids,
    } = core(snap, period, now, true);
    let last = last_stored_before(cutoff);
    // Each counted item goes to the units assigned to its case at its moment: the case's
    // few assignments are looked at once per item, not once per unit.
    let mut acc: BTreeMap<i64, UnitTally> = BTreeMap::new();
    let units_at = |case_id: i64, t: DateTime<FixedOffset>| -> Vec<i64> {
        let mut ids: Vec<i64> = snap
            .assignments_of(case_id)
            .iter()
            .filter(|a| a.active_at(t))
            .map(|a| a.unit_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    for a in snap.assignments.iter().filter(|a| in_period(a.assigned)) {
        acc.entry(a.unit_id).or_default().assigned.push(a.case_id);
    }
    for r in &replied {
        for unit in units_at(r.case_id, r.at) {
            acc.entry(unit).or_default().replied.push(r);
        }
    }
    for d in &due {
        for unit in units_at(d.0, last) {
            acc.entry(unit).or_default().due.push(*d);
        }
    }
    for id in &overdue_ids {
        for unit in units_at(*id, last) {
            acc.entry(unit).or_default().overdue += 1;
        }
    }
    for u in snap.urgings.iter().filter(|u| in_period(u.3)) {
        add_urging(&mut acc.entry(u.1).or_default().urgings, u.2);
    }
    for f in snap.followups.iter().filter(|f| in_period(f.2)) {
        for unit in units_at(f.0, f.2) {
            acc.entry(unit).or_default().satisfaction.push(f.1);
        }
    }
    for (unit_id, name) in &snap.units {
        let Some(mut t) = acc.remove(unit_id) else {
            continue;
        };
        t.assigned.sort_unstable();
        t.assigned.dedup();
        let on_time = t.replied.iter().filter(|r| r.on_time).count() as i64;
        let days: Vec<u32> = t.replied.iter().map(|r| r.days).collect();
        let closed = t.due.iter().filter(|d| d.1).count() as i64;
        let answered = t.due.iter().filter(|d| d.2).count() as i64;
        let sat = satisfaction(t.satisfaction.iter().copied());
        let (replied, due) = (t.replied.len() as i64, t.due.len() as i64);
        report.units.push(UnitFigures {
            unit_id: *unit_id,
            unit: name.clone(),
            assigned: t.assigned.len() as i64,
            replied,
            replied_on_time: on_time,
            on_time_rate: ratio(on_time, replied),
            due,
            closed,
            close_rate: ratio(closed, due),
            answered,
            reply_rate: ratio(answered, due),
            overdue: t.overdue,
            urgings: t.urgings,
            avg_reply_working_days: mean(&days),
            satisfaction: sat,
        });
    }
    report.units.sort_by(|a, b| a.unit.cmp(&b.unit));
    report.assessment = assess::score(rule, &report.units);
    report.rule = rule.clone();
    let mut trend = Vec::with_capacity(12);
    for month in trend_months(period) {
        let key = month.from.format("%Y-%m").to_string();
        if let Some(p) = kept.get(&key) {
            trend.push(p.clone());
        } else if month == period {
            // The month of the report itself: the figures just computed.
            trend.push(point(month, &report));
        } else {
            trend.push(point(month, &core(snap, month, now, false).report));
        }
    }
    report.trend = trend;
    report.definitions = indicators();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_ranges() {
        let p = Period::month("2026-02").unwrap();
        assert_eq!(p.to, NaiveDate::from_ymd_opt(2026, 2, 28).unwrap());
        assert!(p.is_month());
        let p = Period::month("2026-12").unwrap();
        assert_eq!(p.to.to_string(), "2026-12-31");
        assert!(Period::month("2026-13")
            .unwrap_err()
            .to_string()
            .contains("月份"));
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(!Period::range(d("2026-02-01"), d("2026-02-10"))
            .unwrap()
            .is_month());
        assert!(Period::range(d("2026-02-10"), d("2026-02-01")).is_err());
    }

    #[test]
    fn ratios_round_and_refuse_empty_denominators() {
        assert_eq!(ratio(1, 3), Some(0.3333));
        assert_eq!(ratio(0, 0), None);
        assert_eq!(mean(&[3, 4]), Some(3.5));
        assert_eq!(mean(&[]), None);
    }
}
