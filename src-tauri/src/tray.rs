//! The tray icon: shows the overdue count (tooltip, label, menu), brings the window back,
//! and is the way to quit — closing the window only hides it, so the deadline watch keeps
//! running. On Linux it is a StatusNotifierItem (libayatana-appindicator): the label
//! (`XAyatanaLabel`) reads 「超期 N」 and the menu lines carry the counts.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{App, AppHandle, Manager, WindowEvent, Wry};
use wenzheng_core::due::DueCounts;

const TRAY_ID: &str = "main";
const APP_TITLE: &str = "网络问政办理系统";

/// The menu lines that show the counts, kept to update them.
struct CountItems {
    overdue: MenuItem<Wry>,
    today: MenuItem<Wry>,
}

/// The single-instance id for the database at `path`: one app per database file, so a
/// second start on the same file brings the first window forward, while another file
/// (`WENZHENG_DB`) may run beside it.
pub fn instance_id(path: &std::path::Path) -> String {
    use std::hash::{Hash, Hasher};
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut h);
    format!("cn.gov.wenzheng.db_{:016x}", h.finish())
}

/// Shows, unminimizes and focuses the main window.
pub fn show_main(app: &AppHandle) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Builds the tray icon and makes closing the main window hide it instead of quitting.
pub fn build(app: &App) -> tauri::Result<()> {
    let show = MenuItem::with_id(app, "show", "打开主窗口", true, None::<&str>)?;
    let overdue = MenuItem::with_id(app, "overdue", "超期案件：正在统计…", true, None::<&str>)?;
    let today = MenuItem::with_id(app, "today", "今日到期：正在统计…", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "退出", true, None::<&str>)?;
    let sep1 = PredefinedMenuItem::separator(app)?;
    let sep2 = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&show, &sep1, &overdue, &today, &sep2, &quit])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(include_bytes!("../../icons/icon.png"))?)
        .tooltip(APP_TITLE)
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            "show" => show_main(app),
            // The count lines open the workbench, where the cases are listed.
            "overdue" | "today" => crate::watch::open_in_window(app, None),
            "quit" => app.exit(0),
            _ => {}
        })
        .build(app)?;
    app.manage(CountItems { overdue, today });

    if let Some(window) = app.get_webview_window("main") {
        let w = window.clone();
        window.on_window_event(move |event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                api.prevent_close();
                let _ = w.hide();
            }
        });
    }
    Ok(())
}

/// Shows the counts of the latest watch pass on the tray.
pub fn show_counts(app: &AppHandle, c: DueCounts) {
    let tooltip = format!(
        "{APP_TITLE}：已超期 {} 件，今日到期 {} 件，待受理 {} 件",
        c.overdue, c.due_today, c.pending
    );
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        let _ = tray.set_tooltip(Some(&tooltip));
        let label = (c.overdue > 0).then(|| format!("超期 {}", c.overdue));
        let _ = tray.set_title(label.as_deref());
    }
    if let Some(items) = app.try_state::<CountItems>() {
        let _ = items.overdue.set_text(format!("已超期 {} 件", c.overdue));
        let _ = items.today.set_text(format!(
            "今日到期 {} 件，待受理 {} 件",
            c.due_today, c.pending
        ));
    }
}
