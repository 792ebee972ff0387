//! Native file dialogs, opened from Rust (the window holds no dialog permission): one
//! blocking dialog off the async runtime, answered with the chosen path.

use tauri::AppHandle;
use tauri_plugin_dialog::{DialogExt, FileDialogBuilder, FilePath};

use crate::ipc_error::IpcError;

/// Opens the dialog that `build` makes and shows (e.g. `|d| d.set_title(…).blocking_pick_folder()`);
/// the chosen path, none when the user cancels. `what` names the dialog in the error
/// («无法打开选择文件夹的对话框»).
pub async fn ask(
    app: AppHandle,
    what: &str,
    build: impl FnOnce(FileDialogBuilder<tauri::Wry>) -> Option<FilePath> + Send + 'static,
) -> Result<Option<String>, IpcError> {
    let picked = tauri::async_runtime::spawn_blocking(move || build(app.dialog().file()))
        .await
        .map_err(|e| IpcError {
            code: "io",
            message: format!("无法打开{what}的对话框：{e}"),
        })?;
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string()))
}
