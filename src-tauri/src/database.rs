//! The IPC commands of the 数据库 screen (administrators), also offered without sign-in
//! when the database could not be reached at start: which database this PC uses, checking
//! one, and saving the choice for the next start (`wenzheng_core::db_choice`).

use serde::Serialize;
use tauri::State;
use wenzheng_core::auth::{self, Permission};
use wenzheng_core::db::Location;
use wenzheng_core::db_choice::{self, Check, Choice, Setting};

use crate::commands::CmdResult;
use crate::state::AppState;

/// What the 数据库 screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseStatus {
    /// The choice of this PC (what the next start opens).
    #[serde(flatten)]
    pub setting: Setting,
    /// The database this window works on now (password hidden).
    pub in_use: String,
    /// Whether the next start opens another database than this one.
    pub restart_needed: bool,
}

/// Administrators only — or anyone while the database cannot be reached (nobody can sign
/// in then, and the PC's own files say where the database is anyway).
fn allowed(state: &AppState) -> CmdResult<()> {
    if state.is_unavailable() {
        return Ok(());
    }
    let ctx = state.ctx()?;
    auth::require(ctx.actor.role, Permission::ManageUsers)?;
    Ok(())
}

fn status(state: &AppState) -> DatabaseStatus {
    let (next, source) = db_choice::chosen();
    DatabaseStatus {
        setting: db_choice::setting_of(&next, source),
        in_use: state.location.display(),
        restart_needed: next != state.location || state.is_unavailable(),
    }
}

/// The location a choice names; an empty password keeps the one saved for the same server.
fn location_of(choice: &Choice) -> CmdResult<Location> {
    Ok(choice.location(Some(&db_choice::chosen().0))?)
}

/// This PC's database setting and the database in use.
#[tauri::command]
pub async fn database_status(state: State<'_, AppState>) -> CmdResult<DatabaseStatus> {
    allowed(&state)?;
    Ok(status(&state))
}

/// Checks a database without changing anything (connects, reads what is there).
#[tauri::command]
pub async fn database_check(state: State<'_, AppState>, choice: Choice) -> CmdResult<Check> {
    allowed(&state)?;
    Ok(db_choice::check(&location_of(&choice)?).await?)
}

/// Checks, then saves the choice; the program opens it at its next start.
#[tauri::command]
pub async fn database_save(
    state: State<'_, AppState>,
    choice: Choice,
) -> CmdResult<DatabaseStatus> {
    allowed(&state)?;
    if choice == Choice::Default {
        db_choice::forget()?;
    } else {
        let location = location_of(&choice)?;
        db_choice::check(&location).await?;
        db_choice::save(&location)?;
    }
    let saved = status(&state);
    tracing::info!("本机数据库设置改为 {}", saved.setting.location);
    Ok(saved)
}
