//! Synthetic demo data (演示数据) for benchmarks and demonstrations: a deterministic
//! generator of cases with realistic Chinese texts, the usual mix of categories, units,
//! states, urgings, replies and events over several years before `now`.
//!
//! It writes rows directly, in large batched transactions with multi-row prepared
//! statements, but keeps every invariant the services keep: the event log is one valid
//! hash chain (`wenzheng verify` passes), each case's stored deadlines are those its
//! history gives, and the full-text index holds each case's title, content and replies.

mod text;

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::AnyConnection;

use super::bulk_rows::{Table, Val};
use super::fts_bulk;
use super::record::load_calendar;
use super::search::FTS_END;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::WorkCalendar;
use crate::clock::format_instant;
use crate::db::Backend;
use crate::deadline::{self, Deadlines};
use crate::dialect;
use crate::error::{Error, Result};
use crate::integrity::{EventFields, GENESIS_HASH};
use crate::model::{CaseStatus, Category, Complexity, FEEDBACK_RECIPIENTS, STANDARD_ACK_TEXT};
use text::{Issue, ISSUES};

/// The most cases one call generates.
pub const MAX_DEMO_CASES: u64 = 5_000_000;

/// Cases written per transaction.
const BATCH_CASES: u64 = 20_000;

/// Years of history before `now` the cases are spread over.
const YEARS: i64 = 3;

/// What [`Service::seed_demo`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct DemoSummary {
    /// Cases generated.
    pub cases: u64,
    /// Events appended to the log.
    pub events: u64,
    /// Handling units added.
    pub units: u64,
    /// The seed used.
    pub seed: u64,
    /// When the earliest generated message was received.
    pub first_received: String,
    /// When the latest generated message was received.
    pub last_received: String,
    /// Generated cases per status code.
    pub by_status: BTreeMap<String, u64>,
}

/// A small deterministic generator (SplitMix64): the same seed gives the same data on
/// every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..hi` (`lo` when the range is empty).
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = u64::try_from(hi - lo).unwrap_or(u64::MAX);
        lo + i64::try_from(self.next() % span).unwrap_or(0)
    }

    /// True with probability `permille` / 1000.
    fn permille(&mut self, permille: u64) -> bool {
        self.next() % 1000 < permille
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let i = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        items[i]
    }

    fn weighted<'a>(&mut self, items: &'a [(&'a str, u32)]) -> &'a str {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut r = self.next() % total;
        for (item, w) in items {
            if r < u64::from(*w) {
                return item;
            }
            r -= u64::from(*w);
        }
        items[0].0
    }

    fn minutes(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::seconds(self.range(lo * 60, hi * 60))
    }
}

/// All rows of one batch, table by table, in an order the foreign keys accept.
struct Batch {
    cases: Table,
    assignments: Table,
    instructions: Table,
    urgings: Table,
    progress: Table,
    replies: Table,
    feedbacks: Table,
    extensions: Table,
    followups: Table,
    events: Table,
    fts: Table,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            cases: Table::new(
                "INSERT INTO cases (id, number, source, link, poster, phone, title, content,
                    category, important, sensitive, complexity, status, received_at,
                    registered_at, registered_by, ack_due, reply_due, working_days,
                    extension_days, calendar_complete, acknowledged_at, replied_at, closed_at,
                    result, archived_at, version)",
            ),
            assignments: Table::new(
                "INSERT INTO assignments (case_id, unit_id, role, requirements, assigned_at,
                    assigned_by)",
            ),
            instructions: Table::new(
                "INSERT INTO instructions (case_id, leader, text, created_at, created_by)",
            ),
            urgings: Table::new(
                "INSERT INTO urgings (case_id, unit_id, level, text, created_at, created_by)",
            ),
            progress: Table::new(
                "INSERT INTO progress_reports (case_id, unit_id, text, created_at, created_by)",
            ),
            replies: Table::new(
                "INSERT INTO replies (id, case_id, kind, text, published_at, created_at,
                    created_by)",
            ),
            feedbacks: Table::new(
                "INSERT INTO feedbacks (case_id, seq, recipients, reply_id, created_at,
                    created_by)",
            ),
            extensions: Table::new(
                "INSERT INTO extensions (case_id, days, reason, approved_by, created_at)",
            ),
            followups: Table::new(
                "INSERT INTO followups (case_id, satisfaction, note, created_at, created_by)",
            ),
            events: Table::new(
                "INSERT INTO events (id, case_id, actor_id, at, kind, summary, before, after,
                    prev_hash, hash)",
            ),
            fts: Table::new("INSERT INTO case_fts (rowid, title, content, replies)"),
        }
    }

    async fn flush(&mut self, conn: &mut AnyConnection, backend: Backend) -> Result<()> {
        for t in [
            &mut self.cases,
            &mut self.assignments,
            &mut self.instructions,
            &mut self.urgings,
            &mut self.progress,
            &mut self.replies,
            &mut self.feedbacks,
            &mut self.extensions,
            &mut self.followups,
            &mut self.events,
            &mut self.fts,
        ] {
            t.flush(conn, backend).await?;
        }
        Ok(())
    }
}

/// The end of the event log, extended in memory.
struct Chain {
    next_id: i64,
    prev_hash: String,
    actor_id: i64,
    written: u64,
}

impl Chain {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        events: &mut Table,
        case_id: Option<i64>,
        at: &DateTime<FixedOffset>,
        kind: &str,
        summary: String,
        before: Option<Value>,
        after: Option<Value>,
    ) {
        let fields = EventFields {
            id: self.next_id,
            case_id,
            actor_id: self.actor_id,
            at: format_instant(at),
            kind: kind.to_string(),
            summary,
            before: before.map(|v| v.to_string()),
            after: after.map(|v| v.to_string()),
        };
        let hash = fields.hash(&self.prev_hash);
        let prev = std::mem::replace(&mut self.prev_hash, hash.clone());
        events.push(vec![
            fields.id.into(),
            fields.case_id.map_or(Val::NullInt, Val::Int),
            fields.actor_id.into(),
            fields.at.into(),
            fields.kind.into(),
            fields.summary.into(),
            fields.before.into(),
            fields.after.into(),
            prev.into(),
            hash.into(),
        ]);
        self.next_id += 1;
        self.written += 1;
    }
}

/// One case being lived through, step by step, until `now`.
struct Life<'a> {
    id: i64,
    status: CaseStatus,
    deadlines: Deadlines,
    received: DateTime<FixedOffset>,
    registered: DateTime<FixedOffset>,
    complex: bool,
    units: usize,
    extension_days: i64,
    calendar: &'a WorkCalendar,
}

impl Life<'_> {
    fn state(&self) -> Value {
        json!({
            "status": self.status.code(),
            "reply_due": self.deadlines.reply_due.to_string(),
            "working_days": self.deadlines.working_days,
        })
    }

    /// Applies a step: new status and deadlines, and its event with before/after.
    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        chain: &mut Chain,
        events: &mut Table,
        at: &DateTime<FixedOffset>,
        kind: &str,
        summary: String,
        status: CaseStatus,
        detail: Value,
    ) {
        let before = self.state();
        self.status = status;
        let period = deadline::reply_period(self.complex, self.units)
            + u32::try_from(self.extension_days).unwrap_or(0);
        self.deadlines = deadline::compute(self.calendar, self.received, self.registered, period);
        let mut after = self.state();
        if let (Value::Object(a), Value::Object(d)) = (&mut after, detail) {
            a.extend(d);
        }
        chain.push(
            events,
            Some(self.id),
            at,
            kind,
            summary,
            Some(before),
            Some(after),
        );
    }
}

/// Generates one case received at `received` and lives it through until `now`.
struct Generator<'a> {
    rng: Rng,
    chain: Chain,
    calendar: &'a WorkCalendar,
    now: DateTime<FixedOffset>,
    actor: i64,
    unit_ids: Vec<i64>,
    next_reply_id: i64,
    counters: BTreeMap<i32, i64>,
    by_status: BTreeMap<String, u64>,
}

fn category_weight(c: Category) -> u64 {
    match c {
        Category::Personal | Category::Livelihood => 10,
        Category::Social => 6,
        Category::Economy => 4,
        Category::Opinion => 3,
        Category::Major | Category::Sudden => 1,
    }
}

impl Generator<'_> {
    fn issue(&mut self) -> &'static Issue {
        let total: u64 = ISSUES.iter().map(|i| category_weight(i.category)).sum();
        let mut r = self.rng.next() % total;
        for issue in ISSUES {
            let w = category_weight(issue.category);
            if r < w {
                return issue;
            }
            r -= w;
        }
        &ISSUES[0]
    }

    fn content(&mut self, place: &str, issue: &Issue) -> String {
        let mut s = String::new();
        s.push_str(self.rng.pick(text::OPENINGS));
        s.push_str(&format!("我是{place}的村民，{}。", issue.detail));
        s.push_str(self.rng.pick(text::DURATIONS));
        s.push_str(self.rng.pick(text::REQUESTS));
        for _ in 0..self.rng.range(0, 4) {
            s.push_str(self.rng.pick(text::EXTRAS));
        }
        s
    }

    fn case(&mut self, batch: &mut Batch, id: i64, received: DateTime<FixedOffset>) {
        let now = self.now;
        let rng = &mut self.rng;
        let registered = (received + rng.minutes(5, 8 * 60)).min(now);
        let year = registered.year();
        let seq = {
            let c = self.counters.entry(year).or_insert(0);
            *c += 1;
            *c
        };
        let number = format!("WZ-{year}-{seq:06}");
        let issue = self.issue();
        let place = self.rng.pick(text::PLACES);
        let title = if self.rng.permille(300) {
            format!("关于{place}{}的反映", issue.title)
        } else {
            format!("{place}{}", issue.title)
        };
        let content = self.content(place, issue);
        let rng = &mut self.rng;
        let source = rng.weighted(text::SOURCES);
        let link = (source != "12345热线转办")
            .then(|| format!("https://wz.example.gov.cn/thread/{}", 100_000 + id));
        let poster = Some(format!("{}{}", rng.pick(text::POSTERS), rng.range(1, 9999)));
        let phone = rng
            .permille(350)
            .then(|| format!("13{}{:08}", rng.range(0, 10), rng.range(0, 100_000_000)));
        let important = rng.permille(50) || issue.category == Category::Major;
        let sensitive =
            rng.permille(30) || (issue.category == Category::Opinion && rng.permille(200));
        let complex = rng.permille(150) || matches!(issue.category, Category::Major);
        let complexity = if complex {
            Complexity::Complex
        } else {
            Complexity::Ordinary
        };
        let mut life = Life {
            id,
            status: CaseStatus::Pending,
            deadlines: deadline::compute(
                self.calendar,
                received,
                registered,
                deadline::reply_period(complex, 0),
            ),
            received,
            registered,
            complex,
            units: 0,
            extension_days: 0,
            calendar: self.calendar,
        };
        self.chain.push(
            &mut batch.events,
            Some(id),
            &registered,
            "register",
            format!("登记案件 {number}"),
            None,
            Some(json!({
                "number": number, "title": title, "category": issue.category.label(),
                "source": source, "status": CaseStatus::Pending.code(),
                "received_at": format_instant(&received),
                "reply_due": life.deadlines.reply_due.to_string(),
                "important": important, "sensitive": sensitive,
                "complexity": complexity.code(),
            })),
        );
        let mut acknowledged_at = None;
        let mut replied_at = None;
        let mut closed_at = None;
        let mut result = None;
        let mut archived_at = None;
        let mut version = 1;
        let mut replies: Vec<String> = Vec::new();
        let actor = self.actor;
        // Each step happens at `t` if `t` is not after now; otherwise the case stops there.
        'life: {
            macro_rules! at {
                ($t:expr) => {{
                    let t = $t;
                    if t > now {
                        break 'life;
                    }
                    version += 1;
                    t
                }};
            }
            let rng = &mut self.rng;
            let late_ack = rng.permille(30);
            let t = at!(if late_ack {
                registered + rng.minutes(25 * 60, 60 * 60)
            } else {
                registered + rng.minutes(10, 20 * 60)
            });
            batch.replies.push(vec![
                self.next_reply_id.into(),
                id.into(),
                "acknowledgment".into(),
                STANDARD_ACK_TEXT.into(),
                format_instant(&t).into(),
                format_instant(&t).into(),
                actor.into(),
            ]);
            self.next_reply_id += 1;
            replies.push(STANDARD_ACK_TEXT.to_string());
            acknowledged_at = Some(format_instant(&t));
            life.step(
                &mut self.chain,
                &mut batch.events,
                &t,
                "acknowledge",
                "受理并回复网民".into(),
                CaseStatus::Acknowledged,
                json!({ "text": STANDARD_ACK_TEXT }),
            );
            let mut t = t;
            if self.rng.permille(80) || important {
                t = at!(t + self.rng.minutes(30, 2 * 24 * 60));
                let leader = self.rng.pick(text::LEADERS);
                let words = self.rng.pick(text::INSTRUCTIONS);
                batch.instructions.push(vec![
                    id.into(),
                    leader.into(),
                    words.into(),
                    format_instant(&t).into(),
                    actor.into(),
                ]);
                let status = life.status;
                life.step(
                    &mut self.chain,
                    &mut batch.events,
                    &t,
                    "instruct",
                    format!("{leader}批示"),
                    status,
                    json!({ "leader": leader, "text": words }),
                );
            }
            // Assignment: the usual lead unit, sometimes another one and an assisting one.
            t = at!(t + self.rng.minutes(30, 36 * 60));
            let lead = if self.rng.permille(850) {
                issue.unit
            } else {
                usize::try_from(self.rng.range(0, text::UNITS.len() as i64)).unwrap_or(0)
            };
            let mut units = vec![lead];
            if self.rng.permille(150) {
                let assist = (lead + 1 + usize::try_from(self.rng.range(0, 18)).unwrap_or(0))
                    % text::UNITS.len();
                units.push(assist);
            }
            let requirement = "请于期限内办结并报送办理结果";
            for (i, u) in units.iter().enumerate() {
                batch.assignments.push(vec![
                    id.into(),
                    self.unit_ids[*u].into(),
                    if i == 0 { "lead" } else { "assist" }.into(),
                    requirement.into(),
                    format_instant(&t).into(),
                    actor.into(),
                ]);
            }
            life.units = units.len();
            let names: Vec<&str> = units.iter().map(|u| text::UNITS[*u]).collect();
            life.step(
                &mut self.chain,
                &mut batch.events,
                &t,
                "assign",
                format!("交办{}", names.join("、")),
                CaseStatus::Assigned,
                json!({ "units": names, "lead": names[0], "requirements": requirement }),
            );
            let assigned = t;
            // A few cases are never answered: they stay open and overdue.
            let stuck = self.rng.permille(15);
            if self.rng.permille(30) {
                t = at!(t + self.rng.minutes(24 * 60, 5 * 24 * 60));
                let days = self.rng.range(5, 11);
                let reason = "情况复杂，需要协调多个部门";
                life.extension_days += days;
                batch.extensions.push(vec![
                    id.into(),
                    days.into(),
                    reason.into(),
                    actor.into(),
                    format_instant(&t).into(),
                ]);
                let status = life.status;
                life.step(
                    &mut self.chain,
                    &mut batch.events,
                    &t,
                    "extend",
                    format!("延期 {days} 个工作日"),
                    status,
                    json!({ "days": days, "reason": reason }),
                );
            }
            if self.rng.permille(600) {
                t = at!(t + self.rng.minutes(12 * 60, 5 * 24 * 60));
                let words = self.rng.pick(text::PROGRESS);
                batch.progress.push(vec![
                    id.into(),
                    self.unit_ids[lead].into(),
                    words.into(),
                    format_instant(&t).into(),
                    actor.into(),
                ]);
                life.step(
                    &mut self.chain,
                    &mut batch.events,
                    &t,
                    "progress",
                    format!("{}报告办理进展", text::UNITS[lead]),
                    CaseStatus::InProgress,
                    json!({ "unit": text::UNITS[lead], "text": words }),
                );
            }
            let urgings = if stuck || self.rng.permille(180) {
                self.rng.range(1, 4)
            } else {
                0
            };
            for n in 0..urgings {
                t = at!(t + self.rng.minutes(24 * 60, 4 * 24 * 60));
                let level = match n {
                    0 => "普通",
                    1 => "黄牌",
                    _ => "红牌",
                };
                let words = self.rng.pick(text::URGINGS);
                batch.urgings.push(vec![
                    id.into(),
                    self.unit_ids[lead].into(),
                    level.into(),
                    words.into(),
                    format_instant(&t).into(),
                    actor.into(),
                ]);
                let status = life.status;
                life.step(
                    &mut self.chain,
                    &mut batch.events,
                    &t,
                    "urge",
                    format!("{level}催办{}", text::UNITS[lead]),
                    status,
                    json!({ "unit": text::UNITS[lead], "level": level, "text": words }),
                );
            }
            if stuck {
                break 'life;
            }
            // The final reply: mostly within the period, sometimes late.
            let period = i64::from(life.deadlines.working_days);
            let days = if self.rng.permille(900) {
                self.rng.range(2, period + 1)
            } else {
                self.rng.range(period + 2, period + 12)
            };
            t = at!((assigned + Duration::days(days)).max(t + self.rng.minutes(60, 24 * 60)));
            let reply = format!(
                "您好！您反映的{place}{}问题，经{}调查核实，{}。感谢您对我镇工作的关心和支持！",
                issue.title,
                text::UNITS[lead],
                issue.action
            );
            let reply_id = self.next_reply_id;
            self.next_reply_id += 1;
            batch.replies.push(vec![
                reply_id.into(),
                id.into(),
                "final".into(),
                reply.clone().into(),
                format_instant(&t).into(),
                format_instant(&t).into(),
                actor.into(),
            ]);
            replies.push(reply.clone());
            replied_at = Some(format_instant(&t));
            life.step(
                &mut self.chain,
                &mut batch.events,
                &t,
                "reply_final",
                "最终答复网民".into(),
                CaseStatus::Replied,
                json!({ "kind": "final", "text": reply }),
            );
            t = at!(t + self.rng.minutes(60, 2 * 24 * 60));
            batch.feedbacks.push(vec![
                id.into(),
                1.into(),
                FEEDBACK_RECIPIENTS.into(),
                reply_id.into(),
                format_instant(&t).into(),
                actor.into(),
            ]);
            let status = life.status;
            life.step(
                &mut self.chain,
                &mut batch.events,
                &t,
                "feedback",
                format!("第 1 次书面反馈（{FEEDBACK_RECIPIENTS}）"),
                status,
                json!({ "seq": 1, "recipients": FEEDBACK_RECIPIENTS, "reply_id": reply_id }),
            );
            t = at!(t + self.rng.minutes(24 * 60, 7 * 24 * 60));
            let outcome = "问题已解决，群众认可";
            closed_at = Some(format_instant(&t));
            result = Some(outcome.to_string());
            life.step(
                &mut self.chain,
                &mut batch.events,
                &t,
                "close",
                "办结".into(),
                CaseStatus::Closed,
                json!({ "result": outcome }),
            );
            if self.rng.permille(350) {
                t = at!(t + self.rng.minutes(24 * 60, 5 * 24 * 60));
                let satisfaction = if self.rng.permille(840) {
                    "satisfied"
                } else {
                    "basic"
                };
                batch.followups.push(vec![
                    id.into(),
                    satisfaction.into(),
                    Val::NullText,
                    format_instant(&t).into(),
                    actor.into(),
                ]);
                let status = life.status;
                life.step(
                    &mut self.chain,
                    &mut batch.events,
                    &t,
                    "followup",
                    "回访".into(),
                    status,
                    json!({ "satisfaction": satisfaction, "note": null }),
                );
            }
            t = at!(t + self.rng.minutes(20 * 24 * 60, 60 * 24 * 60));
            archived_at = Some(format_instant(&t));
            life.step(
                &mut self.chain,
                &mut batch.events,
                &t,
                "archive",
                "归档".into(),
                CaseStatus::Archived,
                json!({}),
            );
        }
        *self
            .by_status
            .entry(life.status.code().to_string())
            .or_insert(0) += 1;
        let d = life.deadlines;
        // As the full-text triggers write it (migration 0013): each column ends with FTS_END.
        let replies = if replies.is_empty() {
            String::new()
        } else {
            format!("{}{FTS_END}", replies.join("\n"))
        };
        batch.fts.push(vec![
            id.into(),
            format!("{title}{FTS_END}").into(),
            format!("{content}{FTS_END}").into(),
            replies.into(),
        ]);
        batch.cases.push(vec![
            id.into(),
            number.into(),
            source.into(),
            link.into(),
            poster.into(),
            phone.into(),
            title.into(),
            content.into(),
            issue.category.label().into(),
            important.into(),
            sensitive.into(),
            complexity.code().into(),
            life.status.code().into(),
            format_instant(&received).into(),
            format_instant(&registered).into(),
            actor.into(),
            format_instant(&d.ack_due).into(),
            d.reply_due.format("%Y-%m-%d").to_string().into(),
            i64::from(d.working_days).into(),
            life.extension_days.into(),
            d.calendar_complete.into(),
            acknowledged_at.into(),
            replied_at.into(),
            closed_at.into(),
            result.into(),
            archived_at.into(),
            version.into(),
        ]);
    }
}

/// The full-text index's settings while the batches are written, and their defaults
/// (restored at the end): no incremental merging (`automerge` 0) and an in-memory term
/// table large enough for a whole batch (`hashsize`), so each batch adds one segment,
/// written once; the segments are merged once at the end (`optimize`). With the defaults
/// (a 1 MiB table, merging as it goes) the index was rewritten again and again, and a
/// batch took 1.5 s at the start and 19 s after 180,000 cases.
const FTS_BULK: [(&str, i64, i64); 2] = [("automerge", 0, 4), ("hashsize", 256 << 20, 1 << 20)];

/// The write connection's page cache during a batch (`PRAGMA cache_size`, KiB): the
/// event log's index by time (`events_at_case`) takes each event at a random place among
/// the last months' entries; with the usual 16 MiB those pages were written out and read
/// back again and again.
const BULK_CACHE_KIB: i64 = 512 * 1024;

/// The tables the demo writes with explicit ids (PostgreSQL's identity sequences are moved
/// past them at the end).
const EXPLICIT_IDS: [&str; 3] = ["cases", "replies", "events"];

/// Raises the connection's page cache to [`BULK_CACHE_KIB`] (SQLite), returning the size
/// to restore with [`set_cache`].
async fn bulk_cache(conn: &mut AnyConnection) -> Result<i64> {
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
        .fetch_one(&mut *conn)
        .await?;
    set_cache(conn, -BULK_CACHE_KIB).await?;
    Ok(cache)
}

/// Sets the connection's page cache (`PRAGMA cache_size`: pages, or KiB when negative).
async fn set_cache(conn: &mut AnyConnection, size: i64) -> Result<()> {
    sqlx::query(&format!("PRAGMA cache_size = {size}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets the full-text index's settings, `bulk` or back to the defaults.
async fn fts_settings(conn: &mut AnyConnection, bulk: bool) -> Result<()> {
    for (name, during, default) in FTS_BULK {
        sqlx::query("INSERT INTO case_fts (case_fts, rank) VALUES ($1, $2)")
            .bind(name)
            .bind(if bulk { during } else { default })
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

impl Service {
    /// Fills an empty database with `cases` synthetic cases spread over the three years
    /// before `ctx.now`, deterministically for `seed` (and `ctx.now`). Administrators only.
    pub async fn seed_demo(&self, ctx: &Ctx, cases: u64, seed: u64) -> Result<DemoSummary> {
        auth::require(ctx.actor.role, Permission::ManageUnits)?;
        if cases == 0 || cases > MAX_DEMO_CASES {
            return Err(Error::Invalid(format!(
                "演示案件数应在 1 到 {MAX_DEMO_CASES} 之间（现为 {cases}）"
            )));
        }
        let mut tx = self.db.write().await?;
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&mut *tx)
            .await?;
        if existing > 0 {
            return Err(Error::Invalid(format!(
                "数据库中已有 {existing} 件案件；演示数据只能生成到没有案件的新数据库中"
            )));
        }
        let calendar = load_calendar(&mut tx).await?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let (next_id, prev_hash) = match last {
            Some((id, hash)) => (id + 1, hash),
            None => (1, GENESIS_HASH.to_string()),
        };
        let next_reply_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM replies")
            .fetch_one(&mut *tx)
            .await?;
        let start = ctx.now - Duration::days(365 * YEARS);
        let mut gen = Generator {
            rng: Rng(seed),
            chain: Chain {
                next_id,
                prev_hash,
                actor_id: ctx.actor.id,
                written: 0,
            },
            calendar: &calendar,
            now: ctx.now,
            actor: ctx.actor.id,
            unit_ids: Vec::new(),
            next_reply_id,
            counters: BTreeMap::new(),
            by_status: BTreeMap::new(),
        };
        // The units, added as the service would (reusing any that exist).
        let mut units_added = 0;
        let mut events = Table::new(Batch::new().events.head);
        for name in text::UNITS {
            let found: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            let id = match found {
                Some(id) => id,
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO units (name, active, created_at) VALUES ($1, 1, $2) RETURNING id",
                    )
                    .bind(name)
                    .bind(format_instant(&start))
                    .fetch_one(&mut *tx)
                    .await?;
                    gen.chain.push(
                        &mut events,
                        None,
                        &start,
                        "unit_add",
                        format!("添加承办单位{name}"),
                        None,
                        Some(json!({ "id": id, "name": name })),
                    );
                    units_added += 1;
                    id
                }
            };
            gen.unit_ids.push(id);
        }
        events.flush(&mut tx, self.db.backend()).await?;
        let backend = self.db.backend();
        let sqlite = backend == Backend::Sqlite;
        if sqlite {
            fts_settings(&mut tx, true).await?;
        }
        tx.commit().await?;

        // Messages arrive at random moments, in order, one in each equal slice of the
        // period that ends an hour before now.
        let span = (ctx.now - Duration::hours(1) - start).num_seconds().max(1);
        let step = (span / i64::try_from(cases).unwrap_or(i64::MAX)).max(1);
        let mut received = start;
        let mut first_received = None;
        let mut id: i64 = 1;
        let total = i64::try_from(cases).unwrap_or(i64::MAX);
        while id <= total {
            let mut tx = self.db.write().await?;
            let cache = if sqlite {
                Some(bulk_cache(&mut tx).await?)
            } else {
                None
            };
            let triggers = fts_bulk::suspend(&mut tx, backend).await?;
            let last = (id + i64::try_from(BATCH_CASES).unwrap_or(1) - 1).min(total);
            let mut batch = Batch::new();
            while id <= last {
                received = start + Duration::seconds(step * (id - 1) + gen.rng.range(0, step));
                first_received.get_or_insert(received);
                gen.case(&mut batch, id, received);
                id += 1;
            }
            batch.flush(&mut tx, backend).await?;
            triggers.restore(&mut tx).await?;
            if let Some(cache) = cache {
                set_cache(&mut tx, cache).await?;
            }
            tx.commit().await?;
        }

        let mut tx = self.db.write().await?;
        if sqlite {
            fts_settings(&mut tx, false).await?;
        }
        for (year, value) in &gen.counters {
            sqlx::query(
                "INSERT INTO counters (name, year, value) VALUES ('case', $1, $2)
                 ON CONFLICT (name, year) DO UPDATE SET value = excluded.value",
            )
            .bind(year)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        for sql in dialect::after_explicit_ids(backend, &EXPLICIT_IDS) {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        if sqlite {
            // One b-tree for the full-text index instead of one per batch: faster queries.
            // With the same large page cache as the batches: with 16 MiB, merging the
            // 1,000,000-case index spent over 17 minutes reading pages back from the WAL.
            let mut tx = self.db.write().await?;
            let cache = bulk_cache(&mut tx).await?;
            sqlx::query("INSERT INTO case_fts (case_fts) VALUES ('optimize')")
                .execute(&mut *tx)
                .await?;
            set_cache(&mut tx, cache).await?;
            tx.commit().await?;
        }
        for sql in dialect::after_bulk_load(backend)
            .iter()
            .filter(|s| !s.contains("'optimize'"))
        {
            sqlx::query(sql).execute(self.db.pool()).await?;
        }
        Ok(DemoSummary {
            cases,
            events: gen.chain.written,
            units: units_added,
            seed,
            first_received: first_received
                .as_ref()
                .map(format_instant)
                .unwrap_or_default(),
            last_received: format_instant(&received),
            by_status: gen.by_status,
        })
    }
}
