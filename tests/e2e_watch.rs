//! The deadline watch in the real desktop app (issue 4), under Xvfb on a private session
//! D-Bus. The bus has no service activation, so nothing but this test answers on it: a
//! recording `org.freedesktop.Notifications` server (when a test starts one) and a minimal
//! `org.kde.StatusNotifierWatcher`, with which the app's tray icon (a StatusNotifierItem
//! from libayatana-appindicator) registers; the test then reads the item's label and its
//! menu (com.canonical.dbusmenu) as a panel would.
//!
//! - `the_real_app_notifies_shows_the_count_and_a_restart_repeats_nothing` is the issue's
//!   done-when: the clock set near a deadline (`WENZHENG_NOW`), the real binary raises the
//!   notifications with the right Chinese texts, the tray shows the count, and a restart
//!   raises none again.
//! - `the_bell_opens_the_case_and_a_notification_click_too` drives the window over
//!   WebDriver: the bell works without a notification server, its item opens the case,
//!   全部已读, the 提醒设置 form, and a click on a desktop notification (the server's
//!   `ActionInvoked`) brings up the case in the window.
//!
//! Run: `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e_watch`.

#[path = "e2e/harness.rs"]
mod harness;
use harness::*;

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use wenzheng_core::clock::parse_local;
use wenzheng_core::service::{Assignment, NewCase};
use wenzheng_core::{Ctx, Service};
use zbus::{OwnedVariant as OwnedValue, Variant as Value};

/// The tests set process environment for tauri-driver: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The moment the app's clock starts at: Friday 27 Nov 2026, 09:30.
const NOW: &str = "2026-11-27 09:30";

#[path = "../crates/wenzheng-notify/tests/support/session_bus.rs"]
mod session_bus;
use session_bus::{notification_server, Bus, Log};

/// The items registered with the watcher: (bus name, object path).
type Items = Arc<Mutex<Vec<(String, String)>>>;

struct Watcher {
    items: Items,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(
        &self,
        #[zbus(header)] header: zbus::message::Header<'_>,
        service: String,
    ) {
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let item = if service.starts_with('/') {
            (sender, service)
        } else {
            (service, "/StatusNotifierItem".to_string())
        };
        self.items.lock().unwrap().push(item);
    }

    fn register_status_notifier_host(&self, _service: String) {}

    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items
            .lock()
            .unwrap()
            .iter()
            .map(|(bus, path)| format!("{bus}{path}"))
            .collect()
    }

    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// A tray host on `bus`: a StatusNotifierWatcher that records the items registering.
async fn tray_host(bus: &Bus) -> (zbus::Connection, Items) {
    let items: Items = Arc::default();
    let conn = zbus::connection::Builder::address(bus.address.as_str())
        .name("org.kde.StatusNotifierWatcher")
        .serve_at(
            "/StatusNotifierWatcher",
            Watcher {
                items: items.clone(),
            },
        )
        .build()
        .await
        .expect("tray host");
    (conn, items)
}

/// The menu items (id, label) of a dbusmenu layout, depth first.
fn labels(v: &Value<'_>, out: &mut Vec<(i32, String)>) {
    match v {
        Value::Variant(inner) => labels(inner, out),
        Value::Structure(s) => {
            let fields = s.fields();
            let id = match fields.first() {
                Some(Value::I32(id)) => *id,
                _ => -1,
            };
            if let Some(Value::Dict(props)) = fields.get(1) {
                for (k, v) in props.iter() {
                    if let (Value::Str(k), Value::Variant(v)) = (k, v) {
                        if k.as_str() == "label" {
                            if let Value::Str(label) = &**v {
                                out.push((id, label.to_string()));
                            }
                        }
                    }
                }
            }
            if let Some(Value::Array(children)) = fields.get(2) {
                for c in children.inner() {
                    labels(c, out);
                }
            }
        }
        _ => {}
    }
}

/// What a panel shows of the tray item: its label (`XAyatanaLabel`), title, and menu.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Tray {
    /// The item's bus name.
    bus: String,
    label: String,
    title: String,
    /// The menu's object path.
    menu_path: String,
    menu: Vec<String>,
    /// The menu items' ids, in the order of `menu`.
    ids: Vec<i32>,
}

impl Tray {
    /// Clicks the menu item `label`, as a panel does (com.canonical.dbusmenu `Event`).
    async fn click(&self, conn: &zbus::Connection, label: &str) {
        let i = self
            .menu
            .iter()
            .position(|l| l == label)
            .unwrap_or_else(|| panic!("no menu item {label}: {self:?}"));
        conn.call_method(
            Some(self.bus.as_str()),
            self.menu_path.as_str(),
            Some("com.canonical.dbusmenu"),
            "Event",
            &(self.ids[i], "clicked", Value::I32(0), 0u32),
        )
        .await
        .expect("click the tray menu item");
    }
}

async fn read_tray(conn: &zbus::Connection, bus: &str, path: &str) -> zbus::Result<Tray> {
    let props = zbus::fdo::PropertiesProxy::builder(conn)
        .destination(bus.to_string())
        .path(path.to_string())
        .build()
        .await?;
    let all = props
        .get_all(zbus::names::InterfaceName::from_static_str_unchecked(
            "org.kde.StatusNotifierItem",
        ))
        .await
        .map_err(zbus::Error::from)?;
    let text = |key: &str| {
        all.get(key)
            .and_then(|v| match &**v {
                Value::Str(s) => Some(s.to_string()),
                _ => None,
            })
            .unwrap_or_default()
    };
    let menu_path = match all.get("Menu").map(|v| &**v) {
        Some(Value::ObjectPath(p)) => p.to_string(),
        other => panic!("the tray item has no menu: {other:?}"),
    };
    let reply = conn
        .call_method(
            Some(bus),
            menu_path.as_str(),
            Some("com.canonical.dbusmenu"),
            "GetLayout",
            &(0i32, -1i32, Vec::<String>::new()),
        )
        .await?;
    type Layout = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
    let (_revision, (_root, _props, children)): (u32, Layout) = reply.body().deserialize()?;
    let mut items = Vec::new();
    for child in &children {
        labels(child, &mut items);
    }
    Ok(Tray {
        bus: bus.to_string(),
        label: text("XAyatanaLabel"),
        title: text("Title"),
        menu_path,
        ids: items.iter().map(|(id, _)| *id).collect(),
        menu: items.into_iter().map(|(_, l)| l).collect(),
    })
}

/// Waits until the (last registered) tray item reads `want`; returns what it read last.
async fn wait_tray(conn: &zbus::Connection, items: &Items, want: impl Fn(&Tray) -> bool) -> Tray {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    while Instant::now() < deadline {
        let item = items.lock().unwrap().last().cloned();
        if let Some((bus, path)) = item {
            match read_tray(conn, &bus, &path).await {
                Ok(t) if want(&t) => return t,
                Ok(t) => last = Some(format!("{t:?}")),
                Err(e) => last = Some(e.to_string()),
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the tray never showed what was expected; last seen: {last:?}");
}

fn ctx(admin: &wenzheng_core::Actor, t: &str) -> Ctx {
    Ctx {
        actor: admin.clone(),
        now: parse_local(t).unwrap(),
    }
}

/// The cases of both tests, written with the core before the app starts: case 1 awaits
/// acknowledgment by 12:00 today; case 2's reply was due yesterday (overdue since today).
/// Returns their numbers.
async fn seed(db: &Path) -> (String, String) {
    let svc = Service::open(db).await.unwrap();
    let admin = svc.actor(None).await.unwrap();
    let c1 = svc
        .register(
            &ctx(&admin, "2026-11-26 12:00"),
            NewCase {
                title: "村道路灯损坏".into(),
                content: "主干道路灯已坏一个月".into(),
                ..NewCase::default()
            },
        )
        .await
        .unwrap();
    let early = ctx(&admin, "2026-11-17 10:00");
    let c2 = svc
        .register(
            &early,
            NewCase {
                title: "小区垃圾无人清运".into(),
                content: "垃圾堆放一周".into(),
                ..NewCase::default()
            },
        )
        .await
        .unwrap();
    svc.acknowledge(&early, &c2.number, None).await.unwrap();
    svc.add_unit(&early, "镇环卫所").await.unwrap();
    svc.assign(
        &early,
        &c2.number,
        Assignment {
            units: vec!["镇环卫所".into()],
            lead: None,
            requirements: None,
        },
    )
    .await
    .unwrap();
    svc.shutdown().await;
    (c1.number, c2.number)
}

/// The desktop binary started straight (no WebDriver) on `db` and `bus`; stopped with
/// SIGTERM when dropped.
struct Desktop(Child);

impl Desktop {
    fn start(db: &Path, bus: &Bus, now: &str) -> Desktop {
        let child = Command::new(APP)
            .env("WENZHENG_DB", db)
            .env("WENZHENG_NOW", now)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the desktop app");
        Desktop(child)
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

async fn wait_received(got: &Log, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if got.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {n} notifications, got {:?}", got.lock().unwrap());
}

fn summaries(got: &Log) -> Vec<(String, String, String)> {
    got.lock()
        .unwrap()
        .iter()
        .map(|r| (r.app.clone(), r.summary.clone(), r.body.clone()))
        .collect()
}

/// The app's visible X windows (xdotool, by `_NET_WM_PID`).
fn visible_windows(pid: u32) -> Vec<String> {
    let out = Command::new("xdotool")
        .args([
            "search",
            "--onlyvisible",
            "--pid",
            &pid.to_string(),
            "--name",
            "网络问政办理系统",
        ])
        .output()
        .expect("xdotool (Debian package xdotool) is needed");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Waits until the app has (`true`) or has no (`false`) visible window.
async fn wait_window(pid: u32, visible: bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let w = visible_windows(pid);
        if w.is_empty() != visible {
            return w;
        }
        assert!(
            Instant::now() < deadline,
            "the window never became {}",
            if visible { "visible" } else { "hidden" }
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Asks window `id` to close as a window manager's close button does: a `WM_PROTOCOLS`
/// client message with `WM_DELETE_WINDOW` (Xlib through python3's ctypes; Xvfb has no
/// window manager to do it).
const CLOSE_WINDOW: &str = r#"
import ctypes, sys
x = ctypes.cdll.LoadLibrary("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
class ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong),
                ("message_type", ctypes.c_ulong), ("format", ctypes.c_int),
                ("data", ctypes.c_long * 5)]
class Event(ctypes.Union):
    _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]
x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                         ctypes.POINTER(Event)]
x.XFlush.argtypes = [ctypes.c_void_p]
d = x.XOpenDisplay(None)
assert d, "no display"
for w in sys.argv[1:]:
    e = Event()
    e.xclient.type = 33  # ClientMessage
    e.xclient.window = int(w)
    e.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
    e.xclient.format = 32
    e.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    x.XSendEvent(d, int(w), 0, 0, ctypes.byref(e))
x.XFlush(d)
"#;

/// The tray once the watch has counted: the label and every menu line updated (they are set
/// one after another, so the label alone can be read before the menu follows).
fn counted(t: &Tray) -> bool {
    t.label == "超期 1" && !t.menu.iter().any(|m| m.contains("正在统计"))
}

fn close_windows(ids: &[String]) {
    let status = Command::new("python3")
        .arg("-c")
        .arg(CLOSE_WINDOW)
        .args(ids)
        .status()
        .expect("python3 is needed");
    assert!(status.success(), "sending WM_DELETE_WINDOW failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_app_notifies_shows_the_count_and_a_restart_repeats_nothing() {
    let _serial = SERIAL.lock().await;
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "the window test needs a display: run it under xvfb-run"
    );
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("watch.db");
    let (n1, n2) = seed(&db).await;

    let bus = Bus::start();
    let (_server, got) = notification_server(&bus).await;
    let (host, items) = tray_host(&bus).await;

    // The app starts near the deadlines; its watch runs a pass at once.
    let mut app = Desktop::start(&db, &bus, NOW);
    wait_received(&got, 3).await;
    let app_name = "网络问政办理系统".to_string();
    assert_eq!(
        summaries(&got),
        [
            (
                app_name.clone(),
                "今日到期 1 件，已超期 1 件，待受理 1 件".to_string(),
                format!("2026年11月27日，请及时处理。\n超期案件：{n2}"),
            ),
            (
                app_name.clone(),
                format!("案件 {n2} 已超过答复期限，尚未答复"),
                "小区垃圾无人清运\n答复期限：2026年11月26日 24:00\n承办单位：镇环卫所".to_string(),
            ),
            (
                app_name.clone(),
                format!("案件 {n1} 将于今日 12:00 前到期未受理"),
                "村道路灯损坏\n受理期限：今日 12:00（登记后 24 小时）".to_string(),
            ),
        ]
    );
    // Each can be clicked: the default action opens the case (the workbench for the summary).
    let actions: Vec<Vec<String>> = got
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.actions.clone())
        .collect();
    assert_eq!(
        actions,
        [
            vec!["default".to_string(), "打开工作台".to_string()],
            vec!["default".to_string(), "打开案件".to_string()],
            vec!["default".to_string(), "打开案件".to_string()],
        ]
    );

    // The tray shows the count, as a panel reads it over D-Bus.
    let tray = wait_tray(&host, &items, counted).await;
    assert_eq!(
        tray.menu,
        [
            "打开主窗口",
            "已超期 1 件",
            "今日到期 1 件，待受理 1 件",
            "退出"
        ],
        "{tray:?}"
    );

    // Closing the window (as a window manager's close button does) only hides it: the
    // app and its watch keep running. A leader's instruction recorded meanwhile (by
    // another program on the same file) is raised within the watch's look interval.
    let pid = app.0.id();
    let shown = wait_window(pid, true).await;
    close_windows(&shown);
    wait_window(pid, false).await;
    assert!(
        matches!(app.0.try_wait(), Ok(None)),
        "closing the window quit the app"
    );
    let svc = Service::open(&db).await.unwrap();
    let admin = svc.actor(None).await.unwrap();
    svc.instruct(&ctx(&admin, NOW), &n2, "张镇长", "请环卫所今日清运完毕")
        .await
        .unwrap();
    svc.shutdown().await;
    wait_received(&got, 4).await;
    assert_eq!(
        summaries(&got)[3],
        (
            app_name.clone(),
            format!("案件 {n2} 有新的领导批示"),
            "张镇长批示：请环卫所今日清运完毕".to_string(),
        )
    );
    assert!(matches!(app.0.try_wait(), Ok(None)));
    // The tray's 打开主窗口 brings the window back.
    tray.click(&host, "打开主窗口").await;
    wait_window(pid, true).await;

    // Restart, a little later the same morning: the watch runs its pass again (the tray
    // is filled in after it), and nothing is raised twice.
    app.stop();
    let registered = items.lock().unwrap().len();
    let app = Desktop::start(&db, &bus, "2026-11-27 09:40");
    let deadline = Instant::now() + Duration::from_secs(60);
    while items.lock().unwrap().len() == registered {
        assert!(
            Instant::now() < deadline,
            "the restarted app has no tray item"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tray = wait_tray(&host, &items, counted).await;
    assert_eq!(tray.menu[1], "已超期 1 件");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        got.lock().unwrap().len(),
        4,
        "repeated after the restart: {:?}",
        summaries(&got)
    );
    app.stop();
}

/// Emits `ActionInvoked(id, "default")` — the user clicking notification `id` — every
/// half second until `done` holds (the app subscribes right after showing it).
async fn click_notification<F, Fut>(server: &zbus::Connection, id: u32, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..40 {
        server
            .emit_signal(
                None::<()>,
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications",
                "ActionInvoked",
                &(id, "default"),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        if done().await {
            return;
        }
    }
    panic!("clicking notification {id} did nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bell_opens_the_case_and_a_notification_click_too() {
    let _serial = SERIAL.lock().await;
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "the window test needs a display: run it under xvfb-run"
    );
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("bell.db");
    let (n1, n2) = seed(&db).await;

    // A session bus with no notification server at first: the desktop cannot show
    // anything, the bell still has it all.
    let bus = Bus::start();
    std::env::set_var("WENZHENG_NOW", NOW);
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &bus.address);
    let (port, native_port) = free_ports();
    let driver = Driver::spawn(port, native_port, &db, tmp.path().join("tauri-driver.log"));
    let client = connect(port).await;
    set_up_and_sign_in(&client).await;
    // The dashboard's countdown runs on the app's clock (12:00 due, 09:30 now), not on the
    // PC's clock as the window reads it.
    let card = wait_text(&client, "q-awaiting_ack", |t| t.contains("最早一件")).await;
    assert!(card.contains("最早一件还剩 2 小时"), "{card}");

    wait_text(&client, "bell-count", |t| t == "3").await;
    screenshot(&client, "watch-bell.png").await;
    click(&client, "bell").await;
    wait_count(&client, "#bell-list li.bell-item.unread", 3).await;
    let first = text_of(&client, "bell-list").await;
    assert!(
        first.starts_with("今日到期 1 件，已超期 1 件，待受理 1 件"),
        "{first}"
    );
    assert!(
        first.contains(&format!("案件 {n1} 将于今日 12:00 前到期未受理")),
        "{first}"
    );
    assert!(first.contains("2026年11月27日 09:30"), "{first}");
    screenshot(&client, "watch-bell-open.png").await;

    // Its item opens the case and counts as read.
    client
        .find(Locator::Css(&format!(
            "#bell-list li[data-number=\"{n1}\"]"
        )))
        .await
        .expect("the case's item")
        .click()
        .await
        .expect("click the item");
    wait_text(&client, "case-number", |t| t == n1).await;
    wait_text(&client, "bell-count", |t| t == "2").await;
    assert!(!is_displayed(&client, "bell-panel").await);

    // 全部已读.
    click(&client, "bell").await;
    wait_displayed(&client, "bell-read-all").await;
    click(&client, "bell-read-all").await;
    wait_count(&client, "#bell-count[hidden]", 1).await;
    assert_eq!(
        css_count(&client, "#bell-list li.bell-item.unread").await,
        0
    );
    assert_eq!(css_count(&client, "#bell-list li.bell-item").await, 3);
    click(&client, "bell").await;

    // 提醒设置: a value out of range is refused in Chinese and stays in the form.
    click(&client, "nav-notify").await;
    wait_text(&client, "notify-heading", |t| t == "提醒设置").await;
    let flood = client.find(Locator::Id("ns-flood")).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while flood.prop("value").await.unwrap().as_deref() != Some("5") {
        assert!(Instant::now() < deadline, "the settings never loaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fill(&client, "ns-flood", "0").await;
    click(&client, "ns-save").await;
    wait_text(&client, "message", |t| {
        t.contains("一次合并提醒的条数应在 1–50 之间，现为 0")
    })
    .await;
    assert_eq!(flood.prop("value").await.unwrap().as_deref(), Some("0"));

    // Now a notification server comes up. Saving the settings is a change the watch
    // notices: its next pass shows on the desktop what it could not show before.
    let (server, got) = notification_server(&bus).await;
    fill(&client, "ns-flood", "8").await;
    click(&client, "ns-save").await;
    wait_text(&client, "message", |t| t.contains("提醒设置已保存")).await;
    screenshot(&client, "watch-settings.png").await;
    wait_received(&got, 3).await;
    let shown = summaries(&got);
    assert_eq!(shown[1].1, format!("案件 {n2} 已超过答复期限，尚未答复"));

    // The user clicks the desktop notification of case 2 (id 2): the window opens it.
    click(&client, "nav-dash").await;
    click_notification(&server, 2, || async {
        text_of(&client, "case-number").await == n2 && is_displayed(&client, "view-case").await
    })
    .await;
    screenshot(&client, "watch-opened-from-notification.png").await;

    client.close().await.expect("close session");
    drop(driver);
}
