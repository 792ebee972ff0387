//! 回复模板 (reply templates) a clerk starts a reply from, and switching a handling unit
//! on or off. Each change is one transaction with an event.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::record::event;
use super::{required, Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::model::ReplyKind;

/// A reply template as entered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewTemplate {
    /// Name (unique).
    pub name: String,
    /// For which reply: `acknowledgment`, `interim` or `final` (or the Chinese name).
    pub kind: String,
    /// The text.
    pub text: String,
}

/// A reply template.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TemplateView {
    /// Template id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// `acknowledgment`, `interim` or `final`.
    pub kind: String,
    /// The kind in Chinese.
    pub kind_name: String,
    /// The text.
    pub text: String,
    /// When last changed.
    pub updated_at: String,
}

type Row = (i64, String, String, String, String);

fn view((id, name, kind, text, updated_at): Row) -> Result<TemplateView> {
    let k: ReplyKind = kind.parse()?;
    Ok(TemplateView {
        id,
        name,
        kind: k.code().into(),
        kind_name: k.label().into(),
        text,
        updated_at,
    })
}

struct Checked {
    name: String,
    kind: ReplyKind,
    text: String,
}

fn check(input: &NewTemplate) -> Result<Checked> {
    Ok(Checked {
        name: required("模板名称", &input.name, 50)?,
        kind: required("模板用途", &input.kind, 20)?.parse()?,
        text: required("模板内容", &input.text, 10_000)?,
    })
}

impl Service {
    /// The reply templates, by kind then name.
    pub async fn list_templates(&self) -> Result<Vec<TemplateView>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, kind, text, updated_at FROM reply_templates
             ORDER BY CASE kind WHEN 'acknowledgment' THEN 0 WHEN 'interim' THEN 1 ELSE 2 END, name",
        )
        .fetch_all(self.db.pool())
        .await?;
        rows.into_iter().map(view).collect()
    }

    /// Adds a template (users who may reply).
    pub async fn add_template(&self, ctx: &Ctx, input: &NewTemplate) -> Result<TemplateView> {
        auth::require(ctx.actor.role, Permission::Reply)?;
        let t = check(input)?;
        let mut tx = self.db.write().await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM reply_templates WHERE name = $1")
                .bind(&t.name)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(Error::Invalid(format!("模板“{}”已存在", t.name)));
        }
        let now = format_instant(&ctx.now);
        let row: Row = sqlx::query_as(
            "INSERT INTO reply_templates (name, kind, text, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id, name, kind, text, updated_at",
        )
        .bind(&t.name)
        .bind(t.kind.code())
        .bind(&t.text)
        .bind(&now)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await?;
        let summary = format!("添加回复模板“{}”", t.name);
        let after = json!({ "id": row.0, "name": t.name, "kind": t.kind.code() });
        event(
            &mut tx,
            ctx,
            None,
            "template_add",
            &summary,
            None,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        view(row)
    }

    /// Changes a template's name, kind or text.
    pub async fn update_template(
        &self,
        ctx: &Ctx,
        id: i64,
        input: &NewTemplate,
    ) -> Result<TemplateView> {
        auth::require(ctx.actor.role, Permission::Reply)?;
        let t = check(input)?;
        let mut tx = self.db.write().await?;
        let old: Option<Row> = sqlx::query_as(
            "SELECT id, name, kind, text, updated_at FROM reply_templates WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let old = old.ok_or_else(|| Error::NotFound(format!("回复模板 {id} 不存在")))?;
        let clash: Option<i64> =
            sqlx::query_scalar("SELECT id FROM reply_templates WHERE name = $1 AND id <> $2")
                .bind(&t.name)
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        if clash.is_some() {
            return Err(Error::Invalid(format!("模板“{}”已存在", t.name)));
        }
        let row: Row = sqlx::query_as(
            "UPDATE reply_templates SET name = $1, kind = $2, text = $3, updated_at = $4
             WHERE id = $5 RETURNING id, name, kind, text, updated_at",
        )
        .bind(&t.name)
        .bind(t.kind.code())
        .bind(&t.text)
        .bind(format_instant(&ctx.now))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        let summary = format!("修改回复模板“{}”", t.name);
        let before = json!({ "name": old.1, "kind": old.2, "text": old.3 });
        let after = json!({ "name": t.name, "kind": t.kind.code(), "text": t.text });
        event(
            &mut tx,
            ctx,
            None,
            "template_update",
            &summary,
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        view(row)
    }

    /// Deletes a template.
    pub async fn delete_template(&self, ctx: &Ctx, id: i64) -> Result<()> {
        auth::require(ctx.actor.role, Permission::Reply)?;
        let mut tx = self.db.write().await?;
        let old: Option<Row> = sqlx::query_as(
            "DELETE FROM reply_templates WHERE id = $1 RETURNING id, name, kind, text, updated_at",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let old = old.ok_or_else(|| Error::NotFound(format!("回复模板 {id} 不存在")))?;
        let summary = format!("删除回复模板“{}”", old.1);
        let before = json!({ "name": old.1, "kind": old.2, "text": old.3 });
        event(
            &mut tx,
            ctx,
            None,
            "template_delete",
            &summary,
            Some(before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
