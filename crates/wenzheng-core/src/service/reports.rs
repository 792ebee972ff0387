//! Reports, the assessment rule, the register and Open311 exports (the import of cases
//! from XLSX/CSV is in `import_cases`). The figures themselves are computed in
//! [`crate::report`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset};
use serde_json::json;
use sqlx::{AnyConnection, Connection};

use super::cases::{units_of, RECEIVED_AHEAD_MINUTES};
use super::record::{event, load_calendar, put_setting, CaseRow};
use super::report_cache;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::{format_instant, parse_stored, parse_stored_date, stored_ceiling};
use crate::db::Backend;
use crate::dialect;
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Complexity};
use crate::report::export::{self, Open311Request, RegisterRow};
use crate::report::figures::{
    self, AssignmentData, CaseData, CaseEvent, EventKind, FinalReply, Snapshot, TrendPoint,
};
use crate::report::{AssessmentRule, Period, Report};

/// How long a report waits for a second connection to split its reads with before it
/// reads everything on its own (a new connection opens in a few milliseconds).
const SECOND_CONNECTION_WAIT: std::time::Duration = std::time::Duration::from_millis(100);

/// The settings key of the assessment rule (JSON).
const RULE_KEY: &str = "report.assessment";

fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Corrupt(format!("{what}：{e}"))
}

async fn load_rule(conn: &mut AnyConnection) -> Result<AssessmentRule> {
    let stored: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(RULE_KEY)
        .fetch_optional(&mut *conn)
        .await?;
    match stored {
        None => Ok(AssessmentRule::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| corrupt("考核规则", e)),
    }
}

/// The cases a report reading `[from, cutoff)` may count: those with an event since
/// `from` (any later event too, so that "no event" means "unchanged since `from`"), the
/// open ones, and those whose reply deadline is on or after `from`'s day. Any other case
/// was closed or archived before `from`, with its deadline passed, and nothing happened
/// to it since: no figure of the window counts it. Its archiving since `from` does not
/// count as an event here: it takes a closed case (已办结) to 已归档, which every figure
/// counts alike (`case_histories.counted_at` is the moment of a case's latest event other
/// than archiving, migration 0026). A case received [`RECEIVED_AHEAD_MINUTES`] or more
/// after the cutoff (`$3`) was registered after it and counts in nothing before it: it is
/// left out too (a past month's report would otherwise read every case of the months
/// since).
fn relevant_cases_sql() -> String {
    let open: Vec<String> = CaseStatus::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| format!("'{}'", s.code()))
        .collect();
    format!(
        "SELECT id FROM (
             SELECT case_id AS id FROM case_histories WHERE counted_at >= $1
             UNION SELECT id FROM cases WHERE status IN ({})
             UNION SELECT id FROM cases WHERE reply_due >= $2) AS u
         WHERE id NOT IN (SELECT id FROM cases WHERE received_at >= $3)",
        open.join(", ")
    )
}

/// The rows of `sql` as one JSON array of arrays (see [`dialect::json_rows_any`]), with the
/// relevant ids bound as `$1`.
async fn read_text(conn: &mut AnyConnection, sql: &str, ids: &str) -> Result<String> {
    Ok(sqlx::query_scalar(sql)
        .bind(ids)
        .fetch_one(&mut *conn)
        .await?)
}

/// The rows of a JSON array of arrays.
fn rows_of<T: serde::de::DeserializeOwned>(text: &str) -> Result<Vec<T>> {
    serde_json::from_str(text).map_err(|e| corrupt("报表数据", e))
}

/// Starts `parse` on a thread of its own. The report's reads come as a few large texts
/// (tens of MB at 1,000,000 cases): parsed on the report's task, one connection's text
/// waited for the other's to be parsed, while SQLite worked on one of its two threads.
fn parse_apart<T: Send + 'static>(
    parse: impl FnOnce() -> Result<T> + Send + 'static,
) -> tokio::task::JoinHandle<Result<T>> {
    tokio::task::spawn_blocking(parse)
}

/// What [`parse_apart`] gave.
async fn parsed<T>(handle: tokio::task::JoinHandle<Result<T>>) -> Result<T> {
    match handle.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::Unavailable("程序正在退出，报表未完成".into())),
    }
}

/// The instants a report reading `[from, cutoff)` binds, as stored: `from`, and `cutoff`
/// rounded up to the next whole second ([`stored_ceiling`]).
struct Window {
    from: String,
    cutoff: String,
}

impl Window {
    fn new(from: DateTime<FixedOffset>, cutoff: DateTime<FixedOffset>) -> Window {
        Window {
            from: format_instant(&from),
            cutoff: format_instant(&stored_ceiling(cutoff)),
        }
    }
}

/// Reads what the report of the window `[from, cutoff)` needs (see [`relevant_cases_sql`]).
/// With `second`, a connection whose read transaction sees the same data as `conn`'s, the
/// reads are split between the two and run at once.
async fn snapshot(
    conn: &mut AnyConnection,
    second: Option<&mut AnyConnection>,
    backend: Backend,
    from: DateTime<FixedOffset>,
    cutoff: DateTime<FixedOffset>,
) -> Result<Snapshot> {
    let window = Window::new(from, cutoff);
    let mut second = second;
    // First the calendar, the units and the relevant ids on one connection, the window's
    // rows on the other; then the histories and final replies on one, the cases and
    // assignments on the other (about the same time each at 1,000,000 cases).
    let start = async {
        let calendar = load_calendar(conn).await?;
        let units: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM units ORDER BY id")
            .fetch_all(&mut *conn)
            .await?;
        // The relevant ids as one JSON array, bound as it is to the statements below.
        let ids: String = sqlx::query_scalar(&format!(
            "SELECT {} FROM ({}) AS r",
            dialect::json_values_agg(backend, "id", "id"),
            relevant_cases_sql()
        ))
        .bind(&window.from)
        .bind(from.date_naive().to_string())
        .bind(format_instant(
            &(cutoff + chrono::Duration::minutes(RECEIVED_AHEAD_MINUTES)),
        ))
        .fetch_one(&mut *conn)
        .await?;
        Ok::<_, Error>((calendar, units, ids))
    };
    let ((calendar, units, ids), mut snap) = match second.as_deref_mut() {
        Some(other) => {
            let (start, rows) = tokio::join!(start, read_window_rows(other, &window));
            (start?, rows?)
        }
        None => {
            let start = start.await?;
            (start, read_window_rows(conn, &window).await?)
        }
    };
    let replay = async {
        // The histories are parsed while the final replies are read.
        let histories = read_histories(conn, backend, &ids, &window).await?;
        let final_replies = read_final_replies(conn, backend, &ids).await?;
        Ok::<_, Error>((parsed(histories).await?, final_replies))
    };
    let ((histories, final_replies), (cases, assignments)) = match second {
        Some(other) => {
            let (replay, cases) = tokio::join!(replay, read_cases(other, backend, &ids));
            (replay?, cases?)
        }
        None => {
            let replay = replay.await?;
            (replay, read_cases(conn, backend, &ids).await?)
        }
    };
    snap.cases = cases;
    snap.assignments = assignments;
    for (case_id, events) in histories {
        if let Ok(i) = snap.cases.binary_search_by_key(&case_id, |c| c.id) {
            snap.cases[i].events = events;
        }
    }
    snap.calendar = calendar;
    snap.units = units;
    snap.final_replies = final_replies;
    Ok(snap)
}

/// The history of each relevant case as `case_histories` keeps it (the events that set a
/// status or a deadline, and the registration, acknowledgment and final replies), none at
/// or after the cutoff, oldest first. A case's entries come as one string, joined with
/// `,`; an entry is `id at kind status reply_due` (`-` for none), none of them with a space
/// or a `,`. The entries at or after the cutoff (a past month's, read later) are left out
/// here, by the stored text as SQL compares it.
async fn read_histories(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &str,
    window: &Window,
) -> Result<tokio::task::JoinHandle<Result<Vec<(i64, Vec<CaseEvent>)>>>> {
    let relevant = dialect::ids_of_json(backend, "$1");
    let text = read_text(
        conn,
        &format!(
            "SELECT {} FROM case_histories WHERE case_id IN ({relevant})",
            dialect::json_rows_any(backend, "case_id, entries"),
        ),
        ids,
    )
    .await?;
    let cutoff = window.cutoff.clone();
    Ok(parse_apart(move || parse_histories(&text, &cutoff)))
}

/// The histories in `text` (see [`read_histories`]), without the entries at or after
/// `cutoff` (compared as stored text, as SQL compares it).
fn parse_histories(text: &str, cutoff: &str) -> Result<Vec<(i64, Vec<CaseEvent>)>> {
    let rows: Vec<(i64, String)> = rows_of(text)?;
    let mut histories = Vec::with_capacity(rows.len());
    for (case_id, entries) in rows {
        let mut history = Vec::new();
        for item in entries.split(',').filter(|item| !item.is_empty()) {
            let mut parts = item.split(' ');
            let (Some(id), Some(at), Some(kind), Some(status), Some(reply_due)) = (
                parts.next().and_then(|id| id.parse::<i64>().ok()),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) else {
                return Err(corrupt("事件内容", item));
            };
            if at >= cutoff {
                continue;
            }
            history.push((
                id,
                CaseEvent {
                    at: parse_stored(at)?,
                    kind: EventKind::of(kind),
                    status: (status != "-")
                        .then(|| status.parse::<CaseStatus>())
                        .transpose()?,
                    reply_due: (reply_due != "-")
                        .then(|| parse_stored_date(reply_due))
                        .transpose()?,
                },
            ));
        }
        history.sort_unstable_by_key(|(id, _)| *id);
        histories.push((case_id, history.into_iter().map(|(_, e)| e).collect()));
    }
    Ok(histories)
}

/// The final replies of the relevant cases, by case then by id.
async fn read_final_replies(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &str,
) -> Result<Vec<FinalReply>> {
    let relevant = dialect::ids_of_json(backend, "$1");
    let text = read_text(
        conn,
        &format!(
            "SELECT {} FROM {} WHERE kind = 'final' AND case_id IN ({relevant})",
            dialect::json_rows_any(backend, "case_id, id, created_at, published_at"),
            dialect::indexed_by(backend, "replies", "replies_final")
        ),
        ids,
    )
    .await?;
    parsed(parse_apart(move || {
        let mut rows: Vec<(i64, i64, String, Option<String>)> = rows_of(&text)?;
        rows.sort_unstable_by_key(|r| (r.0, r.1));
        rows.into_iter()
            .map(|(c, _, at, published)| {
                Ok((
                    c,
                    parse_stored(&at)?,
                    published.as_deref().map(parse_stored).transpose()?,
                ))
            })
            .collect()
    }))
    .await
}

/// The relevant cases (without their histories), sorted by id, and their assignments, by
/// case then by id. Every read comes in no particular order and is sorted here (see
/// [`dialect::json_rows_any`]); each reads one narrow covering index or table (migration
/// 0022), named for SQLite's planner, which has no statistics for them.
async fn read_cases(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &str,
) -> Result<(Vec<CaseData>, Vec<AssignmentData>)> {
    let relevant = dialect::ids_of_json(backend, "$1");
    let text = read_text(
        conn,
        &format!(
            "SELECT {} FROM {} WHERE id IN ({relevant})",
            dialect::json_rows_any(
                backend,
                "id, number, title, source, category, important, sensitive, complexity,
                 received_at, ack_due"
            ),
            dialect::indexed_by(backend, "cases", "cases_report")
        ),
        ids,
    )
    .await?;
    // The cases are parsed while the assignments are read.
    let cases = parse_apart(move || parse_cases(&text));
    let text = read_text(
        conn,
        &format!(
            "SELECT {} FROM {} WHERE case_id IN ({relevant})",
            dialect::json_rows_any(
                backend,
                "case_id, id, unit_id, role, assigned_at, returned_at"
            ),
            dialect::indexed_by(backend, "assignments", "assignments_report")
        ),
        ids,
    )
    .await?;
    let assignments = parsed(parse_apart(move || {
        let mut rows: Vec<(i64, i64, i64, String, String, Option<String>)> = rows_of(&text)?;
        rows.sort_unstable_by_key(|r| (r.0, r.1));
        rows.into_iter()
            .map(|(case_id, _, unit_id, role, assigned, returned)| {
                Ok(AssignmentData {
                    case_id,
                    unit_id,
                    lead: role == "lead",
                    assigned: parse_stored(&assigned)?,
                    returned: returned.as_deref().map(parse_stored).transpose()?,
                })
            })
            .collect::<Result<Vec<_>>>()
    }))
    .await?;
    Ok((parsed(cases).await?, assignments))
}

/// The cases in `text` (see [`read_cases`]), sorted by id.
fn parse_cases(text: &str) -> Result<Vec<CaseData>> {
    type CaseTuple = (
        i64,
        String,
        String,
        String,
        String,
        i64,
        i64,
        String,
        String,
        String,
    );
    let mut rows: Vec<CaseTuple> = rows_of(text)?;
    rows.sort_unstable_by_key(|r| r.0);
    rows.into_iter()
        .map(
            |(id, number, title, source, category, important, sensitive, complexity, rec, ack)| {
                Ok(CaseData {
                    id,
                    number,
                    title,
                    source,
                    category,
                    important: important != 0,
                    sensitive: sensitive != 0,
                    complex: complexity == Complexity::Complex.code(),
                    received: parse_stored(&rec)?,
                    ack_due: parse_stored(&ack)?,
                    events: Vec::new(),
                })
            },
        )
        .collect()
}

/// The window's urgings, instructions, extensions and follow-ups, by their moment (they do
/// not depend on which cases are relevant).
async fn read_window_rows(conn: &mut AnyConnection, window: &Window) -> Result<Snapshot> {
    let mut snap = Snapshot::default();
    let rows: Vec<(i64, i64, String, String)> = sqlx::query_as(
        "SELECT case_id, unit_id, level, created_at FROM urgings
         WHERE created_at >= $1 AND created_at < $2 ORDER BY id",
    )
    .bind(&window.from)
    .bind(&window.cutoff)
    .fetch_all(&mut *conn)
    .await?;
    for (c, u, level, at) in rows {
        snap.urgings
            .push((c, u, level.parse()?, parse_stored(&at)?));
    }
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT case_id, created_at FROM instructions
         WHERE created_at >= $1 AND created_at < $2 ORDER BY id",
    )
    .bind(&window.from)
    .bind(&window.cutoff)
    .fetch_all(&mut *conn)
    .await?;
    for (c, at) in rows {
        snap.instructions.push((c, parse_stored(&at)?));
    }
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT case_id, days, created_at FROM extensions
         WHERE created_at >= $1 AND created_at < $2 ORDER BY id",
    )
    .bind(&window.from)
    .bind(&window.cutoff)
    .fetch_all(&mut *conn)
    .await?;
    for (c, d, at) in rows {
        snap.extensions.push((c, d, parse_stored(&at)?));
    }
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT case_id, satisfaction, created_at FROM followups
         WHERE created_at >= $1 AND created_at < $2 ORDER BY id",
    )
    .bind(&window.from)
    .bind(&window.cutoff)
    .fetch_all(&mut *conn)
    .await?;
    for (c, s, at) in rows {
        snap.followups.push((c, s.parse()?, parse_stored(&at)?));
    }
    Ok(snap)
}

impl Service {
    /// The report of `period` as of `ctx.now` (roles that see every case). The report of
    /// a period that is over is stored and used again while nothing it depends on has
    /// changed ([`report_cache`]).
    pub async fn report(&self, ctx: &Ctx, period: Period) -> Result<Report> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        // One read transaction: a consistent snapshot.
        let mut tx = self.db.pool().begin().await?;
        let rule = load_rule(&mut tx).await?;
        let key = report_cache::Key::of(&mut tx, period, ctx.now, &rule).await?;
        if let Some(key) = &key {
            if let Some(report) = report_cache::lookup(&mut tx, key).await? {
                return Ok(report);
            }
        }
        let last_event_id = report_cache::last_event_id(&mut tx).await?;
        // The trend months that are over and kept need no replay: only the period and the
        // trend months not kept are read.
        let keepable: Vec<Period> = figures::trend_months(period)
            .into_iter()
            .filter(|m| figures::month_is_keepable(*m, period, ctx.now))
            .collect();
        let kept = report_cache::kept_months(&mut tx, &keepable).await?;
        let first_missing = figures::trend_months(period)
            .iter()
            .filter(|m| !kept.contains_key(&m.from.format("%Y-%m").to_string()))
            .map(|m| m.from)
            .min()
            .unwrap_or(period.from);
        let (from, cutoff) = period.replay_window(ctx.now, first_missing);
        // A second connection (opened if the pool has room; not waited for when every one
        // is busy), whose read transaction sees what this one sees (no event since: every
        // write that changes what a report reads appends one), takes half of the reads.
        let mut other = tokio::time::timeout(SECOND_CONNECTION_WAIT, self.db.pool().acquire())
            .await
            .ok()
            .transpose()?;
        let mut second = match other.as_mut() {
            Some(conn) => {
                let mut tx2 = conn.begin().await?;
                let same = report_cache::last_event_id(&mut tx2).await? == last_event_id;
                same.then_some(tx2)
            }
            None => None,
        };
        let snap = snapshot(
            &mut tx,
            second.as_deref_mut(),
            self.db.backend(),
            from,
            cutoff,
        )
        .await?;
        if let Some(tx2) = second {
            tx2.commit().await?;
        }
        tx.commit().await?;
        let points: BTreeMap<String, TrendPoint> = kept
            .iter()
            .map(|(month, k)| (month.clone(), k.point.clone()))
            .collect();
        let report = figures::compute(&snap, period, ctx.now, &rule, &points);
        // The trend points to keep: those computed now, and those kept whose check is
        // older than this report's.
        let to_keep: Vec<&TrendPoint> = report
            .trend
            .iter()
            .filter(|p| {
                keepable
                    .iter()
                    .any(|m| m.from.format("%Y-%m").to_string() == p.month)
                    && kept
                        .get(&p.month)
                        .is_none_or(|k| k.last_event_id < last_event_id)
            })
            .collect();
        if key.is_some() || !to_keep.is_empty() {
            // Keeping it is only a saving: a failure (a read-only file …) is logged.
            let stored = async {
                let mut tx = self.db.write().await?;
                if let Some(key) = &key {
                    report_cache::store(&mut tx, key, last_event_id, &report).await?;
                }
                report_cache::keep_months(&mut tx, &to_keep, last_event_id).await?;
                tx.commit().await?;
                Ok::<_, Error>(())
            };
            if let Err(e) = stored.await {
                tracing::warn!("报表未能保存以备再用：{e}");
            }
        }
        Ok(report)
    }

    /// The monthly report of `month` (`YYYY-MM`).
    pub async fn monthly_report(&self, ctx: &Ctx, month: &str) -> Result<Report> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        self.report(ctx, Period::month(month)?).await
    }

    /// Computes and keeps the report of the month before `ctx.now` unless it is kept
    /// already, so that the office's monthly report is read back at once when somebody
    /// asks for it (the desktop's watch calls this once a day, in the background).
    /// Returns the month computed, or `None` when the kept report was still valid.
    pub async fn prepare_last_month(&self, ctx: &Ctx) -> Result<Option<String>> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let first = ctx
            .now
            .date_naive()
            .with_day(1)
            .unwrap_or(ctx.now.date_naive());
        let month = first
            .pred_opt()
            .unwrap_or(first)
            .format("%Y-%m")
            .to_string();
        let period = Period::month(&month)?;
        let kept = {
            let mut conn = self.db.pool().acquire().await?;
            let rule = load_rule(&mut conn).await?;
            match report_cache::Key::of(&mut conn, period, ctx.now, &rule).await? {
                Some(key) => report_cache::lookup(&mut conn, &key).await?.is_some(),
                None => true,
            }
        };
        if kept {
            return Ok(None);
        }
        self.report(ctx, period).await?;
        Ok(Some(month))
    }

    /// The assessment rule in force (the default until an administrator sets one).
    pub async fn assessment_rule(&self, ctx: &Ctx) -> Result<AssessmentRule> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let mut conn = self.db.pool().acquire().await?;
        load_rule(&mut conn).await
    }

    /// Replaces the assessment rule (administrators).
    pub async fn set_assessment_rule(
        &self,
        ctx: &Ctx,
        rule: AssessmentRule,
    ) -> Result<AssessmentRule> {
        auth::require(ctx.actor.role, Permission::ManageUnits)?;
        rule.validate()?;
        let text = serde_json::to_string(&rule).map_err(|e| corrupt("考核规则", e))?;
        let mut tx = self.db.write().await?;
        let before = load_rule(&mut tx).await?;
        put_setting(&mut tx, ctx, RULE_KEY, &text).await?;
        event(
            &mut tx,
            ctx,
            None,
            "assessment_rule",
            "修改考核规则",
            Some(json!(before)),
            Some(json!(rule)),
        )
        .await?;
        tx.commit().await?;
        Ok(rule)
    }

    /// The case register (台账): every case, oldest first, phones masked.
    pub async fn case_register(&self, ctx: &Ctx) -> Result<Vec<RegisterRow>> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let mut tx = self.db.pool().begin().await?;
        let rows: Vec<CaseRow> = sqlx::query_as("SELECT * FROM cases ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        let calendar = load_calendar(&mut tx).await?;
        let mut units = units_of(&mut tx, rows.iter().map(|r| r.id)).await?;
        let updated: Vec<(i64, String)> = sqlx::query_as(
            "SELECT case_id, MAX(at) FROM events WHERE case_id IS NOT NULL GROUP BY case_id",
        )
        .fetch_all(&mut *tx)
        .await?;
        let updated: std::collections::HashMap<i64, String> = updated.into_iter().collect();
        tx.commit().await?;
        rows.into_iter()
            .map(|row| {
                let id = row.id;
                let mut mine = units.remove(&id).unwrap_or_default();
                mine.sort_by_key(|u| u.role != "lead");
                let v = row.view(&calendar, ctx, mine)?;
                Ok(RegisterRow {
                    id,
                    updated_at: updated
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| v.registered_at.clone()),
                    number: v.number,
                    title: v.title,
                    content: v.content,
                    source: v.source,
                    link: v.link,
                    poster: v.poster,
                    phone: v.phone,
                    category: v.category,
                    important: v.important,
                    sensitive: v.sensitive,
                    complexity: v.complexity,
                    status: v.status,
                    status_name: v.status_name,
                    received_at: v.received_at,
                    registered_at: v.registered_at,
                    acknowledged_at: v.acknowledged_at,
                    reply_due: v.reply_due,
                    replied_at: v.replied_at,
                    closed_at: v.closed_at,
                    units: v.units.into_iter().map(|u| u.unit).collect(),
                    result: v.result,
                    overdue: v.overdue,
                })
            })
            .collect()
    }

    /// Every case as an Open311 GeoReport v2-style request.
    pub async fn open311_requests(&self, ctx: &Ctx) -> Result<Vec<Open311Request>> {
        let rows = self.case_register(ctx).await?;
        let office: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE key = 'doc.office'")
                .fetch_optional(self.db.pool())
                .await?;
        Ok(export::open311(
            &rows,
            office.as_deref().unwrap_or("网络问政工作办公室"),
        ))
    }
}

/// A document number issued for a case (书面反馈, 交办通知单 …), as registered.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct IssuedRecord {
    /// 文号.
    pub number: String,
    /// `feedback`, `notice`, `urge` or `brief`.
    pub kind: String,
    /// Chinese name of the kind.
    pub kind_name: String,
    /// When it was issued.
    pub created_at: String,
}

/// What a closed case's dossier (案卷) holds: the case with its whole record, the
/// document numbers issued for it, and the organ that keeps the archive.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dossier {
    /// The case, its timeline, replies, feedbacks, attachments …
    pub detail: crate::view::CaseDetail,
    /// Documents issued for it, oldest first.
    pub documents: Vec<IssuedRecord>,
    /// 网络问政工作办公室 as set in the document settings.
    pub office: String,
}

impl Service {
    /// The dossier of a closed or archived case (roles that see every case).
    pub async fn case_dossier(&self, ctx: &Ctx, key: &str) -> Result<Dossier> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        let detail = self.case_detail(ctx, key).await?;
        let status: CaseStatus = detail.case.status.parse()?;
        if !matches!(status, CaseStatus::Closed | CaseStatus::Archived) {
            return Err(Error::IllegalStep(format!(
                "案件 {} 目前为“{}”，办结或归档后才能生成案卷",
                detail.case.number,
                status.label()
            )));
        }
        let rows: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT number, kind, created_at FROM documents WHERE case_id = $1 ORDER BY id",
        )
        .bind(detail.case.id)
        .fetch_all(self.db.pool())
        .await?;
        let documents = rows
            .into_iter()
            .map(|(number, kind, created_at)| IssuedRecord {
                kind_name: doc_kind_name(&kind).to_string(),
                number,
                kind,
                created_at,
            })
            .collect();
        let office = self.doc_settings().await?.office;
        Ok(Dossier {
            detail,
            documents,
            office,
        })
    }

    /// The numbers of the cases archived in `year` (by the date they were closed), oldest
    /// first: what the yearly archive export holds.
    pub async fn archived_cases(&self, ctx: &Ctx, year: i32) -> Result<Vec<String>> {
        auth::require(ctx.actor.role, Permission::ViewAll)?;
        if !(2000..=2100).contains(&year) {
            return Err(Error::Invalid(format!("年份“{year}”无效")));
        }
        Ok(sqlx::query_scalar(
            "SELECT number FROM cases WHERE status = 'archived' AND closed_at >= $1 AND closed_at < $2
             ORDER BY closed_at, id",
        )
        .bind(format!("{year}-01-01"))
        .bind(format!("{}-01-01", year + 1))
        .fetch_all(self.db.pool())
        .await?)
    }
}

fn doc_kind_name(code: &str) -> &'static str {
    match code {
        "feedback" => "书面反馈",
        "notice" => "交办通知单",
        "urge" => "催办通知单",
        "brief" => "信息专报",
        "monthly" => "月报",
        _ => "文书",
    }
}
