//! The harness shared by the end-to-end tests: tauri-driver, a WebDriver session on the
//! real app window, and the small actions (fill, click, wait) the tests are written in.
//! Each `tests/e2e*.rs` includes it with `#[path = "e2e/harness.rs"] mod harness;`;
//! not every test file uses every helper.
#![allow(dead_code)]

use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
pub use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
pub use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
pub use fantoccini::{Client, Locator};
pub use serde_json::{json, Map, Value};
use sqlx::{Connection, Executor, PgConnection};

pub const APP: &str = env!("CARGO_BIN_EXE_wenzheng-desktop");
pub const WAIT: Duration = Duration::from_secs(15);

/// tauri-driver, stopped with SIGTERM when dropped (SIGKILL would orphan WebKitWebDriver
/// and keep the test's pipes open). Its output goes to a log, printed if the test fails.
pub struct Driver {
    child: Child,
    log: PathBuf,
    /// The `NAME=value` environment entry that marks this test's app processes.
    marker: String,
}

impl Driver {
    /// tauri-driver whose app opens the database `db` (`WENZHENG_DB`).
    pub fn spawn(port: u16, native_port: u16, db: &Path, log: PathBuf) -> Driver {
        let db = db.display().to_string();
        Driver::spawn_with_env(port, native_port, &[("WENZHENG_DB", db.as_str())], log)
    }

    /// tauri-driver whose app runs with `env` (and without `WENZHENG_DB` unless `env` sets
    /// it); the first entry marks the app processes to stop on drop.
    pub fn spawn_with_env(
        port: u16,
        native_port: u16,
        env: &[(&str, &str)],
        log: PathBuf,
    ) -> Driver {
        let exe = find_tauri_driver();
        let out = std::fs::File::create(&log).expect("create tauri-driver log");
        let err = out.try_clone().expect("clone log handle");
        let mut command = Command::new(&exe);
        command
            .arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .env_remove("WENZHENG_DB")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        for (name, value) in env {
            command.env(name, value);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let (name, value) = env.first().expect("an environment entry marking the app");
        Driver {
            child,
            log,
            marker: format!("{name}={value}"),
        }
    }
}

/// Stops, with SIGTERM, the app processes `apps` and any other process whose environment
/// holds `marker` (its `WENZHENG_DB`, or another entry of its own), and waits until they
/// are gone (SIGKILL after 30 s).
/// Closing the WebDriver session only asks the window to close, which hides it to the
/// tray; an app left running would hold its database and live on after the test.
/// Waiting matters for the next start on the same file: while the stopped instance still
/// exists it owns the single-instance D-Bus name, and the new one hands its start over to
/// it and exits (no window comes up). `apps` are found before the driver is stopped: a
/// process already exiting no longer shows its environment.
fn stop_apps_marked(marker: &str, mut apps: Vec<u32>) {
    apps.extend(apps_marked(marker));
    apps.sort_unstable();
    apps.dedup();
    for pid in &apps {
        signal(*pid, "-TERM");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while apps.iter().any(|pid| alive(*pid)) {
        if Instant::now() > deadline {
            for pid in apps.iter().filter(|pid| alive(**pid)) {
                signal(*pid, "-KILL");
            }
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The processes whose environment holds `marker` (`NAME=value`).
fn apps_marked(marker: &str) -> Vec<u32> {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    procs
        .flatten()
        .filter_map(|p| {
            let pid = p.file_name().to_string_lossy().parse::<u32>().ok()?;
            let env = std::fs::read(p.path().join("environ")).ok()?;
            env.split(|b| *b == 0)
                .any(|v| v == marker.as_bytes())
                .then_some(pid)
        })
        .collect()
}

fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill").arg(sig).arg(pid.to_string()).status();
}

/// Whether `pid` still runs (a zombie, already dead and waiting for its parent, does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

impl Drop for Driver {
    fn drop(&mut self) {
        let apps = apps_marked(&self.marker);
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        stop_apps_marked(&self.marker, apps);
        if std::thread::panicking() {
            if let Ok(text) = std::fs::read_to_string(&self.log) {
                eprintln!("--- tauri-driver log ---\n{text}--- end of log ---");
            }
        }
    }
}

pub fn find_tauri_driver() -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("tauri-driver"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo/bin/tauri-driver"));
    }
    candidates.into_iter().find(|p| p.is_file()).unwrap_or_else(|| {
        panic!("tauri-driver not found on PATH or in ~/.cargo/bin: cargo install tauri-driver --version '^2' --locked")
    })
}

pub fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind");
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

pub async fn connect(port: u16) -> Client {
    let mut caps = Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert("tauri:options".into(), json!({ "application": APP }));
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match ClientBuilder::native()
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(client) => return client,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("no WebDriver session from tauri-driver within 30 s: {e}"),
        }
    }
}

/// Scrolls `#id` into view, placed as `block` says (`start`, `center`, `end`), so that a
/// screenshot shows it.
pub async fn scroll_to(client: &Client, id: &str, block: &str) {
    client
        .execute(
            "document.getElementById(arguments[0]).scrollIntoView({ block: arguments[1] });",
            vec![id.into(), block.into()],
        )
        .await
        .unwrap_or_else(|e| panic!("scroll to #{id}: {e}"));
}

/// The text of `#id`, polled until `pred` holds (or panics after [`WAIT`]).
pub async fn wait_text(client: &Client, id: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(el) = client.find(Locator::Id(id)).await {
            if let Ok(t) = el.text().await {
                if pred(&t) {
                    return t;
                }
                last = t;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("#{id} never showed the expected text; last: {last:?}");
}

pub async fn fill(client: &Client, id: &str, text: &str) {
    let el = client.find(Locator::Id(id)).await.expect(id);
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("send_keys");
}

/// Clicks `#id`. A list re-rendered after a save may replace the element between the find
/// and the click (WebKitWebDriver: "Node with identifier … was not found"): it is found
/// again, until [`WAIT`].
pub async fn click(client: &Client, id: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let element = client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("#{id}: {e}"));
        match element.click().await {
            Ok(()) => return,
            Err(e) if Instant::now() < deadline && is_stale(&e) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("click #{id}: {e}"),
        }
    }
}

/// Whether `e` says the element found is no longer in the page.
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    let text = e.to_string();
    text.contains("was not found") || text.contains("stale element")
}

pub fn is_case_number(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 14
        && s.starts_with("WZ-")
        && b[3..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..].iter().all(u8::is_ascii_digit)
}

pub async fn screenshot(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("WENZHENG_SCREENSHOT_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create screenshot dir");
    let png = client.screenshot().await.expect("screenshot");
    let path = dir.join(name);
    std::fs::write(&path, png).expect("write screenshot");
    eprintln!("screenshot: {}", path.display());
}

/// The administrator's password set at the first start of each test's app.
pub const ADMIN_PASSWORD: &str = "wenzheng-2026";

/// Waits until `#id` is shown (present and displayed).
pub async fn wait_displayed(client: &Client, id: &str) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if let Ok(el) = client.find(Locator::Id(id)).await {
            if el.is_displayed().await.unwrap_or(false) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("#{id} was never shown");
}

pub async fn is_displayed(client: &Client, id: &str) -> bool {
    match client.find(Locator::Id(id)).await {
        Ok(el) => el.is_displayed().await.unwrap_or(false),
        Err(_) => false,
    }
}

/// Signs in through the login form and waits for the header to name the user.
pub async fn sign_in(client: &Client, login: &str, password: &str, shown_as: &str) {
    wait_displayed(client, "login-form").await;
    fill(client, "login-user", login).await;
    fill(client, "login-password", password).await;
    click(client, "login-submit").await;
    wait_text(client, "whoami", |t| t.contains(shown_as)).await;
    wait_count(client, "#login-overlay[hidden]", 1).await;
}

/// The first start of a fresh database: sets the administrator's password (which signs
/// the administrator in), signs out, and signs in again with that password.
pub async fn set_up_and_sign_in(client: &Client) {
    wait_displayed(client, "setup-form").await;
    fill(client, "setup-password", ADMIN_PASSWORD).await;
    fill(client, "setup-password2", ADMIN_PASSWORD).await;
    click(client, "setup-submit").await;
    wait_text(client, "whoami", |t| t.contains("系统管理员")).await;
    click(client, "logout").await;
    sign_in(client, "admin", ADMIN_PASSWORD, "系统管理员").await;
}

/// Calls a command straight over IPC; "ok", or the error as "code:message".
pub async fn raw_invoke(client: &Client, command: &str) -> String {
    raw_invoke_with(client, command, json!({})).await
}

/// Like [`raw_invoke`], with arguments.
pub async fn raw_invoke_with(client: &Client, command: &str, args: Value) -> String {
    let script = r#"
        const done = arguments[arguments.length - 1];
        window.__TAURI__.core.invoke(arguments[0], arguments[1]).then(
            () => done("ok"),
            (e) => done(e && e.code ? `${e.code}:${e.message}` : String(e)),
        );
    "#;
    client
        .execute_async(script, vec![json!(command), args])
        .await
        .expect("invoke from the page")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A started app on a scratch database.
pub struct App {
    pub _tmp: tempfile::TempDir,
    pub db: PathBuf,
    pub driver: Driver,
    pub client: Client,
}

pub async fn start() -> App {
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "the e2e test needs a display: run it under xvfb-run"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("e2e.db");
    let (port, native_port) = free_ports();
    let driver = Driver::spawn(port, native_port, &db, tmp.path().join("tauri-driver.log"));
    let client = connect(port).await;
    set_up_and_sign_in(&client).await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#dash-cards .dash-card"))
        .await
        .expect("the dashboard loaded");
    App {
        _tmp: tmp,
        db,
        driver,
        client,
    }
}

impl App {
    /// Closes the window and stops the driver; the scratch directory lives on in the
    /// returned guard, so the database can be inspected.
    pub async fn stop(self) -> (tempfile::TempDir, PathBuf) {
        let App {
            _tmp,
            db,
            driver,
            client,
        } = self;
        client.close().await.expect("close session");
        drop(driver);
        (_tmp, db)
    }
}

pub async fn css_count(client: &Client, css: &str) -> usize {
    client
        .find_all(Locator::Css(css))
        .await
        .map_or(0, |v| v.len())
}

pub async fn wait_count(client: &Client, css: &str, n: usize) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if css_count(client, css).await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let msg = client
        .find(Locator::Id("message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap_or_default();
    panic!("{css} never counted {n}; message: {msg:?}");
}

pub async fn select(client: &Client, id: &str, value: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("select {value} in #{id}: {e}"));
}

/// Registers a case through the intake form; returns its number.
pub async fn register(client: &Client, title: &str, content: &str) -> String {
    click(client, "nav-intake").await;
    fill(client, "title", title).await;
    fill(client, "content", content).await;
    click(client, "submit").await;
    let msg = wait_text(client, "message", |t| t.contains("登记成功")).await;
    msg.rsplit('：').next().unwrap().trim().to_string()
}

pub async fn open_case(client: &Client, number: &str) {
    click(client, "nav-list").await;
    let row_css = format!("#case-list:not([aria-busy]) tr[data-number=\"{number}\"] td.mono");
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&row_css))
        .await
        .expect("case listed")
        .click()
        .await
        .expect("open case");
    wait_text(client, "case-number", |t| t == number).await;
}

/// Opens the form of action `code`, lets `fill_in` fill it, confirms, and waits until
/// the timeline has one more entry.
pub async fn act<F, Fut>(client: &Client, code: &str, fill_in: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let before = css_count(client, "#timeline li").await;
    click(client, &format!("act-{code}")).await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!(
            "#action-panel[data-action=\"{code}\"] #action-submit"
        )))
        .await
        .expect("action form");
    fill_in().await;
    click(client, "action-submit").await;
    wait_count(client, "#timeline li", before + 1).await;
}

pub async fn text_of(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

pub async fn actions(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for b in client
        .find_all(Locator::Css("#case-actions button"))
        .await
        .unwrap()
    {
        out.push(b.attr("data-action").await.unwrap().unwrap_or_default());
    }
    out
}

/// A fresh database on the test server, dropped when this goes out of scope.
pub struct ServerDb {
    admin: String,
    /// The database's name.
    pub name: String,
    /// Its URL: the admin URL with the database replaced.
    pub url: String,
}

impl ServerDb {
    /// Creates `wz_e2e_…` on the server of `admin` (a `postgres://` URL with the right to
    /// create databases).
    pub async fn create(admin: &str) -> ServerDb {
        let name = format!(
            "wz_e2e_{}_{:016x}",
            std::process::id(),
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        );
        let mut conn = PgConnection::connect(admin).await.unwrap();
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        conn.close().await.unwrap();
        let mut url = url::Url::parse(admin).unwrap();
        url.set_path(&name);
        ServerDb {
            admin: admin.to_owned(),
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for ServerDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let mut conn = PgConnection::connect(&admin).await?;
                    conn.execute(sql.as_str()).await?;
                    conn.close().await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("测试数据库 {} 未能删除: {dropped:?}", self.name);
        }
    }
}
