//! The IPC commands of signing in and out, the first start's administrator password, and
//! the administrator's user list. Only these commands work while the app is locked
//! (`session`, `setup_admin`, `login`, `logout`); every other one asks [`AppState::ctx`].

use serde::Serialize;
use tauri::State;
use wenzheng_core::auth::{self, Permission};
use wenzheng_core::service::{NewUser, UserChange};
use wenzheng_core::view::UserView;
use wenzheng_core::Actor;

use crate::commands::CmdResult;
use crate::ipc_error::IpcError;
use crate::state::{AppState, Startup};

/// The signed-in user as the window shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UserInfo {
    /// Login name.
    pub login: String,
    /// Name shown in the header.
    pub display_name: String,
    /// Role code (`admin`, `clerk`, `leader`, `unit`).
    pub role: &'static str,
    /// Role in Chinese.
    pub role_name: &'static str,
    /// What the window may offer this user (`register`, `manage_users`, `backup`), from
    /// the core's role matrix: the window hides the rest (the core refuses it anyway).
    pub may: Vec<&'static str>,
}

/// The screens the window shows or hides, and the permission each needs.
const SCREENS: &[(&str, Permission)] = &[
    ("register", Permission::Register),
    ("manage_users", Permission::ManageUsers),
    ("backup", Permission::Backup),
];

impl From<&Actor> for UserInfo {
    fn from(a: &Actor) -> Self {
        UserInfo {
            login: a.login.clone(),
            display_name: a.display_name.clone(),
            role: a.role.code(),
            role_name: a.role.label(),
            may: SCREENS
                .iter()
                .filter(|(_, p)| auth::allows(a.role, *p))
                .map(|(name, _)| *name)
                .collect(),
        }
    }
}

/// What the window needs to know before showing anything.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    /// First start: no administrator has a password yet; the window asks for one.
    pub needs_setup: bool,
    /// Who is signed in; none: the window shows the login form.
    pub user: Option<UserInfo>,
    /// Minutes without a command after which the session locks.
    pub idle_minutes: u32,
    /// What the checks at start found.
    pub startup: Startup,
}

async fn view(state: &AppState) -> CmdResult<SessionView> {
    state.check_not_restored()?;
    Ok(SessionView {
        needs_setup: !state.service.has_admin_password().await?,
        user: state.current().as_ref().map(UserInfo::from),
        idle_minutes: state.service.session_idle_minutes().await?,
        startup: state.startup(),
    })
}

/// The session: whether setup is needed, who is signed in, the idle time, the start checks.
#[tauri::command]
pub async fn session(state: State<'_, AppState>) -> CmdResult<SessionView> {
    view(&state).await
}

/// Refuses signing in while the window runs in recovery mode, without its database, or
/// after a restore.
fn may_sign_in(state: &AppState) -> CmdResult<()> {
    state.check_not_restored()?;
    if state.in_recovery() {
        return Err(IpcError {
            code: "recovery",
            message: "数据库无法打开，请先从备份恢复".into(),
        });
    }
    if state.is_unavailable() {
        return Err(IpcError {
            code: "unavailable",
            message: "连不上数据库，请先检查本机的数据库设置".into(),
        });
    }
    Ok(())
}

/// First start: sets the administrator's password (refused once one is set) and signs
/// the administrator in.
#[tauri::command]
pub async fn setup_admin(state: State<'_, AppState>, password: String) -> CmdResult<SessionView> {
    may_sign_in(&state)?;
    let actor = state
        .service
        .first_admin_password(crate::clock::now(), &password)
        .await?;
    state.sign_in(actor, state.service.session_idle_minutes().await?);
    view(&state).await
}

/// Signs a user in; the same refusal for an unknown login and a wrong password.
#[tauri::command]
pub async fn login(
    state: State<'_, AppState>,
    login: String,
    password: String,
) -> CmdResult<SessionView> {
    state.sign_out();
    may_sign_in(&state)?;
    let actor = state.service.login(&login, &password).await?;
    state.sign_in(actor, state.service.session_idle_minutes().await?);
    view(&state).await
}

/// Signs the user out (the window shows the login form again).
#[tauri::command]
pub fn logout(state: State<'_, AppState>) {
    state.sign_out();
}

/// All users (administrators only).
#[tauri::command]
pub async fn list_users(state: State<'_, AppState>) -> CmdResult<Vec<UserView>> {
    Ok(state.service.list_users(&state.ctx()?).await?)
}

/// Adds a user (administrators only).
#[tauri::command]
pub async fn add_user(state: State<'_, AppState>, input: NewUser) -> CmdResult<UserView> {
    Ok(state.service.add_user(&state.ctx()?, input).await?)
}

/// Sets a user's password: administrators for anyone, everyone for themselves.
#[tauri::command]
pub async fn set_password(
    state: State<'_, AppState>,
    login: String,
    password: String,
) -> CmdResult<()> {
    Ok(state
        .service
        .set_password(&state.ctx()?, &login, &password)
        .await?)
}

/// Sets the idle minutes that lock the session (administrators only); applies from the
/// next sign-in.
#[tauri::command]
pub async fn set_idle_minutes(state: State<'_, AppState>, minutes: u32) -> CmdResult<u32> {
    Ok(state
        .service
        .set_session_idle_minutes(&state.ctx()?, minutes)
        .await?)
}

/// Changes a user's role and unit (administrators only); changing one's own role signs
/// one out.
#[tauri::command]
pub async fn change_user(
    state: State<'_, AppState>,
    login: String,
    change: UserChange,
) -> CmdResult<UserView> {
    let ctx = state.ctx()?;
    let changed = state.service.change_user(&ctx, &login, change).await?;
    // Administrators changing their own role sign in again under the new one.
    if changed.login == ctx.actor.login {
        state.sign_out();
    }
    Ok(changed)
}

/// Disables or enables a user (administrators only; not oneself, not the last
/// administrator).
#[tauri::command]
pub async fn set_user_active(
    state: State<'_, AppState>,
    login: String,
    active: bool,
) -> CmdResult<()> {
    Ok(state
        .service
        .set_user_active(&state.ctx()?, &login, active)
        .await?)
}
