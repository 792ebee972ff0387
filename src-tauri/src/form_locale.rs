//! The web view's own controls in Chinese. WebKitGTK formats `<input type="date">` and
//! `datetime-local` in the language of the web process's C locale (`LC_CTYPE`), not in the
//! page's `lang`: on a PC whose locale is not Chinese (or not generated: `C.UTF-8`) 收到时间
//! showed `11/20/2026, 11:41 PM`. Setting the web context's preferred languages overrides
//! that language for every web process, with no system locale needed (the formats come
//! from ICU's own data): `2026/11/20 23:41`.

use tauri::{App, Manager};

/// The language the web view's controls use.
const LANGUAGE: &str = "zh-CN";

/// Sets the main window's web context to [`LANGUAGE`].
pub fn apply(app: &App) -> tauri::Result<()> {
    let Some(window) = app.get_webview_window("main") else {
        return Ok(());
    };
    window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.set_preferred_languages(&[LANGUAGE]);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (webview, LANGUAGE);
    })
}
