//! Build script: generates the Tauri context from the repository-root `tauri.conf.json`
//! and one `allow-<command>` permission per application command.

/// The application's IPC commands; each gets an `allow-<command>` permission that
/// `capabilities/main.json` grants to the main window.
const COMMANDS: &[&str] = &[
    "list_cases",
    "register_case",
    "case_detail",
    "list_units",
    "categories",
];

fn main() {
    let attrs = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attrs).expect("tauri-build failed");
}
