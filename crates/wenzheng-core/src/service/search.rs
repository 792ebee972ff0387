//! The register (案件列表) of the desk: filters, work queues, sorting, keyset pagination
//! and full-text search over title, content and replies, including one- and two-character
//! Chinese queries, which the trigram index answers through the trigrams that begin with
//! them (see `docs/performance.md`).

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::sql::Sql;

use super::cases::units_of;
use super::record::CaseRow;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::WorkCalendar;
use crate::clock::format_instant;
use crate::db::Backend;
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Category, Role};
use crate::view::CaseView;

/// Which cases the register shows, in which order, from where.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SearchFilter {
    /// Words to find in the title, the content or the replies (all must occur).
    pub q: Option<String>,
    /// Only this status (code or Chinese name).
    pub status: Option<String>,
    /// Only cases currently assigned to this unit (name).
    pub unit: Option<String>,
    /// Only this category (code or Chinese name).
    pub category: Option<String>,
    /// Only this platform or site (exact name).
    pub source: Option<String>,
    /// Only overdue cases (acknowledgment or reply).
    pub overdue: bool,
    /// Received on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Received on or before this day (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// Only cases flagged 重要.
    pub important: bool,
    /// Only cases flagged 敏感.
    pub sensitive: bool,
    /// Only complex cases.
    pub complex: bool,
    /// Only the cases of one work queue of the dashboard (see [`Queue`]).
    pub queue: Option<String>,
    /// `received` (newest first, the default) or `due` (earliest reply date first).
    pub sort: Option<String>,
    /// Where the previous page ended (`next_cursor` of that page).
    pub cursor: Option<String>,
    /// Page size (default 50, at most 500).
    pub limit: Option<u32>,
}

/// One page of the register.
#[derive(Debug, Clone, Serialize)]
pub struct CasePage {
    /// The cases of this page.
    pub cases: Vec<CaseView>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A work queue of the dashboard (工作台): each has a count there and a list here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// 待受理, with the 24-hour countdown.
    AwaitingAck,
    /// Open cases whose reply is due today.
    DueToday,
    /// Open cases whose reply is due within the next 2 working days (after today).
    DueSoon,
    /// Acknowledgment or reply overdue.
    Overdue,
    /// A reply not yet reported in writing to the county.
    AwaitingFeedback,
    /// A leader's instruction in the last 3 days.
    NewInstructions,
    /// Important or sensitive, not yet briefed to the leaders (no 信息专报 printed).
    Unbriefed,
}

impl Queue {
    /// Every queue, in the dashboard's order.
    pub const ALL: &'static [Queue] = &[
        Queue::AwaitingAck,
        Queue::Overdue,
        Queue::DueToday,
        Queue::DueSoon,
        Queue::AwaitingFeedback,
        Queue::NewInstructions,
        Queue::Unbriefed,
    ];

    /// Stable code, used in filters.
    pub fn code(self) -> &'static str {
        match self {
            Queue::AwaitingAck => "awaiting_ack",
            Queue::DueToday => "due_today",
            Queue::DueSoon => "due_soon",
            Queue::Overdue => "overdue",
            Queue::AwaitingFeedback => "awaiting_feedback",
            Queue::NewInstructions => "new_instructions",
            Queue::Unbriefed => "unbriefed",
        }
    }

    /// Chinese name shown on the dashboard.
    pub fn label(self) -> &'static str {
        match self {
            Queue::AwaitingAck => "待受理",
            Queue::DueToday => "今日到期",
            Queue::DueSoon => "2个工作日内到期",
            Queue::Overdue => "已超期",
            Queue::AwaitingFeedback => "待书面反馈",
            Queue::NewInstructions => "领导新批示",
            Queue::Unbriefed => "重要敏感未报送",
        }
    }

    /// The queue with code `code`, or a refusal in Chinese.
    pub fn parse(code: &str) -> Result<Queue> {
        Queue::ALL
            .iter()
            .copied()
            .find(|q| q.code() == code.trim())
            .ok_or_else(|| Error::Invalid(format!("工作队列“{code}”无效")))
    }
}

/// The moments a queue's condition depends on, computed once from `now`.
pub(super) struct Moments {
    now: String,
    today: String,
    /// The day after today: deadlines stored as text sort before it when they fall today.
    tomorrow: String,
    soon: String,
    since: String,
}

impl Moments {
    pub(super) fn new(calendar: &WorkCalendar, ctx: &Ctx) -> Moments {
        let today = ctx.now.date_naive();
        let (soon, _) = calendar.add_working_days(today, 2);
        Moments {
            now: format_instant(&ctx.now),
            today: today.format("%Y-%m-%d").to_string(),
            tomorrow: today
                .succ_opt()
                .unwrap_or(today)
                .format("%Y-%m-%d")
                .to_string(),
            soon: soon.format("%Y-%m-%d").to_string(),
            since: format_instant(&(ctx.now - Duration::days(3))),
        }
    }
}

const OPEN: &str = "c.status IN ('pending', 'acknowledged', 'assigned', 'in_progress')";

/// Appends the condition of `queue` on the cases aliased `c`.
pub(super) fn push_queue(q: &mut Sql<'_>, queue: Queue, m: &Moments) {
    match queue {
        Queue::AwaitingAck => {
            q.push(" AND c.status = 'pending'");
        }
        Queue::DueToday => {
            // As the watch counts 今日到期 (`due::counts`): not overdue, and the reply is due
            // today or a pending case's acknowledgment is due before tomorrow.
            q.push(" AND ")
                .push(OPEN)
                .push(" AND NOT (c.status = 'pending' AND c.ack_due < ")
                .push_bind(m.now.clone())
                .push(") AND (c.reply_due = ")
                .push_bind(m.today.clone())
                .push(" OR (c.status = 'pending' AND c.ack_due < ")
                .push_bind(m.tomorrow.clone())
                .push(" AND c.reply_due > ")
                .push_bind(m.today.clone())
                .push("))");
        }
        Queue::DueSoon => {
            q.push(" AND ")
                .push(OPEN)
                .push(" AND c.reply_due > ")
                .push_bind(m.today.clone())
                .push(" AND c.reply_due <= ")
                .push_bind(m.soon.clone());
        }
        Queue::Overdue => {
            q.push(" AND ")
                .push(OPEN)
                .push(" AND (c.reply_due < ")
                .push_bind(m.today.clone())
                .push(" OR (c.status = 'pending' AND c.ack_due < ")
                .push_bind(m.now.clone())
                .push("))");
        }
        Queue::AwaitingFeedback => {
            q.push(
                " AND c.status <> 'archived'
                   AND c.id IN (SELECT case_id FROM cases_awaiting_feedback)",
            );
        }
        Queue::NewInstructions => {
            q.push(
                " AND c.status <> 'archived'
                   AND c.id IN (SELECT i.case_id FROM instructions i WHERE i.created_at >= ",
            )
            .push_bind(m.since.clone())
            .push(")");
        }
        Queue::Unbriefed => {
            q.push(
                " AND (c.important = 1 OR c.sensitive = 1) AND c.status <> 'archived'
                  AND NOT EXISTS (SELECT 1 FROM documents d
                                  WHERE d.case_id = c.id AND d.kind = 'brief')",
            );
        }
    }
}

/// Restricts the cases aliased `c` to those the acting user may see.
pub(super) fn push_scope(q: &mut Sql<'_>, ctx: &Ctx) -> Result<()> {
    if auth::allows(ctx.actor.role, Permission::ViewAll) {
        return Ok(());
    }
    match (ctx.actor.role, ctx.actor.unit_id) {
        (Role::Unit, Some(unit)) => {
            q.push(
                " AND EXISTS (SELECT 1 FROM assignments a WHERE a.case_id = c.id
                   AND a.returned_at IS NULL AND a.unit_id = ",
            )
            .push_bind(unit)
            .push(")");
            Ok(())
        }
        _ => Err(Error::Forbidden(format!(
            "您的角色是“{}”，无权查看案件列表",
            ctx.actor.role.label()
        ))),
    }
}

/// `"…"` as an FTS5 phrase (quotes doubled).
fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `%…%` as a LIKE pattern with `\` escaping.
fn like_pattern(term: &str) -> String {
    let mut p = String::from("%");
    for ch in term.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

/// What every column of `case_fts` ends with (the triggers of migration 0013 append it), so
/// that each occurrence of a one- or two-character string begins an indexed trigram.
pub(crate) const FTS_END: &str = "\n\n";

/// The most trigrams a one- or two-character term is expanded into; beyond that the term
/// is looked for with LIKE, case by case, in the register's order.
const MAX_EXPANSION: i64 = 400;

/// Above this many full-text matches the register walks its sort index and keeps the
/// matching cases (it finds a page after a few thousand rows); below it, it reads the
/// matching cases by id and sorts them.
const DENSE_MATCHES: i64 = 2_000;

/// The FTS5 expression matching every case in which `term` (one or two characters) occurs:
/// any of the indexed trigrams that begin with it (each column of `case_fts` ends with two
/// line feeds, so every occurrence begins one). `Ok(None)` when there are too many to list;
/// an empty expression when the term occurs nowhere.
async fn expand_short(conn: &mut AnyConnection, term: &str) -> Result<Option<String>> {
    let low = term.to_lowercase();
    let high = format!("{low}{}", char::MAX);
    let grams: Vec<String> = sqlx::query_scalar(
        "SELECT term FROM case_fts_terms WHERE term >= $1 AND term < $2 LIMIT $3",
    )
    .bind(&low)
    .bind(&high)
    .bind(MAX_EXPANSION + 1)
    .fetch_all(&mut *conn)
    .await?;
    if grams.len() as i64 > MAX_EXPANSION {
        return Ok(None);
    }
    let alternatives: Vec<String> = grams.iter().map(|g| phrase(g)).collect();
    Ok(Some(alternatives.join(" OR ")))
}

/// Appends the text search: each term must occur in the title, the content or a reply
/// (`case_fts`). The stores differ here (docs/postgres.md): SQLite asks its FTS5 trigram
/// index ([`push_text_fts`]), PostgreSQL its pg_trgm index ([`push_text_trgm`]); both find
/// exactly the cases in which every term occurs, ignoring case.
async fn push_text(
    q: &mut Sql<'_>,
    conn: &mut AnyConnection,
    backend: Backend,
    text: &str,
) -> Result<()> {
    let terms: Vec<&str> = text.split_whitespace().collect();
    if terms.len() > 10 {
        return Err(Error::Invalid("搜索词不能超过 10 个".into()));
    }
    if terms.iter().any(|t| t.chars().count() > 100) {
        return Err(Error::Invalid("每个搜索词不能超过 100 个字".into()));
    }
    match backend {
        Backend::Sqlite => push_text_fts(q, conn, &terms).await,
        Backend::Postgres => {
            push_text_trgm(q, &terms);
            Ok(())
        }
    }
}

/// SQLite: terms of 3+ characters are phrases of the FTS5 trigram index; shorter ones are
/// expanded into the trigrams that begin with them (see [`expand_short`]), or, when they
/// begin too many, looked for with LIKE case by case.
async fn push_text_fts(q: &mut Sql<'_>, conn: &mut AnyConnection, terms: &[&str]) -> Result<()> {
    let mut matches = Vec::new();
    let mut scans = Vec::new();
    for &term in terms {
        if term.chars().count() >= 3 {
            matches.push(phrase(term));
        } else {
            match expand_short(conn, term).await? {
                Some(expr) if expr.is_empty() => {
                    q.push(" AND 0");
                    return Ok(());
                }
                Some(expr) => matches.push(format!("({expr})")),
                None => scans.push(like_pattern(term)),
            }
        }
    }
    if !matches.is_empty() {
        let expr = matches.join(" AND ");
        let found: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT rowid FROM case_fts WHERE case_fts MATCH $1 LIMIT $2)",
        )
        .bind(&expr)
        .bind(DENSE_MATCHES + 1)
        .fetch_one(&mut *conn)
        .await?;
        // `+c.id` keeps the planner from reading the matches by id: with many of them,
        // walking the sort index and testing each case against the match list is faster.
        let id = if found > DENSE_MATCHES {
            "+c.id"
        } else {
            "c.id"
        };
        q.push(format!(
            " AND {id} IN (SELECT rowid FROM case_fts WHERE case_fts MATCH "
        ))
        .push_bind(expr)
        .push(")");
    }
    for p in scans {
        q.push(" AND EXISTS (SELECT 1 FROM case_fts f WHERE f.rowid = c.id AND (f.title LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\' OR f.content LIKE ")
            .push_bind(p.clone())
            .push(" ESCAPE '\\' OR f.replies LIKE ")
            .push_bind(p)
            .push(" ESCAPE '\\'))");
    }
    Ok(())
}

/// PostgreSQL: `case_fts` is a plain table with a pg_trgm GIN index over its three columns
/// (migrations/postgres, 0005), which answers `ILIKE '%…%'` for terms of 3+ characters;
/// shorter terms are read from the table (pg_trgm has no trigram to look up for them).
/// ILIKE ignores case as FTS5's trigram index and SQLite's LIKE do.
fn push_text_trgm(q: &mut Sql<'_>, terms: &[&str]) {
    q.push(" AND c.id IN (SELECT f.rowid FROM case_fts f WHERE ");
    for (i, term) in terms.iter().enumerate() {
        if i > 0 {
            q.push(" AND ");
        }
        push_contains(q, term);
    }
    q.push(")");
}

/// `(f.title ILIKE … OR f.content ILIKE … OR f.replies ILIKE …)`: `term` occurs in one of
/// the texts of `case_fts f` (PostgreSQL).
fn push_contains(q: &mut Sql<'_>, term: &str) {
    let p = like_pattern(term);
    q.push("(f.title ILIKE ")
        .push_bind(p.clone())
        .push(" ESCAPE '\\' OR f.content ILIKE ")
        .push_bind(p.clone())
        .push(" ESCAPE '\\' OR f.replies ILIKE ")
        .push_bind(p)
        .push(" ESCAPE '\\')");
}

fn day(label: &str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| Error::Invalid(format!("{label}“{v}”不是日期，应为 YYYY-MM-DD"))),
    }
}

fn nonblank(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

impl Service {
    /// One page of the register: the cases matching `filter`, sorted and paged by keyset
    /// (stays fast however many cases there are).
    pub async fn search_cases(&self, ctx: &Ctx, filter: &SearchFilter) -> Result<CasePage> {
        let by_due = match nonblank(filter.sort.as_deref()) {
            None | Some("received") => false,
            Some("due") => true,
            Some(other) => {
                return Err(Error::Invalid(format!(
                    "排序方式“{other}”无效，可选：received（收到时间）、due（答复期限）"
                )))
            }
        };
        let limit = i64::from(filter.limit.unwrap_or(50).clamp(1, 500));
        let from = day("起始日期", filter.from.as_deref())?;
        let to = day("截止日期", filter.to.as_deref())?;
        if let (Some(f), Some(t)) = (from, to) {
            if f > t {
                return Err(Error::Invalid(format!("起始日期 {f} 晚于截止日期 {t}")));
            }
        }
        let cursor = match nonblank(filter.cursor.as_deref()) {
            None => None,
            Some(c) => {
                let (value, id) = c
                    .rsplit_once('|')
                    .and_then(|(v, id)| id.parse::<i64>().ok().map(|id| (v.to_string(), id)))
                    .ok_or_else(|| Error::Invalid("分页位置无效，请从第一页重新查询".into()))?;
                Some((value, id))
            }
        };

        let mut conn = self.db.pool().acquire().await?;
        let calendar = self.work_calendar(&mut conn).await?;
        let moments = Moments::new(&calendar, ctx);
        let mut q: Sql = Sql::new("SELECT * FROM cases c WHERE 1 = 1");
        push_scope(&mut q, ctx)?;
        if let Some(s) = nonblank(filter.status.as_deref()) {
            q.push(" AND c.status = ")
                .push_bind(s.parse::<CaseStatus>()?.code());
        }
        if let Some(c) = nonblank(filter.category.as_deref()) {
            q.push(" AND c.category = ")
                .push_bind(c.parse::<Category>()?.label());
        }
        if let Some(s) = nonblank(filter.source.as_deref()) {
            q.push(" AND c.source = ").push_bind(s.to_string());
        }
        if let Some(unit) = nonblank(filter.unit.as_deref()) {
            q.push(
                " AND EXISTS (SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id
                   WHERE a.case_id = c.id AND a.returned_at IS NULL AND u.name = ",
            )
            .push_bind(unit.to_string())
            .push(")");
        }
        if filter.overdue {
            push_queue(&mut q, Queue::Overdue, &moments);
        }
        if let Some(queue) = nonblank(filter.queue.as_deref()) {
            push_queue(&mut q, Queue::parse(queue)?, &moments);
        }
        if let Some(f) = from {
            q.push(" AND c.received_at >= ")
                .push_bind(f.format("%Y-%m-%d").to_string());
        }
        if let Some(t) = to.and_then(|t| t.succ_opt()) {
            q.push(" AND c.received_at < ")
                .push_bind(t.format("%Y-%m-%d").to_string());
        }
        if filter.important {
            q.push(" AND c.important = 1");
        }
        if filter.sensitive {
            q.push(" AND c.sensitive = 1");
        }
        if filter.complex {
            q.push(" AND c.complexity = 'complex'");
        }
        if let Some(text) = nonblank(filter.q.as_deref()) {
            push_text(&mut q, &mut conn, self.db.backend(), text).await?;
        }
        let (column, cmp, order) = if by_due {
            ("c.reply_due", ">", "ASC")
        } else {
            ("c.received_at", "<", "DESC")
        };
        if let Some((value, id)) = cursor {
            q.push(format!(" AND ({column} {cmp} "))
                .push_bind(value.clone())
                .push(format!(" OR ({column} = "))
                .push_bind(value)
                .push(format!(" AND c.id {cmp} "))
                .push_bind(id)
                .push("))");
        }
        q.push(format!(" ORDER BY {column} {order}, c.id {order} LIMIT "))
            .push_bind(limit + 1);
        let mut rows: Vec<CaseRow> = q.build_query_as().fetch_all(&mut *conn).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            rows.last().map(|r| {
                let value = if by_due { &r.reply_due } else { &r.received_at };
                format!("{value}|{}", r.id)
            })
        } else {
            None
        };
        let mut units = units_of(&mut conn, rows.iter().map(|r| r.id)).await?;
        let cases = rows
            .into_iter()
            .map(|row| {
                let mine = units.remove(&row.id).unwrap_or_default();
                row.view(&calendar, ctx, mine)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CasePage { cases, next_cursor })
    }

    /// Existing cases that look like the message being registered (possible duplicates),
    /// most similar first, at most 5.
    pub async fn similar_cases(
        &self,
        ctx: &Ctx,
        title: &str,
        content: &str,
    ) -> Result<Vec<CaseView>> {
        auth::require(ctx.actor.role, Permission::Register)?;
        let mut grams: Vec<String> = Vec::new();
        for text in [title, content] {
            let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
            for w in chars.windows(3) {
                let g: String = w.iter().collect();
                if !grams.contains(&g) {
                    grams.push(g);
                }
                if grams.len() >= 24 {
                    break;
                }
            }
            if grams.len() >= 12 {
                break;
            }
        }
        if grams.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.db.pool().acquire().await?;
        let rows: Vec<CaseRow> = match self.db.backend() {
            // FTS5's own relevance (bm25) of the trigrams as phrases of one OR query.
            Backend::Sqlite => {
                let expr: Vec<String> = grams.iter().map(|g| phrase(g)).collect();
                sqlx::query_as(
                    "SELECT c.* FROM cases c
                     JOIN (SELECT rowid AS id, rank FROM case_fts WHERE case_fts MATCH $1) m
                       ON m.id = c.id
                     ORDER BY m.rank LIMIT 5",
                )
                .bind(expr.join(" OR "))
                .fetch_all(&mut *conn)
                .await?
            }
            // pg_trgm has no such rank: the cases sharing the most of the trigrams first,
            // the newest among equals.
            Backend::Postgres => {
                let mut q = Sql::new("SELECT c.* FROM cases c JOIN (SELECT f.rowid AS id, ");
                for (i, g) in grams.iter().enumerate() {
                    q.push(if i > 0 { " + CASE WHEN " } else { "CASE WHEN " });
                    push_contains(&mut q, g);
                    q.push(" THEN 1 ELSE 0 END");
                }
                // The same tests again as one OR: what the trigram index can narrow.
                q.push(" AS hits FROM case_fts f WHERE ");
                for (i, g) in grams.iter().enumerate() {
                    if i > 0 {
                        q.push(" OR ");
                    }
                    push_contains(&mut q, g);
                }
                q.push(") m ON m.id = c.id ORDER BY m.hits DESC, c.id DESC LIMIT 5");
                q.build_query_as().fetch_all(&mut *conn).await?
            }
        };
        let calendar = self.work_calendar(&mut conn).await?;
        let mut units = units_of(&mut conn, rows.iter().map(|r| r.id)).await?;
        rows.into_iter()
            .map(|row| {
                let mine = units.remove(&row.id).unwrap_or_default();
                row.view(&calendar, ctx, mine)
            })
            .collect()
    }
}
