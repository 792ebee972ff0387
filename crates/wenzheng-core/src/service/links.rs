//! Links between cases: 关联案件 (related, shown on both) and 重复件 (a duplicate closed
//! into its main case, with an event on both timelines). Both can be done at intake, in
//! the same transaction as the registration.

use serde_json::json;
use sqlx::{Any, AnyConnection, Transaction};

use super::cases::{insert_case, validate_new_case, NewCase};
use super::record::{active_units, event, load_calendar, load_case, save_case, CaseRow};
use super::{optional, CaseRef, Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::WorkCalendar;
use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::model::ReplyKind;
use crate::view::{CaseLinkView, CaseView};
use crate::workflow::{self, Step};

/// How a case being registered is tied to an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMode {
    /// 关联案件.
    Link,
    /// 合并为重复件 of the existing case.
    Merge,
}

/// What the duplicate's citizen is told when nothing else is written.
pub fn merge_reply_text(main_number: &str) -> String {
    format!("您反映的问题与案件 {main_number} 反映的问题相同，已合并办理，办理结果将一并答复。")
}

impl Service {
    /// Links two cases as related (关联案件); an event on both timelines. Returns `a`,
    /// refused with a conflict when `a` is no longer at the version the user saw.
    pub async fn link_cases(
        &self,
        ctx: &Ctx,
        a: impl Into<CaseRef<'_>>,
        b: &str,
        note: Option<&str>,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Link)?;
        let note = optional("关联说明", note, 500)?;
        let a = a.into();
        let mut tx = self.db.write().await?;
        let first = load_case(&mut tx, a.key).await?;
        super::version::check(&mut tx, &first, a.expected_version).await?;
        let second = load_case(&mut tx, b).await?;
        link_in(&mut tx, ctx, &first, &second, note.as_deref()).await?;
        finish(tx, ctx, first.id).await
    }

    /// Marks `dup` as a duplicate (重复件) of `main` and closes it: the duplicate's citizen
    /// is told `reply` (default: [`merge_reply_text`]); an event on both timelines. Refused
    /// with a conflict when `dup` is no longer at the version the user saw.
    pub async fn merge_case(
        &self,
        ctx: &Ctx,
        dup: impl Into<CaseRef<'_>>,
        main: &str,
        reply: Option<&str>,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Link)?;
        let reply = optional("告知网民的答复", reply, 2_000)?;
        let dup = dup.into();
        let mut tx = self.db.write().await?;
        let dup_row = load_case(&mut tx, dup.key).await?;
        super::version::check(&mut tx, &dup_row, dup.expected_version).await?;
        let main_row = load_case(&mut tx, main).await?;
        let calendar = load_calendar(&mut tx).await?;
        merge_in(&mut tx, ctx, &calendar, dup_row.clone(), &main_row, reply).await?;
        finish(tx, ctx, dup_row.id).await
    }

    /// Registers a message and, in the same transaction, links it to the existing case
    /// `other` or merges it into that case as a duplicate. Returns the new case.
    pub async fn register_linked(
        &self,
        ctx: &Ctx,
        input: NewCase,
        other: &str,
        mode: LinkMode,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Register)?;
        auth::require(ctx.actor.role, Permission::Link)?;
        let valid = validate_new_case(ctx, input)?;
        let mut tx = self.db.write().await?;
        let existing = load_case(&mut tx, other).await?;
        let calendar = load_calendar(&mut tx).await?;
        let id = insert_case(&mut tx, ctx, &calendar, &valid, None).await?;
        let new = load_case(&mut tx, &id.to_string()).await?;
        match mode {
            LinkMode::Link => link_in(&mut tx, ctx, &new, &existing, None).await?,
            LinkMode::Merge => merge_in(&mut tx, ctx, &calendar, new, &existing, None).await?,
        }
        finish(tx, ctx, id).await
    }
}

async fn finish(mut tx: Transaction<'static, Any>, ctx: &Ctx, id: i64) -> Result<CaseView> {
    let row = load_case(&mut tx, &id.to_string()).await?;
    let calendar = load_calendar(&mut tx).await?;
    let units = active_units(&mut tx, id).await?;
    tx.commit().await?;
    row.view(&calendar, ctx, units)
}

async fn existing_link(
    conn: &mut AnyConnection,
    a: i64,
    b: i64,
) -> Result<Option<(i64, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, case_id, kind FROM case_links
         WHERE (case_id = $1 AND other_id = $2) OR (case_id = $2 AND other_id = $1)",
    )
    .bind(a)
    .bind(b)
    .fetch_optional(&mut *conn)
    .await?)
}

async fn link_in(
    tx: &mut Transaction<'static, Any>,
    ctx: &Ctx,
    a: &CaseRow,
    b: &CaseRow,
    note: Option<&str>,
) -> Result<()> {
    if a.id == b.id {
        return Err(Error::Invalid(format!(
            "不能把案件 {} 与它自己关联",
            a.number
        )));
    }
    if let Some((_, _, kind)) = existing_link(tx, a.id, b.id).await? {
        let what = if kind == "duplicate" {
            "已有重复件关系"
        } else {
            "已经关联"
        };
        return Err(Error::Invalid(format!(
            "案件 {} 与 {} {what}",
            a.number, b.number
        )));
    }
    sqlx::query(
        "INSERT INTO case_links (case_id, other_id, kind, note, created_at, created_by)
         VALUES ($1, $2, 'related', $3, $4, $5)",
    )
    .bind(a.id)
    .bind(b.id)
    .bind(note)
    .bind(format_instant(&ctx.now))
    .bind(ctx.actor.id)
    .execute(&mut **tx)
    .await?;
    let tail = note.map(|n| format!("：{n}")).unwrap_or_default();
    for (this, other) in [(a, b), (b, a)] {
        event(
            tx,
            ctx,
            Some(this.id),
            "link",
            &format!("关联案件 {}{tail}", other.number),
            None,
            Some(json!({ "other": other.number, "note": note })),
        )
        .await?;
    }
    Ok(())
}

async fn merge_in(
    tx: &mut Transaction<'static, Any>,
    ctx: &Ctx,
    calendar: &WorkCalendar,
    mut dup: CaseRow,
    main: &CaseRow,
    reply: Option<String>,
) -> Result<()> {
    if dup.id == main.id {
        return Err(Error::Invalid(format!(
            "不能把案件 {} 合并到它自己",
            dup.number
        )));
    }
    let status = dup.status()?;
    let units = active_units(tx, dup.id).await?;
    let next = workflow::next(status, Step::Merge, units.len())
        .map_err(|e| Error::IllegalStep(format!("{}：{e}", dup.number)))?;
    let main_of_main: Option<String> = sqlx::query_scalar(
        "SELECT c.number FROM case_links l JOIN cases c ON c.id = l.other_id
         WHERE l.case_id = $1 AND l.kind = 'duplicate'",
    )
    .bind(main.id)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(root) = main_of_main {
        return Err(Error::Invalid(format!(
            "案件 {} 本身是 {root} 的重复件，请合并到 {root}",
            main.number
        )));
    }
    let dups_of_dup: Vec<String> = sqlx::query_scalar(
        "SELECT c.number FROM case_links l JOIN cases c ON c.id = l.case_id
         WHERE l.other_id = $1 AND l.kind = 'duplicate' ORDER BY c.id",
    )
    .bind(dup.id)
    .fetch_all(&mut **tx)
    .await?;
    if !dups_of_dup.is_empty() {
        return Err(Error::Invalid(format!(
            "案件 {} 已有重复件 {}，不能再作为重复件合并",
            dup.number,
            dups_of_dup.join("、")
        )));
    }
    match existing_link(tx, dup.id, main.id).await? {
        Some((_, _, kind)) if kind == "duplicate" => {
            return Err(Error::Invalid(format!(
                "案件 {} 与 {} 已有重复件关系",
                dup.number, main.number
            )))
        }
        // A related link becomes the duplicate link, pointing from the duplicate.
        Some((id, _, _)) => {
            sqlx::query(
                "UPDATE case_links SET case_id = $1, other_id = $2, kind = 'duplicate' WHERE id = $3",
            )
            .bind(dup.id)
            .bind(main.id)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        }
        None => {
            sqlx::query(
                "INSERT INTO case_links (case_id, other_id, kind, created_at, created_by)
                 VALUES ($1, $2, 'duplicate', $3, $4)",
            )
            .bind(dup.id)
            .bind(main.id)
            .bind(format_instant(&ctx.now))
            .bind(ctx.actor.id)
            .execute(&mut **tx)
            .await?;
        }
    }
    let text = reply.unwrap_or_else(|| merge_reply_text(&main.number));
    let now = format_instant(&ctx.now);
    sqlx::query(
        "INSERT INTO replies (case_id, kind, text, published_at, created_at, created_by)
         VALUES ($1, $2, $3, NULL, $4, $5)",
    )
    .bind(dup.id)
    .bind(ReplyKind::Final.code())
    .bind(&text)
    .bind(&now)
    .bind(ctx.actor.id)
    .execute(&mut **tx)
    .await?;
    let result = format!("重复件，已并入案件 {}", main.number);
    dup.replied_at = Some(now.clone());
    dup.closed_at = Some(now);
    dup.result = Some(result.clone());
    let deadlines = dup.deadlines(calendar, units.len())?;
    save_case(tx, &dup, next, &deadlines).await?;
    event(
        tx,
        ctx,
        Some(main.id),
        "merge_in",
        &format!("重复件 {} 并入本案件：{}", dup.number, dup.title),
        None,
        Some(json!({ "duplicate": dup.number })),
    )
    .await?;
    event(
        tx,
        ctx,
        Some(dup.id),
        "merge",
        &format!("合并为重复件，主件 {}；告知网民：{text}", main.number),
        Some(json!({ "status": status.code() })),
        Some(
            json!({ "status": next.code(), "main": main.number, "reply": text, "result": result }),
        ),
    )
    .await?;
    Ok(())
}

/// When a duplicate is handled again (重新办理, or 回访 不满意), it is no longer closed into
/// its main case: the duplicate link becomes a plain 关联. Returns the main case's number.
pub(super) async fn undo_duplicate(
    tx: &mut Transaction<'static, Any>,
    case_id: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "UPDATE case_links SET kind = 'related' WHERE case_id = $1 AND kind = 'duplicate'
         RETURNING (SELECT number FROM cases WHERE id = other_id)",
    )
    .bind(case_id)
    .fetch_optional(&mut **tx)
    .await?)
}

/// The cases linked to `case_id`, both directions, oldest link first.
pub(super) async fn links_of(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<CaseLinkView>> {
    Ok(sqlx::query_as(
        "SELECT CASE WHEN l.kind = 'related' THEN 'related'
                     WHEN l.case_id = $1 THEN 'duplicate_of' ELSE 'duplicate' END AS kind,
                CASE WHEN l.kind = 'related' THEN '关联案件'
                     WHEN l.case_id = $1 THEN '主件' ELSE '重复件' END AS kind_name,
                c.id, c.number, c.title, c.status, l.note, l.created_at
         FROM case_links l
         JOIN cases c ON c.id = CASE WHEN l.case_id = $1 THEN l.other_id ELSE l.case_id END
         WHERE l.case_id = $1 OR l.other_id = $1
         ORDER BY l.id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?)
}
