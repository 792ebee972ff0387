//! 网络问政办理系统 — the desktop app: a Tauri 2 shell over `wenzheng-core`.
//!
//! The database — a file, or a PostgreSQL server, as chosen on the 数据库 screen or by
//! `WENZHENG_DB` — is opened before any window is created; if that fails, the window opens
//! on an empty scratch database and says why: a damaged file offers the restore from the
//! latest backup, anything else (a server that is down) the 数据库 setting.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod about;
mod backup;
mod bell;
mod clock;
mod commands;
mod database;
mod desk;
mod dialogs;
mod files;
mod form_locale;
mod ipc_error;
mod logging;
mod print;
mod reports;
mod session;
mod startup;
mod state;
mod tray;
mod watch;

use std::process::ExitCode;

use wenzheng_core::db::Location;

fn main() -> ExitCode {
    let _log = logging::init();
    // A file on this PC, or a PostgreSQL server shared by several PCs: `WENZHENG_DB`, else
    // the choice saved on the 数据库 screen, else the default file.
    let location = wenzheng_core::db::default_location();
    let state = match tauri::async_runtime::block_on(state::AppState::connect(&location)) {
        Ok(state) => {
            // The integrity check and the day's first backup run once the window is up
            // (`setup` below); the window shows what they found after sign-in.
            state.startup_checking();
            state
        }
        Err(e) => match (&location, e) {
            // A damaged file: the window offers the restore from the latest backup.
            (Location::File(path), e @ wenzheng_core::Error::Corrupt(_)) => {
                eprintln!("无法打开数据库 {}：{e}", path.display());
                let recovery = startup::recovery(path, e.to_string());
                match tauri::async_runtime::block_on(state::AppState::recovery(path, recovery)) {
                    Ok(state) => state,
                    Err(e) => {
                        eprintln!("无法进入恢复模式：{e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
            // Anything else (a server that is down or refuses this PC, a file on a disk
            // that is not there, a damaged database on the server): the window says why
            // and offers the 数据库 setting.
            (_, e) => {
                let mut problem = match e {
                    wenzheng_core::Error::Corrupt(_) => {
                        format!("{e}。{}", state::server_backup_note(&location))
                    }
                    _ => e.to_string(),
                };
                let place = location.display();
                if !problem.contains(&place) {
                    problem = format!("无法打开数据库 {place}：{problem}");
                }
                eprintln!("{problem}");
                let unavailable = state::AppState::unavailable(&location, problem);
                match tauri::async_runtime::block_on(unavailable) {
                    Ok(state) => state,
                    Err(e) => {
                        eprintln!("无法启动：{e}");
                        return ExitCode::FAILURE;
                    }
                }
            }
        },
    };
    let mut builder = tauri::Builder::default();
    if let Location::File(path) = &location {
        // One instance per database file: a second start brings the first one's window
        // forward. On a server several instances (PCs, or sessions on one PC) are the
        // point: writers take turns there, and a stale view gets a conflict.
        builder = builder.plugin(
            tauri_plugin_single_instance::Builder::new()
                .callback(|app, _args, _cwd| tray::show_main(app))
                .dbus_id(tray::instance_id(path))
                .build(),
        );
    }
    let result = builder
        // Window size and position are remembered (not visibility: the window may be
        // hidden in the tray when the app quits).
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .manage(print::PrintState::default())
        .setup(|app| {
            form_locale::apply(app)?;
            startup::spawn(app.handle().clone());
            tray::build(app)?;
            watch::spawn(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            bell::bell,
            bell::bell_read,
            bell::notify_settings,
            bell::set_notify_settings,
            about::about,
            session::session,
            session::setup_admin,
            session::login,
            session::logout,
            session::list_users,
            session::add_user,
            session::set_password,
            session::set_idle_minutes,
            session::change_user,
            session::set_user_active,
            backup::backup_status,
            backup::set_backup_settings,
            backup::choose_backup_dir,
            backup::backup_now,
            backup::restore_backup,
            backup::recover_from_backup,
            backup::restart_app,
            database::database_status,
            database::database_check,
            database::database_save,
            commands::register_case,
            commands::list_units,
            commands::categories,
            desk::case_desk,
            files::attach_file,
            desk::search_cases,
            desk::dashboard,
            desk::similar_cases,
            desk::assign_preview,
            desk::acknowledge_case,
            desk::instruct_case,
            desk::assign_case,
            desk::return_case,
            desk::urge_case,
            desk::progress_case,
            desk::extend_case,
            desk::reply_case,
            desk::feedback_case,
            desk::followup_case,
            desk::close_case,
            desk::archive_case,
            desk::reopen_case,
            desk::list_templates,
            desk::save_template,
            desk::delete_template,
            desk::add_unit,
            desk::set_unit_active,
            desk::calendar_status,
            desk::calendar_year,
            desk::import_calendar,
            desk::link_case,
            desk::merge_case,
            desk::register_linked_case,
            desk::parse_paste,
            desk::set_calendar_day,
            desk::rename_unit,
            print::list_printers,
            print::output_document,
            reports::report_figures,
            reports::choose_save_file,
            reports::choose_import_file,
            reports::export_report_xlsx,
            reports::export_register,
            reports::import_cases_file,
            reports::choose_folder,
            reports::export_archive,
            reports::assessment_rule,
            reports::set_assessment_rule,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("程序运行出错：{e}");
            ExitCode::FAILURE
        }
    }
}
