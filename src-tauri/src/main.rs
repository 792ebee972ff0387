//! 网络问政办理系统 — the desktop app: a Tauri 2 shell over `wenzheng-core`.
//!
//! The database is opened before any window is created; if that fails, the reason is
//! printed in Chinese and the process exits with status 1.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod ipc_error;
mod state;

use std::process::ExitCode;

fn main() -> ExitCode {
    let path = wenzheng_core::db::default_path();
    let state = match tauri::async_runtime::block_on(state::AppState::open(&path)) {
        Ok(state) => state,
        Err(e) => {
            eprintln!("无法打开数据库 {}：{e}", path.display());
            return ExitCode::FAILURE;
        }
    };
    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::list_cases,
            commands::register_case,
            commands::case_detail,
            commands::list_units,
            commands::categories,
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
