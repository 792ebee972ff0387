//! The IPC commands of the main window. Each is allowed by an `allow-<command>`
//! permission (see `build.rs` and `capabilities/main.json`).

use serde::Serialize;
use tauri::State;
use wenzheng_core::model::Category;
use wenzheng_core::service::NewCase;
use wenzheng_core::view::{CaseView, UnitView};

use crate::ipc_error::IpcError;
use crate::state::AppState;

/// Result of a command as sent over IPC.
pub type CmdResult<T> = Result<T, IpcError>;

/// A choice of 问题类别.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CategoryChoice {
    /// Stable code (`personal`, …).
    pub code: &'static str,
    /// Chinese name shown and sent back on registration.
    pub label: &'static str,
}

/// Registers a citizen's message as a new case.
#[tauri::command]
pub async fn register_case(state: State<'_, AppState>, input: NewCase) -> CmdResult<CaseView> {
    Ok(state.service.register(&state.ctx()?, input).await?)
}

/// All handling units, by name.
#[tauri::command]
pub async fn list_units(state: State<'_, AppState>) -> CmdResult<Vec<UnitView>> {
    state.ctx()?;
    Ok(state.service.list_units().await?)
}

/// The categories a case may have, in order.
#[tauri::command]
pub fn categories(state: State<'_, AppState>) -> CmdResult<Vec<CategoryChoice>> {
    state.ctx()?;
    Ok(Category::ALL
        .iter()
        .map(|c| CategoryChoice {
            code: c.code(),
            label: c.label(),
        })
        .collect())
}
