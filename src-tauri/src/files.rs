//! Files the clerk attaches to a case (screenshots of the platform page), sent from the
//! case screen's file picker.

use tauri::State;
use wenzheng_core::view::AttachmentView;

use crate::commands::CmdResult;
use crate::state::AppState;

/// Attaches a file's bytes to a case under its original name.
#[tauri::command]
pub async fn attach_file(
    state: State<'_, AppState>,
    key: String,
    name: String,
    bytes: Vec<u8>,
) -> CmdResult<AttachmentView> {
    Ok(state
        .service
        .attach(&state.ctx()?, &key, &name, &bytes)
        .await?)
}
