//! End-to-end test of the desktop app over WebDriver (tauri-driver + WebKitWebDriver).
//!
//! Needs a display and a session bus; CI runs it as
//! `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e`.
//! Set `WENZHENG_SCREENSHOT_DIR` to keep screenshots of the window.

#[path = "e2e/harness.rs"]
mod harness;

use harness::*;
use std::process::Command;
use wenzheng_core::service::ListFilter;
use wenzheng_core::{Ctx, Service};

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
    set_up_and_sign_in(&client).await;
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#category option"))
        .await
        .expect("the window loaded its categories");
    click(&client, "nav-list").await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_from_intake_to_archive_in_the_window() {
    let app = start().await;
    let c = &app.client;
    screenshot(c, "dashboard-empty.png").await;

    // 单位: two handling units.
    click(c, "nav-units").await;
    for name in ["镇城建办", "镇农业农村办"] {
        fill(c, "unit-name", name).await;
        click(c, "unit-add").await;
        wait_text(c, "unit-list", |t| t.contains(name)).await;
    }

    let number = register(c, "幸福路路灯损坏", "幸福路 12 号门口的路灯坏了两周。").await;
    open_case(c, &number).await;
    assert_eq!(text_of(c, "case-status").await, "待受理");
    assert!(text_of(c, "case-reply-due").await.contains("7 个工作日"));
    assert_eq!(actions(c).await, ["acknowledge", "instruct", "merge"]);

    // 受理 with the standard text prefilled.
    act(c, "acknowledge", || async {
        let text = c
            .find(Locator::Id("af-text"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(text, "您反映的问题已由我单位受理，将尽快给您回复。");
    })
    .await;
    assert_eq!(text_of(c, "case-status").await, "已受理");

    // A refused step shows the Chinese error and keeps what was typed.
    click(c, "act-instruct").await;
    fill(c, "af-leader", "张镇长").await;
    click(c, "action-submit").await;
    let msg = wait_text(c, "message", |t| t.contains("不能为空")).await;
    assert!(msg.contains("批示内容"), "{msg}");
    let kept = c
        .find(Locator::Id("af-leader"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("张镇长"));
    fill(c, "af-text", "请城建办三日内修复").await;
    let before = css_count(c, "#timeline li").await;
    click(c, "action-submit").await;
    wait_count(c, "#timeline li", before + 1).await;

    // 交办 to two units: the due date (15 working days) is shown before confirming.
    act(c, "assign", || async {
        for unit in ["镇城建办", "镇农业农村办"] {
            c.find(Locator::Css(&format!("#af-units input[value=\"{unit}\"]")))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
        }
        let preview = wait_text(c, "assign-preview", |t| t.contains("15 个工作日")).await;
        assert!(
            preview.contains("年") && preview.contains("日"),
            "{preview}"
        );
        fill(c, "af-requirements", "三日内修复并报告").await;
    })
    .await;
    assert_eq!(text_of(c, "case-status").await, "已交办");
    let units = text_of(c, "case-units").await;
    assert!(
        units.contains("镇城建办（主办）") && units.contains("镇农业农村办（协办）"),
        "{units}"
    );
    assert!(text_of(c, "case-reply-due").await.contains("15 个工作日"));

    act(c, "urge", || async {
        select(c, "af-unit", "镇城建办").await;
        select(c, "af-level", "黄牌").await;
    })
    .await;
    act(c, "progress", || async {
        select(c, "af-unit", "镇城建办").await;
        fill(c, "af-text", "已更换灯泡，正在检修线路").await;
    })
    .await;
    assert_eq!(text_of(c, "case-status").await, "办理中");
    act(c, "extend", || async {
        fill(c, "af-days", "3").await;
        fill(c, "af-reason", "需更换电缆，材料待采购").await;
    })
    .await;
    let due = text_of(c, "case-reply-due").await;
    assert!(
        due.contains("18 个工作日") && due.contains("含延期 3 个"),
        "{due}"
    );
    assert!(text_of(c, "case-remaining").await.contains("个工作日"));

    act(c, "reply_final", || async {
        select(c, "af-template", "3").await;
        let t = c
            .find(Locator::Id("af-text"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert!(t.starts_with("您好！"), "template text filled in: {t}");
        fill(c, "af-text", "您好！路灯已于近日修复，感谢您的监督。").await;
    })
    .await;
    assert_eq!(text_of(c, "case-status").await, "已答复");
    assert!(text_of(c, "case-remaining").await.contains("已答复"));
    act(c, "feedback", || async {}).await;
    act(c, "followup", || async {
        select(c, "af-satisfaction", "满意").await;
        fill(c, "af-note", "网民表示满意").await;
    })
    .await;
    act(c, "close", || async {
        fill(c, "af-result", "路灯已修复，网民满意").await;
    })
    .await;
    assert_eq!(text_of(c, "case-status").await, "已办结");
    screenshot(c, "case.png").await;
    act(c, "archive", || async {}).await;
    assert_eq!(text_of(c, "case-status").await, "已归档");
    assert!(actions(c).await.is_empty());

    // Every step is in the timeline, in order, with who did it.
    let mut kinds = Vec::new();
    for li in c.find_all(Locator::Css("#timeline li")).await.unwrap() {
        kinds.push(li.attr("data-kind").await.unwrap().unwrap_or_default());
    }
    assert_eq!(
        kinds,
        [
            "register",
            "acknowledge",
            "instruct",
            "assign",
            "urge",
            "progress",
            "extend",
            "reply_final",
            "feedback",
            "followup",
            "close",
            "archive"
        ]
    );
    let timeline = text_of(c, "timeline").await;
    for want in [
        "张镇长批示：请城建办三日内修复",
        "催办镇城建办（黄牌）",
        "延期 3 个工作日",
        "第1次书面反馈",
        "回访：满意",
        "系统管理员",
    ] {
        assert!(timeline.contains(want), "timeline lacks {want}: {timeline}");
    }

    // The dashboard counts it as archived.
    click(c, "nav-dash").await;
    wait_text(c, "dash-status", |t| {
        t.contains("已归档") && t.contains('1')
    })
    .await;
    let (_keep, db) = app.stop().await;

    let svc = Service::open(&db).await.unwrap();
    let ctx = Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: wenzheng_core::clock::now(),
    };
    let detail = svc.case_detail(&ctx, &number).await.unwrap();
    assert_eq!(detail.case.status, "archived");
    assert_eq!(detail.case.extension_days, 3);
    assert!(svc.verify().await.unwrap().ok);
    svc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_shows_literally_and_two_character_search_finds_it() {
    let app = start().await;
    let c = &app.client;
    let hostile = register(c, TITLE, CONTENT).await;
    let other = register(
        c,
        "建议增加公交早班车",
        "早上 7 点前的 3 路公交车太少，请督办公交公司。",
    )
    .await;
    register(c, "垃圾清运不及时", "小区垃圾堆了三天无人清运").await;

    // A two-character query (the trigram index alone finds nothing for it).
    click(c, "nav-list").await;
    fill(c, "flt-q", "督办").await;
    click(c, "search").await;
    wait_count(c, "#case-list:not([aria-busy]) tr[data-number]", 1).await;
    assert_eq!(
        css_count(c, &format!("#case-list tr[data-number=\"{other}\"]")).await,
        1
    );
    fill(c, "flt-q", "路灯").await;
    click(c, "search").await;
    wait_count(
        c,
        &format!("#case-list:not([aria-busy]) tr[data-number=\"{hostile}\"]"),
        1,
    )
    .await;
    assert_eq!(css_count(c, "#case-list tr[data-number]").await, 1);
    screenshot(c, "search.png").await;

    // The hostile case's screen shows its text literally; nothing ran.
    c.find(Locator::Css(&format!(
        "#case-list tr[data-number=\"{hostile}\"] td.mono"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    wait_text(c, "case-number", |t| t == hostile).await;
    assert_eq!(text_of(c, "case-title").await, TITLE);
    assert_eq!(text_of(c, "case-content").await, CONTENT);
    assert_eq!(
        css_count(c, "#view-case img, #view-case script, #view-list img").await,
        0
    );
    let pwned = c
        .execute("return window.__pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, Value::Bool(true), "citizen markup ran as script");
    assert!(c.get_alert_text().await.is_err(), "an alert is open");

    // A screenshot attached through the file picker, under a hostile file name.
    let shots = tempfile::tempdir().unwrap();
    let picked = shots
        .path()
        .join("<img src=x onerror=window.__pwned=1>.png");
    std::fs::write(&picked, b"\x89PNG\r\n\x1a\n a screenshot").unwrap();
    c.find(Locator::Id("attach-file"))
        .await
        .unwrap()
        .send_keys(picked.to_str().unwrap())
        .await
        .unwrap();
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#case-attachments li[data-sha256]"))
        .await
        .expect("the attachment is listed");
    let listed = text_of(c, "case-attachments").await;
    assert!(
        listed.contains("<img src=x onerror=window.__pwned=1>.png"),
        "{listed}"
    );
    assert_eq!(css_count(c, "#view-case img").await, 0);
    let pwned = c
        .execute("return window.__pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(
        pwned,
        Value::Bool(true),
        "an attachment's name ran as script"
    );

    // The dashboard: three awaiting acknowledgment, one click into the list.
    click(c, "nav-dash").await;
    wait_text(c, "q-awaiting_ack", |t| t.starts_with('3')).await;
    screenshot(c, "dashboard.png").await;
    click(c, "q-awaiting_ack").await;
    wait_count(c, "#case-list:not([aria-busy]) tr[data-number]", 3).await;

    // Templates and the calendar screens render.
    click(c, "nav-templates").await;
    wait_text(c, "tpl-list", |t| t.contains("最终答复")).await;
    click(c, "nav-calendar").await;
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#cal-grid .day.off"))
        .await
        .expect("holidays marked");
    screenshot(c, "calendar.png").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_start_login_lock_and_the_integrity_warning() {
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "the e2e test needs a display: run it under xvfb-run"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("e2e.db");
    let (port, native_port) = free_ports();
    let driver = Driver::spawn(port, native_port, &db, tmp.path().join("tauri-driver.log"));
    let c = &connect(port).await;

    // The first start asks for the administrator's password; nothing else answers yet.
    wait_displayed(c, "setup-form").await;
    assert!(!is_displayed(c, "login-form").await);
    assert_eq!(raw_invoke(c, "dashboard").await, "locked:请先登录");
    fill(c, "setup-password", ADMIN_PASSWORD).await;
    fill(c, "setup-password2", "wenzheng-2027").await;
    click(c, "setup-submit").await;
    wait_text(c, "login-message", |t| t.contains("两次输入的密码不一致")).await;
    screenshot(c, "login-setup.png").await;
    fill(c, "setup-password", "short").await;
    fill(c, "setup-password2", "short").await;
    click(c, "setup-submit").await;
    wait_text(c, "login-message", |t| t.contains("至少需要 8 个字符")).await;
    assert_eq!(raw_invoke(c, "dashboard").await, "locked:请先登录");
    fill(c, "setup-password", ADMIN_PASSWORD).await;
    fill(c, "setup-password2", ADMIN_PASSWORD).await;
    click(c, "setup-submit").await;
    wait_text(c, "whoami", |t| t.contains("系统管理员")).await;
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#dash-cards .dash-card"))
        .await
        .expect("the dashboard loaded");
    assert!(
        !is_displayed(c, "integrity-warning").await,
        "a fresh file is intact"
    );
    // Setup is done once: the command now refuses.
    let again = raw_invoke_with(c, "setup_admin", json!({ "password": "another-password" })).await;
    assert!(again.starts_with("forbidden:管理员密码已经设置"), "{again}");

    // Locked in the middle of typing: the login form comes back, the inputs stay.
    click(c, "nav-intake").await;
    fill(c, "title", "锁定前输入的标题").await;
    assert_eq!(raw_invoke(c, "logout").await, "ok");
    click(c, "nav-list").await;
    wait_displayed(c, "login-form").await;
    wait_text(c, "login-message", |t| t.contains("会话已锁定，请重新登录")).await;
    assert_eq!(raw_invoke(c, "search_cases").await, "locked:请先登录");
    // A wrong password is refused, and the app stays locked.
    fill(c, "login-user", "admin").await;
    fill(c, "login-password", "wrong-password").await;
    click(c, "login-submit").await;
    wait_text(c, "login-message", |t| t.contains("登录名或密码不正确")).await;
    assert_eq!(raw_invoke(c, "search_cases").await, "locked:请先登录");
    screenshot(c, "login.png").await;
    sign_in(c, "admin", ADMIN_PASSWORD, "系统管理员").await;
    click(c, "nav-intake").await;
    let kept = c
        .find(Locator::Id("title"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("锁定前输入的标题"));
    assert_eq!(raw_invoke(c, "search_cases").await, "ok");

    // 退出: the login form, and the case list is out of reach.
    click(c, "logout").await;
    wait_displayed(c, "login-form").await;
    assert_eq!(raw_invoke(c, "search_cases").await, "locked:请先登录");
    c.clone().close().await.expect("close session");
    drop(driver);
    // The start made the day's backup beside the database.
    let backups: Vec<_> = std::fs::read_dir(tmp.path().join("backups"))
        .expect("backups folder")
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");

    // Someone edits the history behind the app's back.
    let tamper = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             con = sqlite3.connect(sys.argv[1])\n\
             con.execute('DROP TRIGGER events_no_update')\n\
             n = con.execute(\"UPDATE events SET summary = summary || '（改）' \
             WHERE id = (SELECT MIN(id) FROM events)\").rowcount\n\
             assert n == 1, n\n\
             con.commit()\n\
             con.close()\n",
        )
        .arg(&db)
        .status()
        .expect("python3");
    assert!(tamper.success());

    // The next start finds it and warns after sign-in.
    let (port, native_port) = free_ports();
    let driver = Driver::spawn(
        port,
        native_port,
        &db,
        tmp.path().join("tauri-driver-2.log"),
    );
    let c = &connect(port).await;
    sign_in(c, "admin", ADMIN_PASSWORD, "系统管理员").await;
    let warning = wait_text(c, "integrity-warning", |t| !t.is_empty()).await;
    assert!(
        warning.starts_with("数据库完整性检查发现问题："),
        "{warning}"
    );
    assert!(is_displayed(c, "integrity-warning").await);
    screenshot(c, "integrity-warning.png").await;
    c.clone().close().await.expect("close session");
    drop(driver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_about_screen_shows_the_version_the_holiday_years_and_the_files() {
    let app = start().await;
    let c = &app.client;
    click(c, "nav-about").await;
    let fields = wait_text(c, "about-fields", |t| t.contains("日志文件夹")).await;
    assert!(fields.contains(env!("CARGO_PKG_VERSION")), "{fields}");
    assert!(fields.contains("2024年、2025年、2026年"), "{fields}");
    assert!(fields.contains(&app.db.display().to_string()), "{fields}");
    assert!(fields.contains("backups"), "{fields}");
    screenshot(c, "about.png").await;
    app.stop().await;
}
