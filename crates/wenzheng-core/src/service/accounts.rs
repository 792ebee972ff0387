//! The administrator's changes to existing accounts: role and unit, disabling and
//! enabling. Each is one transaction and one event; the last active administrator can
//! be neither disabled nor given another role.

use serde::Deserialize;
use serde_json::json;

use super::record::event;
use super::{optional, Ctx, Service};
use crate::auth::{self, Permission};
use crate::error::{Error, Result};
use crate::model::Role;
use crate::view::UserView;

/// A change of an existing user's role (and, for a unit handler, unit).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserChange {
    /// Role code or Chinese name.
    pub role: String,
    /// For a unit handler: the unit's name; must be empty for the other roles.
    pub unit: Option<String>,
}

/// A user row as stored: id, display name, role code, unit id, active.
type Stored = (i64, String, String, Option<i64>, crate::sql::Flag);

async fn stored(conn: &mut sqlx::AnyConnection, login: &str) -> Result<Stored> {
    sqlx::query_as("SELECT id, display_name, role, unit_id, active FROM users WHERE login = $1")
        .bind(login)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("用户“{login}”不存在")))
}

/// Refuses when `user_id` is the only active administrator.
async fn keep_an_admin(conn: &mut sqlx::AnyConnection, user_id: i64, what: &str) -> Result<()> {
    let others: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id <> $1",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    if others == 0 {
        return Err(Error::Invalid(format!(
            "这是唯一启用的管理员账号，不能{what}；请先添加另一位管理员"
        )));
    }
    Ok(())
}

impl Service {
    /// Changes a user's role and unit (administrators only).
    pub async fn change_user(
        &self,
        ctx: &Ctx,
        login: &str,
        change: UserChange,
    ) -> Result<UserView> {
        auth::require(ctx.actor.role, Permission::ManageUsers)?;
        let login = login.trim();
        let role: Role = change.role.parse()?;
        let unit = optional("所属单位", change.unit.as_deref(), 100)?;
        let mut tx = self.db.write().await?;
        let (id, name, old_role, old_unit, crate::sql::Flag(active)) =
            stored(&mut tx, login).await?;
        let unit_id: Option<i64> = match (&unit, role) {
            (Some(u), Role::Unit) => Some(
                sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
                    .bind(u)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("承办单位“{u}”不存在")))?,
            ),
            (None, Role::Unit) => {
                return Err(Error::Invalid("承办单位用户必须指定所属单位".into()))
            }
            (Some(_), _) => return Err(Error::Invalid("只有承办单位用户才能指定所属单位".into())),
            (None, _) => None,
        };
        if old_role == "admin" && role != Role::Admin && active {
            keep_an_admin(&mut tx, id, "改为其他角色").await?;
        }
        if old_role == role.code() && old_unit == unit_id {
            return Err(Error::Invalid(format!("用户“{login}”的角色和单位没有变化")));
        }
        sqlx::query("UPDATE users SET role = $1, unit_id = $2 WHERE id = $3")
            .bind(role.code())
            .bind(unit_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        event(
            &mut tx,
            ctx,
            None,
            "user_change",
            &format!("用户{name}（{login}）的角色改为{}", role.label()),
            Some(json!({ "user_id": id, "role": old_role, "unit_id": old_unit })),
            Some(json!({ "user_id": id, "role": role.code(), "unit": unit })),
        )
        .await?;
        tx.commit().await?;
        Ok(UserView {
            id,
            login: login.into(),
            display_name: name,
            role: role.code().into(),
            role_name: role.label().into(),
            unit,
            active,
        })
    }

    /// Disables (`active = false`) or enables a user (administrators only). A disabled
    /// user cannot sign in; the history keeps their name.
    pub async fn set_user_active(&self, ctx: &Ctx, login: &str, active: bool) -> Result<()> {
        auth::require(ctx.actor.role, Permission::ManageUsers)?;
        let login = login.trim();
        let mut tx = self.db.write().await?;
        let (id, name, role, _, crate::sql::Flag(was)) = stored(&mut tx, login).await?;
        if was == active {
            let state = if active {
                "已是启用状态"
            } else {
                "已经停用"
            };
            return Err(Error::Invalid(format!("用户“{login}”{state}")));
        }
        if !active {
            if id == ctx.actor.id {
                return Err(Error::Invalid("不能停用自己正在使用的账号".into()));
            }
            if role == "admin" {
                keep_an_admin(&mut tx, id, "停用").await?;
            }
        }
        sqlx::query("UPDATE users SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let verb = if active { "启用" } else { "停用" };
        event(
            &mut tx,
            ctx,
            None,
            if active {
                "user_enable"
            } else {
                "user_disable"
            },
            &format!("{verb}用户{name}（{login}）"),
            Some(json!({ "user_id": id, "active": was })),
            Some(json!({ "user_id": id, "active": active })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
