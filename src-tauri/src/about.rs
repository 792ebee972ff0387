//! 关于: the program's name and version, the years of the working-day schedules, and
//! where the data, the automatic backups and the logs are kept — what an office's IT
//! person asks for on the phone.

use serde::Serialize;
use tauri::{AppHandle, Runtime, State};
use wenzheng_core::calendar::BUNDLED;

use crate::commands::CmdResult;
use crate::state::AppState;

/// What the 关于 screen shows.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct About {
    /// The product name (网络问政办理系统).
    pub name: String,
    /// The program version (`0.1.0`).
    pub version: String,
    /// The years of the official schedules shipped with this version (holiday-cn).
    pub bundled_years: Vec<i32>,
    /// The years the database has a schedule for (shipped or imported), ascending.
    pub calendar_years: Vec<i32>,
    /// The database file.
    pub database: String,
    /// The folder of the automatic backups.
    pub backups: String,
    /// The folder of the log files.
    pub logs: String,
}

/// The 关于 information. Needs no sign-in: it shows nothing from the cases.
#[tauri::command]
pub async fn about<R: Runtime>(app: AppHandle<R>, state: State<'_, AppState>) -> CmdResult<About> {
    let info = app.package_info();
    // The database in use (in recovery mode, the damaged file, not the stand-in; a
    // server's address without its password).
    let db = state.location.display();
    let mut calendar_years: Vec<i32> = state.service.calendar().await?.years().collect();
    calendar_years.sort_unstable();
    Ok(About {
        name: info.name.clone(),
        version: info.version.to_string(),
        bundled_years: BUNDLED.iter().map(|(year, _)| *year).collect(),
        calendar_years,
        database: db,
        backups: crate::startup::current_dir(&state).await,
        logs: crate::logging::log_dir().display().to_string(),
    })
}
