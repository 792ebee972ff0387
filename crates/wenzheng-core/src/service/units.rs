//! Handling units (承办单位).

use serde_json::json;

use super::record::event;
use super::{required, Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::view::UnitView;

impl Service {
    /// Adds a handling unit; names are unique.
    pub async fn add_unit(&self, ctx: &Ctx, name: &str) -> Result<UnitView> {
        auth::require(ctx.actor.role, Permission::ManageUnits)?;
        let name = required("单位名称", name, 100)?;
        let mut tx = self.db.write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(Error::Invalid(format!("承办单位“{name}”已存在")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO units (name, active, created_at) VALUES ($1, 1, $2) RETURNING id",
        )
        .bind(&name)
        .bind(format_instant(&ctx.now))
        .fetch_one(&mut *tx)
        .await?;
        event(
            &mut tx,
            ctx,
            None,
            "unit_add",
            &format!("添加承办单位{name}"),
            None,
            Some(json!({ "id": id, "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(UnitView {
            id,
            name,
            active: true,
        })
    }

    /// Renames a handling unit; its cases (old ones included) show the new name.
    pub async fn rename_unit(&self, ctx: &Ctx, id: i64, name: &str) -> Result<UnitView> {
        auth::require(ctx.actor.role, Permission::ManageUnits)?;
        let name = required("单位名称", name, 100)?;
        let mut tx = self.db.write().await?;
        let old: Option<String> = sqlx::query_scalar("SELECT name FROM units WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let old = old.ok_or_else(|| Error::NotFound(format!("承办单位 {id} 不存在")))?;
        if old == name {
            return Err(Error::Invalid(format!(
                "承办单位已叫“{name}”，名称没有变化"
            )));
        }
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(&name)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(Error::Invalid(format!("承办单位“{name}”已存在")));
        }
        let unit: UnitView =
            sqlx::query_as("UPDATE units SET name = $1 WHERE id = $2 RETURNING id, name, active")
                .bind(&name)
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        event(
            &mut tx,
            ctx,
            None,
            "unit_rename",
            &format!("承办单位“{old}”更名为“{name}”"),
            Some(json!({ "id": id, "name": old })),
            Some(json!({ "id": id, "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// Switches a handling unit on (assignable) or off (kept in the history and on the cases
    /// it holds, not assignable); refused when it is already so.
    pub async fn set_unit_active(&self, ctx: &Ctx, id: i64, active: bool) -> Result<UnitView> {
        auth::require(ctx.actor.role, Permission::ManageUnits)?;
        let mut tx = self.db.write().await?;
        let was: Option<(String, crate::sql::Flag)> =
            sqlx::query_as("SELECT name, active FROM units WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let (name, crate::sql::Flag(was_active)) =
            was.ok_or_else(|| Error::NotFound(format!("承办单位 {id} 不存在")))?;
        if was_active == active {
            return Err(Error::Invalid(format!(
                "承办单位“{name}”已{}",
                if active { "是启用状态" } else { "停用" }
            )));
        }
        let unit: UnitView =
            sqlx::query_as("UPDATE units SET active = $1 WHERE id = $2 RETURNING id, name, active")
                .bind(i64::from(active))
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let summary = format!(
            "{}承办单位{}",
            if active { "启用" } else { "停用" },
            unit.name
        );
        event(
            &mut tx,
            ctx,
            None,
            "unit_active",
            &summary,
            Some(json!({ "id": id, "active": !active })),
            Some(json!({ "id": id, "active": active })),
        )
        .await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// The id of the unit named `name`.
    pub async fn unit_id(&self, name: &str) -> Result<i64> {
        let name = name.trim();
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
            .bind(name)
            .fetch_optional(self.db.pool())
            .await?;
        id.ok_or_else(|| Error::NotFound(format!("承办单位“{name}”不存在")))
    }

    /// All units, by name.
    pub async fn list_units(&self) -> Result<Vec<UnitView>> {
        Ok(
            sqlx::query_as("SELECT id, name, active FROM units ORDER BY name")
                .fetch_all(self.db.pool())
                .await?,
        )
    }
}
