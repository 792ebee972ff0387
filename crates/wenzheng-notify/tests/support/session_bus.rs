//! A private session D-Bus for the notification tests, and a recording
//! `org.freedesktop.Notifications` server on it. Shared by `crates/wenzheng-notify/tests/dbus.rs`
//! and the desktop's `tests/e2e_watch.rs` (each includes it with `#[path]`).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// A private session bus: anyone may own and talk to any name; no service directories.
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// A private session bus, stopped when dropped.
pub struct Bus {
    daemon: Child,
    /// The bus address (`unix:…`), for `DBUS_SESSION_BUS_ADDRESS` or a connection.
    pub address: String,
    _config: tempfile::NamedTempFile,
}

impl Bus {
    /// Starts `dbus-daemon` on a config without service activation: otherwise a desktop's
    /// notification daemon (dunst, under Xvfb) would be started on demand and take the
    /// messages.
    pub fn start() -> Bus {
        let config = tempfile::NamedTempFile::new().expect("bus config file");
        std::fs::write(config.path(), BUS_CONFIG).expect("write the bus config");
        let mut daemon = Command::new("dbus-daemon")
            .arg(format!("--config-file={}", config.path().display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "无法启动 dbus-daemon（{e}）：这个测试需要真实的会话总线，请安装 Debian 软件包 dbus \
                     （scripts/test 会安装它）"
                )
            });
        let mut line = String::new();
        BufReader::new(daemon.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("read the bus address");
        let address = line.trim().to_string();
        assert!(address.starts_with("unix:"), "no bus address: {line:?}");
        Bus {
            daemon,
            address,
            _config: config,
        }
    }
}

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
    }
}

/// One notification as the server received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The sending application's name.
    pub app: String,
    /// The title line.
    pub summary: String,
    /// The text.
    pub body: String,
    /// The actions offered, as (key, label) pairs flattened.
    pub actions: Vec<String>,
}

/// Everything the server received, in order (a notification's id is its index + 1).
pub type Log = Arc<Mutex<Vec<Received>>>;

struct Recorder {
    got: Log,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, zbus::OwnedVariant>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut got = self.got.lock().unwrap();
        got.push(Received {
            app: app_name,
            summary,
            body,
            actions,
        });
        u32::try_from(got.len()).unwrap()
    }

    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into(), "actions".into()]
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        ("recorder".into(), "test".into(), "1".into(), "1.2".into())
    }

    fn close_notification(&self, _id: u32) {}
}

/// A notification server on `bus`: the connection (to emit signals) and what it got.
pub async fn notification_server(bus: &Bus) -> (zbus::Connection, Log) {
    let got: Log = Arc::default();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.freedesktop.Notifications")
        .serve_at(
            "/org/freedesktop/Notifications",
            Recorder { got: got.clone() },
        )
        .build()
        .await
        .expect("notification server");
    (conn, got)
}
