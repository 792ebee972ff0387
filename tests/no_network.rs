//! The app's own surface (issue 7): the desktop program opens no network connection at
//! all, the CSP stays strict, and the window's capabilities grant only the app's own
//! commands — no shell, file-system, HTTP or other plugin permission.
//!
//! The connection test runs the real binary directly (not through tauri-driver, whose
//! WebDriver port is TCP) under `strace -f -e trace=network` on a display and a session
//! bus: `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test no_network`.
//! The CLI's counterpart is `tests/no_network_cli.rs`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The lines of an strace log that connect or send to an internet address (IPv4 or IPv6);
/// netlink messages that merely mention a route family do not count.
fn internet_calls(log: &str) -> Vec<&str> {
    log.lines()
        .filter(|l| l.contains("sa_family=AF_INET"))
        .collect()
}

#[test]
fn the_strace_filter_catches_an_internet_connection() {
    let sample = "6293  connect(3, {sa_family=AF_INET, sin_port=htons(9), \
                  sin_addr=inet_addr(\"127.0.0.1\")}, 16) = -1 ECONNREFUSED\n\
                  6294  connect(5, {sa_family=AF_UNIX, sun_path=\"/tmp/.X11-unix/X99\"}, 20) = 0\n\
                  6295  sendto(7, \"x\", 1, 0, {sa_family=AF_INET6, sin6_port=htons(53)}, 28) = 1\n\
                  6296  sendmsg(5, {msg_name={sa_family=AF_NETLINK}, {rtm_family=AF_INET}}, 0) = 20\n";
    assert_eq!(internet_calls(sample).len(), 2);
}

#[test]
fn the_desktop_app_opens_no_network_connection() {
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "needs a display: run it under xvfb-run -a dbus-run-session"
    );
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("strace.log");
    let mut child = Command::new("strace")
        .args([
            "-f",
            "-s",
            "0",
            "-e",
            "trace=connect,sendto,sendmsg,sendmmsg",
            "-o",
        ])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_wenzheng-desktop"))
        .env("WENZHENG_DB", tmp.path().join("net.db"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("strace (apt package strace) is needed for this test");
    // Long enough to open the database, back it up, show the window, load the page and
    // run the deadline watch once.
    std::thread::sleep(Duration::from_secs(8));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the app exited early: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    // Stop the app (strace's child) with SIGTERM; strace ends with it.
    let children = std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id()))
        .expect("the traced app's pid");
    let app = children.split_whitespace().next().expect("the traced app");
    Command::new("kill").args(["-TERM", app]).status().unwrap();
    child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("AF_UNIX"),
        "strace saw the app's X11 and D-Bus connections (so it did trace): {text}"
    );
    assert!(
        Path::new(&tmp.path().join("net.db")).exists(),
        "the app really started"
    );
    let bad = internet_calls(&text);
    assert!(bad.is_empty(), "network connections: {bad:#?}");
}

fn json(path: &str) -> Value {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_json::from_str(&std::fs::read_to_string(&full).unwrap()).unwrap()
}

#[test]
fn the_csp_stays_strict() {
    let conf = json("../tauri.conf.json");
    let csp = conf["app"]["security"]["csp"]
        .as_str()
        .expect("a CSP string");
    let directives: std::collections::HashMap<&str, Vec<&str>> = csp
        .split(';')
        .filter_map(|d| {
            let mut parts = d.split_whitespace();
            parts.next().map(|name| (name, parts.collect()))
        })
        .collect();
    assert_eq!(directives["default-src"], ["'self'"]);
    assert_eq!(
        directives["script-src"],
        ["'self'"],
        "no inline or remote script"
    );
    assert_eq!(directives["style-src"], ["'self'"], "no inline style");
    assert_eq!(directives["object-src"], ["'none'"]);
    assert_eq!(directives["frame-ancestors"], ["'none'"]);
    assert_eq!(directives["base-uri"], ["'none'"]);
    for (name, sources) in &directives {
        for s in sources {
            assert!(
                !s.contains("unsafe") && *s != "*" && !s.starts_with("https:"),
                "{name} allows {s}"
            );
            if s.starts_with("http") {
                assert_eq!(
                    (*name, *s),
                    ("connect-src", "http://ipc.localhost"),
                    "only the IPC origin"
                );
            }
        }
    }
    // No remote content: the page is the app's own files; no dev server URL.
    assert!(conf["build"].get("devUrl").is_none());
    assert!(conf["app"]["security"]
        .get("dangerousDisableAssetCspModification")
        .is_none());
    assert!(conf["app"]["security"].get("freezePrototype") != Some(&Value::Bool(false)));
}

/// Core permissions the window may hold: listening to the app's own events.
const CORE_EVENTS: [&str; 2] = ["core:event:allow-listen", "core:event:allow-unlisten"];

#[test]
fn capabilities_grant_only_the_apps_own_commands() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
    let build =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs")).unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let cap: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        files += 1;
        assert!(cap.get("remote").is_none(), "{path:?} admits remote pages");
        assert_eq!(cap["windows"], serde_json::json!(["main"]), "{path:?}");
        for p in cap["permissions"].as_array().expect("permissions") {
            let p = p
                .as_str()
                .expect("plain permission names, no scoped objects");
            // The one core permission: listening to the app's own events (the watch tells
            // the window to refresh the bell or open a case); it reaches nothing outside.
            if CORE_EVENTS.contains(&p) {
                continue;
            }
            assert!(
                !p.contains(':'),
                "{p}: a plugin or core permission ({path:?})"
            );
            let command = p
                .strip_prefix("allow-")
                .unwrap_or_else(|| panic!("{p}: not an allow-<command> permission"))
                .replace('-', "_");
            assert!(
                build.contains(&format!("\"{command}\"")),
                "{p}: not one of the app's commands in build.rs"
            );
        }
    }
    assert_eq!(files, 1, "one capability file: capabilities/main.json");
    // The app depends on no shell, file-system-from-the-webview or HTTP plugin. (The
    // opener plugin is used from Rust only, to show a PDF in the system viewer; the
    // capability check above grants the window none of its commands.)
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    for plugin in [
        "tauri-plugin-shell",
        "tauri-plugin-http",
        "tauri-plugin-fs",
        "tauri-plugin-upload",
        "tauri-plugin-websocket",
    ] {
        assert!(
            !manifest.contains(plugin),
            "{plugin} in src-tauri/Cargo.toml"
        );
    }
}
