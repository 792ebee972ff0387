//! Registering, reading and listing cases.

use crate::sql::Sql;
use chrono::{Datelike, Duration};
use serde::Deserialize;
use serde_json::json;

use super::record::{active_units, event, load_case, CaseRow};
use super::{optional, required, Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::{format_instant, parse_local};
use crate::deadline;
use crate::error::{Error, Result};
use crate::model::{CaseStatus, Category, Complexity, Role};
use crate::view::{
    AssignedUnit, AssignmentView, AttachmentView, CaseDetail, CaseView, EventView, ExtensionView,
    FeedbackView, FollowupView, InstructionView, ProgressView, ReplyView, UrgingView,
};

/// A citizen's message to register as a case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewCase {
    /// Title (required).
    pub title: String,
    /// Text of the message (required).
    pub content: String,
    /// When it was posted, as typed (`2026-02-13 10:00`); default: now.
    pub received_at: Option<String>,
    /// Category, code or Chinese name; default 个人诉求.
    pub category: Option<String>,
    /// Platform or site; default 网络问政平台.
    pub source: Option<String>,
    /// Link to the message (http or https).
    pub link: Option<String>,
    /// The poster's screen name.
    pub poster: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// 重要信息.
    pub important: bool,
    /// 敏感信息.
    pub sensitive: bool,
    /// 复杂问题 (15 working days).
    pub complex: bool,
}

/// Which cases to list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListFilter {
    /// Only this status (code or Chinese name).
    pub status: Option<String>,
    /// Only overdue cases (acknowledgment or reply).
    pub overdue: bool,
    /// Only cases currently assigned to this unit (name).
    pub unit: Option<String>,
    /// At most this many (default 200, at most 1000), newest first.
    pub limit: Option<u32>,
}

/// The default platform name.
pub const DEFAULT_SOURCE: &str = "网络问政平台";

fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
}

impl Service {
    /// Registers a message as a new case (待受理) with its deadlines and case number.
    pub async fn register(&self, ctx: &Ctx, input: NewCase) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Register)?;
        let valid = validate_new_case(ctx, input)?;
        let mut tx = self.db.write().await?;
        let calendar = self.work_calendar(&mut tx).await?;
        let id = insert_case(&mut tx, ctx, &calendar, &valid, None).await?;
        let row = load_case(&mut tx, &id.to_string()).await?;
        tx.commit().await?;
        row.view(&calendar, ctx, Vec::new())
    }
}

/// A [`NewCase`] whose fields passed validation.
#[derive(Debug, Clone)]
pub(crate) struct ValidCase {
    pub title: String,
    pub content: String,
    pub source: String,
    pub link: Option<String>,
    pub poster: Option<String>,
    pub phone: Option<String>,
    pub category: Category,
    pub received: chrono::DateTime<chrono::FixedOffset>,
    pub important: bool,
    pub sensitive: bool,
    pub complex: bool,
}

/// How far after the registration a case's 收到时间 may be (another PC's clock running a
/// little ahead), in minutes. The monthly report relies on it: a case received this long
/// after a cutoff was registered after it.
pub const RECEIVED_AHEAD_MINUTES: i64 = 5;

/// Checks a new case's fields, or says in Chinese what is wrong.
pub(crate) fn validate_new_case(ctx: &Ctx, input: NewCase) -> Result<ValidCase> {
    let title = required("标题", &input.title, 200)?;
    let content = required("留言内容", &input.content, 20_000)?;
    let source = optional("来源平台", input.source.as_deref(), 100)?
        .unwrap_or_else(|| DEFAULT_SOURCE.to_string());
    let link = optional("链接", input.link.as_deref(), 2_000)?;
    if let Some(l) = &link {
        if !(l.starts_with("http://") || l.starts_with("https://")) {
            return Err(Error::Invalid(format!(
                "链接“{l}”不是网址，应以 http:// 或 https:// 开头"
            )));
        }
    }
    let poster = optional("网民昵称", input.poster.as_deref(), 100)?;
    let phone = optional("联系电话", input.phone.as_deref(), 40)?;
    if let Some(p) = &phone {
        if !valid_phone(p) {
            return Err(Error::Invalid(format!(
                "联系电话“{p}”格式不正确，应为 5–20 位数字，可含 + - 空格和括号"
            )));
        }
    }
    let category = match optional("问题类别", input.category.as_deref(), 20)? {
        Some(c) => c.parse::<Category>()?,
        None => Category::Personal,
    };
    let received = match optional("收到时间", input.received_at.as_deref(), 40)? {
        Some(t) => parse_local(&t)?,
        None => ctx.now,
    };
    if received > ctx.now + Duration::minutes(RECEIVED_AHEAD_MINUTES) {
        return Err(Error::Invalid(format!(
            "收到时间 {} 晚于当前时间 {}",
            format_instant(&received),
            format_instant(&ctx.now)
        )));
    }
    if received.year() < 2000 {
        return Err(Error::Invalid("收到时间早于 2000 年，请检查".into()));
    }
    Ok(ValidCase {
        title,
        content,
        source,
        link,
        poster,
        phone,
        category,
        received,
        important: input.important,
        sensitive: input.sensitive,
        complex: input.complex,
    })
}

/// Inserts a validated case inside `tx` with its number, deadlines and `register` event;
/// `summary` replaces the event's default summary. Returns the new id.
pub(crate) async fn insert_case(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    ctx: &Ctx,
    calendar: &crate::calendar::WorkCalendar,
    v: &ValidCase,
    summary: Option<&str>,
) -> Result<i64> {
    let ValidCase {
        title,
        content,
        source,
        link,
        poster,
        phone,
        category,
        received,
        ..
    } = v;
    let (category, received) = (*category, *received);
    let complexity = if v.complex {
        Complexity::Complex
    } else {
        Complexity::Ordinary
    };
    let deadlines = deadline::compute(
        calendar,
        received,
        ctx.now,
        deadline::reply_period(v.complex, 0),
    );
    let year = ctx.now.year();
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO counters (name, year, value) VALUES ('case', $1, 1)
             ON CONFLICT (name, year) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(year)
    .fetch_one(&mut **tx)
    .await?;
    let number = format!("WZ-{year}-{seq:06}");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO cases (number, source, link, poster, phone, title, content, category,
                important, sensitive, complexity, status, received_at, registered_at,
                registered_by, ack_due, reply_due, working_days, calendar_complete)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id",
    )
    .bind(&number)
    .bind(source)
    .bind(link)
    .bind(poster)
    .bind(phone)
    .bind(title)
    .bind(content)
    .bind(category.label())
    .bind(i64::from(v.important))
    .bind(i64::from(v.sensitive))
    .bind(complexity.code())
    .bind(CaseStatus::Pending.code())
    .bind(format_instant(&received))
    .bind(format_instant(&ctx.now))
    .bind(ctx.actor.id)
    .bind(format_instant(&deadlines.ack_due))
    .bind(deadlines.reply_due.format("%Y-%m-%d").to_string())
    .bind(i64::from(deadlines.working_days))
    .bind(i64::from(deadlines.calendar_complete))
    .fetch_one(&mut **tx)
    .await?;
    let after = json!({
        "number": number, "title": title, "category": category.label(),
        "source": source, "status": CaseStatus::Pending.code(),
        "received_at": format_instant(&received), "reply_due": deadlines.reply_due.to_string(),
        "important": v.important, "sensitive": v.sensitive,
        "complexity": complexity.code(),
    });
    let summary = match summary {
        Some(s) => format!("{s} {number}"),
        None => format!("登记案件 {number}"),
    };
    event(tx, ctx, Some(id), "register", &summary, None, Some(after)).await?;
    Ok(id)
}

impl Service {
    /// One case with everything recorded about it; `key` is the id or the case number.
    pub async fn case_detail(&self, ctx: &Ctx, key: &str) -> Result<CaseDetail> {
        let mut conn = self.db.pool().acquire().await?;
        let row = load_case(&mut conn, key).await?;
        let id = row.id;
        may_see(&mut conn, ctx, &row).await?;
        let calendar = self.work_calendar(&mut conn).await?;
        let units = active_units(&mut conn, id).await?;
        let case = row.view(&calendar, ctx, units)?;
        // Links name other cases: only for those who may see every case.
        let links = if auth::allows(ctx.actor.role, Permission::ViewAll) {
            super::links::links_of(&mut conn, id).await?
        } else {
            Vec::new()
        };
        macro_rules! rows {
            ($ty:ty, $sql:literal) => {
                sqlx::query_as::<_, $ty>($sql)
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?
            };
        }
        Ok(CaseDetail {
            case,
            assignments: rows!(AssignmentView,
                "SELECT a.id, u.name AS unit, a.role, a.requirements, a.assigned_at, a.returned_at,
                        a.return_reason
                 FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.case_id = $1 ORDER BY a.id"),
            instructions: rows!(InstructionView,
                "SELECT id, leader, text, created_at FROM instructions WHERE case_id = $1 ORDER BY id"),
            urgings: rows!(UrgingView,
                "SELECT g.id, u.name AS unit, g.level, g.text, g.created_at
                 FROM urgings g JOIN units u ON u.id = g.unit_id WHERE g.case_id = $1 ORDER BY g.id"),
            progress: rows!(ProgressView,
                "SELECT p.id, u.name AS unit, p.text, p.created_at
                 FROM progress_reports p JOIN units u ON u.id = p.unit_id WHERE p.case_id = $1 ORDER BY p.id"),
            replies: rows!(ReplyView,
                "SELECT id, kind, text, published_at, created_at FROM replies WHERE case_id = $1 ORDER BY id"),
            feedbacks: rows!(FeedbackView,
                "SELECT id, seq, recipients, reply_id, created_at FROM feedbacks WHERE case_id = $1 ORDER BY seq"),
            extensions: rows!(ExtensionView,
                "SELECT e.id, e.days, e.reason, u.display_name AS approved_by, e.created_at
                 FROM extensions e JOIN users u ON u.id = e.approved_by WHERE e.case_id = $1 ORDER BY e.id"),
            attachments: rows!(
                AttachmentView,
                "SELECT id, file_name, sha256, size, created_at FROM attachments WHERE case_id = $1 ORDER BY id"
            ),
            followups: rows!(
                FollowupView,
                "SELECT id, satisfaction, note, created_at FROM followups WHERE case_id = $1 ORDER BY id"
            ),
            events: rows!(EventView,
                "SELECT e.id, e.case_id, u.display_name AS actor, e.at, e.kind, e.summary, e.before, e.after
                 FROM events e JOIN users u ON u.id = e.actor_id WHERE e.case_id = $1 ORDER BY e.id"),
            links,
        })
    }

    /// One case as listed.
    pub async fn case(&self, ctx: &Ctx, key: &str) -> Result<CaseView> {
        let mut conn = self.db.pool().acquire().await?;
        let row = load_case(&mut conn, key).await?;
        may_see(&mut conn, ctx, &row).await?;
        let calendar = self.work_calendar(&mut conn).await?;
        let units = active_units(&mut conn, row.id).await?;
        row.view(&calendar, ctx, units)
    }

    /// Cases matching `filter`, newest first.
    pub async fn list_cases(&self, ctx: &Ctx, filter: &ListFilter) -> Result<Vec<CaseView>> {
        let status = filter
            .status
            .as_deref()
            .map(str::parse::<CaseStatus>)
            .transpose()?;
        let limit = filter.limit.unwrap_or(200).clamp(1, 1000);
        let mut q: Sql = Sql::new("SELECT * FROM cases c WHERE 1 = 1");
        if !auth::allows(ctx.actor.role, Permission::ViewAll) {
            let own = match (ctx.actor.role, ctx.actor.unit_id) {
                (Role::Unit, Some(unit)) => unit,
                _ => {
                    return Err(Error::Forbidden(format!(
                        "您的角色是“{}”，无权查看案件列表",
                        ctx.actor.role.label()
                    )))
                }
            };
            q.push(
                " AND EXISTS (SELECT 1 FROM assignments a WHERE a.case_id = c.id
                   AND a.returned_at IS NULL AND a.unit_id = ",
            )
            .push_bind(own)
            .push(")");
        }
        if let Some(s) = status {
            q.push(" AND c.status = ").push_bind(s.code());
        }
        if filter.overdue {
            let open: Vec<&str> = CaseStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.code())
                .collect();
            q.push(" AND c.status IN (").push_list(open, ", ");
            q.push(") AND (c.reply_due < ")
                .push_bind(ctx.now.date_naive().format("%Y-%m-%d").to_string())
                .push(" OR (c.status = 'pending' AND c.ack_due < ")
                .push_bind(format_instant(&ctx.now))
                .push("))");
        }
        if let Some(unit) = filter
            .unit
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        {
            q.push(
                " AND EXISTS (SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id
                   WHERE a.case_id = c.id AND a.returned_at IS NULL AND u.name = ",
            )
            .push_bind(unit.to_string())
            .push(")");
        }
        q.push(" ORDER BY c.id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let mut conn = self.db.pool().acquire().await?;
        let rows: Vec<CaseRow> = q.build_query_as().fetch_all(&mut *conn).await?;
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

impl Service {
    /// A case's contact phone in full (users allowed to see personal information);
    /// each reveal is logged.
    pub async fn reveal_phone(&self, ctx: &Ctx, key: &str) -> Result<Option<String>> {
        auth::require(ctx.actor.role, Permission::RevealPersonal)?;
        let mut tx = self.db.write().await?;
        let row = load_case(&mut tx, key).await?;
        if row.phone.is_some() {
            let summary = format!("查看案件 {} 的完整联系电话", row.number);
            event(
                &mut tx,
                ctx,
                Some(row.id),
                "reveal_phone",
                &summary,
                None,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(row.phone)
    }
}

/// Refuses a unit handler a case that is not assigned to its unit.
pub(super) async fn may_see(
    conn: &mut sqlx::AnyConnection,
    ctx: &Ctx,
    row: &CaseRow,
) -> Result<()> {
    if auth::allows(ctx.actor.role, Permission::ViewAll) {
        return Ok(());
    }
    let units = active_units(conn, row.id).await?;
    if ctx.actor.role == Role::Unit && units.iter().any(|u| Some(u.unit_id) == ctx.actor.unit_id) {
        return Ok(());
    }
    Err(Error::Forbidden(format!("您无权查看案件 {}", row.number)))
}

/// The active units of several cases at once.
pub(super) async fn units_of(
    conn: &mut sqlx::AnyConnection,
    ids: impl Iterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, Vec<AssignedUnit>>> {
    let ids: Vec<i64> = ids.collect();
    let mut map: std::collections::HashMap<i64, Vec<AssignedUnit>> = Default::default();
    if ids.is_empty() {
        return Ok(map);
    }
    let mut q: Sql = Sql::new(
        "SELECT a.case_id, a.unit_id, u.name AS unit, a.role FROM assignments a
         JOIN units u ON u.id = a.unit_id WHERE a.returned_at IS NULL AND a.case_id IN (",
    );
    q.push_list(ids.iter().copied(), ", ");
    q.push(") ORDER BY a.role = 'assist', a.id");
    let rows: Vec<(i64, i64, String, String)> = q.build_query_as().fetch_all(&mut *conn).await?;
    for (case_id, unit_id, unit, role) in rows {
        map.entry(case_id).or_default().push(AssignedUnit {
            unit_id,
            unit,
            role,
        });
    }
    Ok(map)
}
