//! End-to-end test of the desktop app over WebDriver (tauri-driver + WebKitWebDriver).
//!
//! Needs a display and a session bus; CI runs it as
//! `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e`.
//! Set `WENZHENG_SCREENSHOT_DIR` to keep screenshots of the window.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Map, Value};
use wenzheng_core::service::ListFilter;
use wenzheng_core::{Ctx, Service};

const APP: &str = env!("CARGO_BIN_EXE_wenzheng-desktop");
const WAIT: Duration = Duration::from_secs(15);

/// tauri-driver, stopped with SIGTERM when dropped (SIGKILL would orphan WebKitWebDriver
/// and keep the test's pipes open). Its output goes to a log, printed if the test fails.
struct Driver {
    child: Child,
    log: PathBuf,
}

impl Driver {
    fn spawn(port: u16, native_port: u16, db: &Path, log: PathBuf) -> Driver {
        let exe = find_tauri_driver();
        let out = std::fs::File::create(&log).expect("create tauri-driver log");
        let err = out.try_clone().expect("clone log handle");
        let child = Command::new(&exe)
            .arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .env("WENZHENG_DB", db)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        Driver { child, log }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
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
        if std::thread::panicking() {
            if let Ok(text) = std::fs::read_to_string(&self.log) {
                eprintln!("--- tauri-driver log ---\n{text}--- end of log ---");
            }
        }
    }
}

fn find_tauri_driver() -> PathBuf {
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

fn free_ports() -> (u16, u16) {
    let a = TcpListener::bind("127.0.0.1:0").expect("bind");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind");
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

async fn connect(port: u16) -> Client {
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

/// The text of `#id`, polled until `pred` holds (or panics after [`WAIT`]).
async fn wait_text(client: &Client, id: &str, pred: impl Fn(&str) -> bool) -> String {
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

async fn fill(client: &Client, id: &str, text: &str) {
    let el = client.find(Locator::Id(id)).await.expect(id);
    el.clear().await.expect("clear");
    el.send_keys(text).await.expect("send_keys");
}

async fn click(client: &Client, id: &str) {
    client
        .find(Locator::Id(id))
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click #{id}: {e}"));
}

fn is_case_number(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 14
        && s.starts_with("WZ-")
        && b[3..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..].iter().all(u8::is_ascii_digit)
}

async fn screenshot(client: &Client, name: &str) {
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

const TITLE: &str = "小区路灯不亮<img src=x onerror=\"window.__pwned=1\">";
const CONTENT: &str =
    "幸福路 12 号小区门口的路灯已经坏了两周，晚上出行很不安全。<script>alert(1)</script>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_a_case_through_the_window() {
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "the e2e test needs a display: run it as \
         `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e`"
    );
    let started = Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("e2e.db");
    let (port, native_port) = free_ports();
    let driver = Driver::spawn(port, native_port, &db, tmp.path().join("tauri-driver.log"));

    let client = connect(port).await;
    eprintln!("session up after {:?}", started.elapsed());
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#category option"))
        .await
        .expect("the window loaded its categories");
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#case-list:not([aria-busy]) tr.empty"))
        .await
        .expect("the empty list says so");
    wait_text(&client, "case-list", |t| t.contains("暂无案件")).await;

    // An empty title is refused by the core, in Chinese, in the alert area.
    click(&client, "nav-intake").await;
    fill(&client, "content", "只有内容").await;
    click(&client, "submit").await;
    let msg = wait_text(&client, "message", |t| !t.is_empty()).await;
    assert!(msg.contains("标题不能为空"), "message: {msg}");
    let role = client
        .find(Locator::Id("message"))
        .await
        .unwrap()
        .attr("role")
        .await
        .unwrap();
    assert_eq!(role.as_deref(), Some("alert"));

    // A case with markup in its title and content.
    fill(&client, "title", TITLE).await;
    fill(&client, "content", CONTENT).await;
    client
        .find(Locator::Id("category"))
        .await
        .unwrap()
        .select_by_value("民生")
        .await
        .expect("select 民生");
    fill(&client, "poster", "热心居民").await;
    fill(&client, "phone", "138 0000 0000").await;
    click(&client, "important").await;
    click(&client, "submit").await;
    let msg = wait_text(&client, "message", |t| t.contains("登记成功")).await;
    let number = msg
        .rsplit('：')
        .next()
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    assert!(is_case_number(&number), "case number {number:?} in {msg:?}");
    let title_now = client
        .find(Locator::Id("title"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(title_now.as_deref(), Some(""), "the form is cleared");
    screenshot(&client, "intake.png").await;

    // A plain second case, so the list looks like a working day.
    fill(&client, "title", "建议增加公交 3 路早班车次").await;
    fill(
        &client,
        "content",
        "早上 7 点前的 3 路公交车太少，上班族等车时间过长。",
    )
    .await;
    click(&client, "complex").await;
    click(&client, "submit").await;
    let msg2 = wait_text(&client, "message", |t| t.contains("登记成功") && *t != msg).await;
    assert!(!msg2.ends_with(&number), "{msg2}");

    // The list shows the case with its title as plain text.
    click(&client, "nav-list").await;
    // Clicking starts a reload that marks the list busy; wait for the settled rows.
    let row_css = format!("#case-list:not([aria-busy]) tr[data-number=\"{number}\"]");
    let row = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&row_css))
        .await
        .expect("the new case is listed");
    let shown_number = row
        .find(Locator::Css("td"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown_number, number);
    let shown_title = row
        .find(Locator::Css(".case-title"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(shown_title, TITLE, "the title is shown literally");
    let row_text = row.text().await.unwrap();
    assert!(
        row_text.contains("民生") && row_text.contains("待受理"),
        "{row_text}"
    );
    assert!(
        row_text.contains('年') && row_text.contains('日'),
        "{row_text}"
    );
    let rows = client
        .find_all(Locator::Css("#case-list:not([aria-busy]) tr[data-number]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    let injected = client
        .find_all(Locator::Css("#case-list img, #case-list script"))
        .await
        .unwrap();
    assert!(injected.is_empty(), "citizen markup became elements");
    let pwned = client
        .execute("return window.__pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, Value::Bool(true), "citizen markup ran as script");
    assert!(
        client.get_alert_text().await.is_err(),
        "an alert is open: citizen markup ran as script"
    );
    screenshot(&client, "list.png").await;

    client.close().await.expect("close session");
    drop(driver);

    // The database holds exactly one case with that title.
    let svc = Service::open(&db).await.expect("open e2e db");
    let ctx = Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: wenzheng_core::clock::now(),
    };
    let cases = svc.list_cases(&ctx, &ListFilter::default()).await.unwrap();
    let same: Vec<_> = cases.iter().filter(|c| c.title == TITLE).collect();
    assert_eq!(same.len(), 1, "cases: {cases:#?}");
    assert_eq!(same[0].number, number);
    assert_eq!(same[0].content, CONTENT);
    assert_eq!(same[0].category, "民生");
    assert!(same[0].important);
    assert_eq!(cases.len(), 2);
    svc.shutdown().await;
    eprintln!("e2e done in {:?}", started.elapsed());
}
