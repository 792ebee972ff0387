//! Build script: generates the Tauri context from the repository-root `tauri.conf.json`
//! and one `allow-<command>` permission per application command.

/// The application's IPC commands; each gets an `allow-<command>` permission that
/// `capabilities/main.json` grants to the main window.
const COMMANDS: &[&str] = &[
    "attach_file",
    "about",
    "session",
    "setup_admin",
    "login",
    "logout",
    "list_users",
    "add_user",
    "set_password",
    "set_idle_minutes",
    "register_case",
    "list_units",
    "categories",
    "case_desk",
    "search_cases",
    "dashboard",
    "similar_cases",
    "assign_preview",
    "acknowledge_case",
    "instruct_case",
    "assign_case",
    "return_case",
    "urge_case",
    "progress_case",
    "extend_case",
    "reply_case",
    "feedback_case",
    "followup_case",
    "close_case",
    "archive_case",
    "reopen_case",
    "list_templates",
    "save_template",
    "delete_template",
    "add_unit",
    "set_unit_active",
    "calendar_status",
    "calendar_year",
    "import_calendar",
    "report_figures",
    "choose_save_file",
    "choose_import_file",
    "export_report_xlsx",
    "export_register",
    "import_cases_file",
    "choose_folder",
    "export_archive",
    "assessment_rule",
    "set_assessment_rule",
];

fn main() {
    let attrs = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attrs).expect("tauri-build failed");
}
