//! Two app instances on one PostgreSQL server (the office LAN's shared store), in the real
//! window over WebDriver: both open the same case; 张三 in instance A records a leader's
//! instruction; 李四 in instance B, on the page he opened before, records one too and is
//! told in Chinese that 张三 changed the case — his page reloads showing 张三's entry and
//! his form comes back with what he typed; he confirms again and it is saved. Nothing is
//! lost: both instructions are on the timeline, once each.
//!
//! Needs a test server: `scripts/pg-test-server start` prints the admin URL for
//! `WENZHENG_TEST_PG_URL`; the test creates a fresh database there and drops it after.
//! Without it the test is skipped with a notice.
//!
//! `WENZHENG_TEST_PG_URL=… xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop
//! --test e2e_shared`; with `WENZHENG_SCREENSHOT_DIR=docs/screenshots` it keeps a screenshot
//! of the conflict message.

#[path = "e2e/harness.rs"]
mod harness;

use harness::*;
use wenzheng_core::db::Location;
use wenzheng_core::service::{NewCase, NewUser};
use wenzheng_core::{Ctx, Service};

const PG_URL_ENV: &str = "WENZHENG_TEST_PG_URL";

/// One app instance on the server's database: its tauri-driver and window session.
struct Instance {
    _dir: tempfile::TempDir,
    _driver: Driver,
    client: Client,
}

async fn start_instance(url: &str) -> Instance {
    let dir = tempfile::tempdir().unwrap();
    let (port, native_port) = free_ports();
    let driver = Driver::spawn(
        port,
        native_port,
        std::path::Path::new(url),
        dir.path().join("tauri-driver.log"),
    );
    let client = connect(port).await;
    Instance {
        _dir: dir,
        _driver: driver,
        client,
    }
}

/// The office on the server: the clerks 张三 and 李四 and one registered case.
async fn seed(url: &str) -> String {
    let svc = Service::connect(&Location::Server(url.to_owned()))
        .await
        .unwrap();
    let admin = svc.actor(None).await.unwrap();
    let ctx = Ctx {
        actor: admin,
        now: wenzheng_core::clock::now(),
    };
    for (login, name) in [("zhangsan", "张三"), ("lisi", "李四")] {
        svc.add_user(
            &ctx,
            NewUser {
                login: login.into(),
                display_name: name.into(),
                role: "clerk".into(),
                unit: None,
                password: Some(format!("{login}-2026")),
            },
        )
        .await
        .unwrap();
    }
    let case = svc
        .register(
            &ctx,
            NewCase {
                title: "小区垃圾无人清运".into(),
                content: "幸福小区三天没有清运垃圾".into(),
                ..NewCase::default()
            },
        )
        .await
        .unwrap();
    svc.shutdown().await;
    case.number
}

async fn instruct(client: &Client, leader: &str, text: &str) {
    click(client, "act-instruct").await;
    wait_displayed(client, "af-leader").await;
    fill(client, "af-leader", leader).await;
    fill(client, "af-text", text).await;
    click(client, "action-submit").await;
}

async fn timeline(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for li in client
        .find_all(Locator::Css("#timeline li .ev-summary"))
        .await
        .unwrap()
    {
        out.push(li.text().await.unwrap_or_default());
    }
    out
}

#[tokio::test]
async fn two_instances_on_one_server_never_lose_an_update() {
    let admin_url = match std::env::var(PG_URL_ENV) {
        Ok(url) if !url.is_empty() => url,
        _ => {
            eprintln!(
                "跳过 e2e_shared：未设置 {PG_URL_ENV}（scripts/pg-test-server start 会给出）"
            );
            return;
        }
    };
    let db = ServerDb::create(&admin_url).await;
    let number = seed(&db.url).await;

    // Instance A: the first start on the server sets the administrator's password; then
    // 张三 signs in. Instance B, started next, shows the sign-in form; 李四 signs in.
    let a = start_instance(&db.url).await;
    set_up_and_sign_in(&a.client).await;
    click(&a.client, "logout").await;
    sign_in(&a.client, "zhangsan", "zhangsan-2026", "张三").await;
    let b = start_instance(&db.url).await;
    sign_in(&b.client, "lisi", "lisi-2026", "李四").await;

    // Both open the same case.
    open_case(&a.client, &number).await;
    open_case(&b.client, &number).await;
    assert_eq!(text_of(&b.client, "case-status").await, "待受理");

    // 张三 records the leader's instruction first.
    instruct(&a.client, "张镇长", "请环卫所今日清运完毕").await;
    wait_text(&a.client, "message", |t| t.contains("已领导批示")).await;

    // 李四, on his stale page, records one too: refused, told who changed the case.
    instruct(&b.client, "李副镇长", "请城管局配合督促").await;
    let message = wait_text(&b.client, "message", |t| t.contains("您的修改没有保存")).await;
    assert!(
        message.starts_with(&format!("案件 {number} 已被 张三 于 ")),
        "{message}"
    );
    assert!(
        message.contains("修改（张镇长批示：请环卫所今日清运完毕）"),
        "{message}"
    );
    // The reopened form says it too, where he is looking.
    let note = text_of(&b.client, "action-conflict").await;
    assert!(
        note.starts_with(&message) && note.contains("您填写的内容仍在下面"),
        "{note}"
    );
    // His page was reloaded: 张三's instruction is on his timeline, his own is not…
    let events = timeline(&b.client).await;
    assert!(
        events.iter().any(|e| e.contains("请环卫所今日清运完毕")),
        "{events:?}"
    );
    assert!(
        !events.iter().any(|e| e.contains("请城管局配合督促")),
        "{events:?}"
    );
    // …and his form is open again with what he typed.
    let typed = b
        .client
        .find(Locator::Id("af-text"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("请城管局配合督促"));
    screenshot(&b.client, "shared-conflict.png").await;

    // He confirms again: saved, after 张三's.
    let before = css_count(&b.client, "#timeline li").await;
    click(&b.client, "action-submit").await;
    wait_count(&b.client, "#timeline li", before + 1).await;
    let events = timeline(&b.client).await;
    for text in ["请环卫所今日清运完毕", "请城管局配合督促"] {
        assert_eq!(
            events.iter().filter(|e| e.contains(text)).count(),
            1,
            "{text}: {events:?}"
        );
    }

    // The backup screen of an instance on the server says where it is backed up.
    click(&a.client, "logout").await;
    sign_in(&a.client, "admin", ADMIN_PASSWORD, "系统管理员").await;
    click(&a.client, "nav-backup").await;
    let note = wait_text(&a.client, "backup-server-note", |t| !t.is_empty()).await;
    assert!(note.contains("由管理员在服务器上备份与恢复"), "{note}");
    assert!(
        !note.contains("wenzheng:wenzheng@"),
        "password shown: {note}"
    );

    a.client.close().await.unwrap();
    b.client.close().await.unwrap();
}
