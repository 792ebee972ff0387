//! Accounts: adding users with roles, setting passwords, signing in.

use chrono::{DateTime, FixedOffset};
use serde::Deserialize;
use serde_json::json;

use super::record::{event, put_setting};
use super::{optional, required, Actor, Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::model::Role;
use crate::view::UserView;

/// A user to add.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewUser {
    /// Login name: letters, digits, `.`, `_`, `-`.
    pub login: String,
    /// Name shown in the history, e.g. 王小明.
    pub display_name: String,
    /// Role code or Chinese name.
    pub role: String,
    /// For a unit handler: the unit's name.
    pub unit: Option<String>,
    /// Initial password (at least 8 characters); none: the user cannot sign in yet.
    pub password: Option<String>,
}

impl Service {
    /// Adds a user (administrators only).
    pub async fn add_user(&self, ctx: &Ctx, input: NewUser) -> Result<UserView> {
        auth::require(ctx.actor.role, Permission::ManageUsers)?;
        let login = required("登录名", &input.login, 32)?;
        if !login
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(Error::Invalid(format!(
                "登录名“{login}”只能由字母、数字和 . _ - 组成"
            )));
        }
        let display_name = required("姓名", &input.display_name, 50)?;
        let role: Role = input.role.parse()?;
        let unit = optional("所属单位", input.unit.as_deref(), 100)?;
        let hash = input
            .password
            .as_deref()
            .map(auth::hash_password)
            .transpose()?;
        let mut tx = self.db.write().await?;
        let unit_id: Option<i64> = match (&unit, role) {
            (Some(name), Role::Unit) => Some(
                sqlx::query_scalar("SELECT id FROM units WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| Error::NotFound(format!("承办单位“{name}”不存在")))?,
            ),
            (None, Role::Unit) => {
                return Err(Error::Invalid("承办单位用户必须指定所属单位".into()))
            }
            (Some(_), _) => return Err(Error::Invalid("只有承办单位用户才能指定所属单位".into())),
            (None, _) => None,
        };
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE login = $1")
            .bind(&login)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            return Err(Error::Invalid(format!("登录名“{login}”已被使用")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (login, display_name, role, unit_id, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(&login)
        .bind(&display_name)
        .bind(role.code())
        .bind(unit_id)
        .bind(&hash)
        .bind(format_instant(&ctx.now))
        .fetch_one(&mut *tx)
        .await?;
        let after = json!({ "id": id, "login": login, "display_name": display_name,
                            "role": role.code(), "unit": unit });
        event(
            &mut tx,
            ctx,
            None,
            "user_add",
            &format!("添加用户{display_name}（{}）", role.label()),
            None,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(UserView {
            id,
            login,
            display_name,
            role: role.code().into(),
            role_name: role.label().into(),
            unit,
            active: true,
        })
    }

    /// All users, by login.
    pub async fn list_users(&self, ctx: &Ctx) -> Result<Vec<UserView>> {
        auth::require(ctx.actor.role, Permission::ManageUsers)?;
        let rows: Vec<(
            i64,
            String,
            String,
            String,
            Option<String>,
            crate::sql::Flag,
        )> = sqlx::query_as(
            "SELECT u.id, u.login, u.display_name, u.role, n.name, u.active
             FROM users u LEFT JOIN units n ON n.id = u.unit_id ORDER BY u.login",
        )
        .fetch_all(self.db.pool())
        .await?;
        rows.into_iter()
            .map(
                |(id, login, display_name, role, unit, crate::sql::Flag(active))| {
                    let r: Role = role.parse()?;
                    Ok(UserView {
                        id,
                        login,
                        display_name,
                        role: r.code().into(),
                        role_name: r.label().into(),
                        unit,
                        active,
                    })
                },
            )
            .collect()
    }

    /// Sets a user's password: administrators for anyone, everyone for themselves.
    pub async fn set_password(&self, ctx: &Ctx, login: &str, password: &str) -> Result<()> {
        if ctx.actor.login != login.trim() {
            auth::require(ctx.actor.role, Permission::ManageUsers)?;
        }
        let hash = auth::hash_password(password)?;
        let mut tx = self.db.write().await?;
        let id: Option<i64> =
            sqlx::query_scalar("UPDATE users SET password_hash = $1 WHERE login = $2 RETURNING id")
                .bind(&hash)
                .bind(login.trim())
                .fetch_optional(&mut *tx)
                .await?;
        let id = id.ok_or_else(|| Error::NotFound(format!("用户“{}”不存在", login.trim())))?;
        event(
            &mut tx,
            ctx,
            None,
            "password_set",
            &format!("设置用户 {} 的密码", login.trim()),
            None,
            Some(json!({ "user_id": id })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether any administrator can sign in (the app asks for the administrator's
    /// password at the first start until one is set).
    pub async fn has_admin_password(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND password_hash IS NOT NULL",
        )
        .fetch_one(self.db.pool())
        .await?;
        Ok(n > 0)
    }

    /// Signs a user in: the actor when the password matches; the same message for an
    /// unknown login and a wrong password.
    pub async fn login(&self, login: &str, password: &str) -> Result<Actor> {
        let row: Option<(Option<String>, crate::sql::Flag)> =
            sqlx::query_as("SELECT password_hash, active FROM users WHERE login = $1")
                .bind(login.trim())
                .fetch_optional(self.db.pool())
                .await?;
        match row {
            Some((Some(hash), crate::sql::Flag(true)))
                if auth::verify_password(password, &hash) =>
            {
                self.actor(Some(login.trim())).await
            }
            _ => Err(Error::Forbidden("登录名或密码不正确".into())),
        }
    }
}

/// The setting that holds how many idle minutes lock the app's session.
const IDLE_MINUTES: &str = "session.idle_minutes";
/// Idle minutes when the setting is absent.
const DEFAULT_IDLE_MINUTES: u32 = 15;
/// The longest idle time an administrator may set (one working day).
const MAX_IDLE_MINUTES: u32 = 480;

impl Service {
    /// The first start: sets the built-in administrator's (`admin`) password, only while
    /// no administrator has one; returns the administrator, now signed in.
    pub async fn first_admin_password(
        &self,
        now: DateTime<FixedOffset>,
        password: &str,
    ) -> Result<Actor> {
        let hash = auth::hash_password(password)?;
        let actor = self.actor(None).await?;
        let mut tx = self.db.write().await?;
        let set: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND password_hash IS NOT NULL",
        )
        .fetch_one(&mut *tx)
        .await?;
        if set > 0 {
            return Err(Error::Forbidden(
                "管理员密码已经设置，请用管理员账号登录后修改".into(),
            ));
        }
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(&hash)
            .bind(actor.id)
            .execute(&mut *tx)
            .await?;
        let ctx = Ctx {
            actor: actor.clone(),
            now,
        };
        event(
            &mut tx,
            &ctx,
            None,
            "admin_setup",
            "首次启动：设置管理员密码",
            None,
            Some(json!({ "user_id": actor.id })),
        )
        .await?;
        tx.commit().await?;
        Ok(actor)
    }

    /// After how many idle minutes the app locks its session (anyone may read it: the app
    /// needs it before anyone signs in).
    pub async fn session_idle_minutes(&self) -> Result<u32> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(IDLE_MINUTES)
            .fetch_optional(self.db.pool())
            .await?;
        match value {
            None => Ok(DEFAULT_IDLE_MINUTES),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| Error::Corrupt(format!("设置项 {IDLE_MINUTES} 的值“{v}”不是正整数"))),
        }
    }

    /// Sets the idle minutes that lock the session, 1 to 480 (administrators only).
    pub async fn set_session_idle_minutes(&self, ctx: &Ctx, minutes: u32) -> Result<u32> {
        auth::require(ctx.actor.role, Permission::ManageUsers)?;
        if !(1..=MAX_IDLE_MINUTES).contains(&minutes) {
            return Err(Error::Invalid(format!(
                "自动锁定时间必须在 1 到 {MAX_IDLE_MINUTES} 分钟之间"
            )));
        }
        let before = self.session_idle_minutes().await?;
        let mut tx = self.db.write().await?;
        put_setting(&mut tx, ctx, IDLE_MINUTES, &minutes.to_string()).await?;
        event(
            &mut tx,
            ctx,
            None,
            "session_settings",
            &format!("自动锁定时间改为 {minutes} 分钟"),
            Some(json!({ "idle_minutes": before })),
            Some(json!({ "idle_minutes": minutes })),
        )
        .await?;
        tx.commit().await?;
        Ok(minutes)
    }
}
