//! Window tests of accounts, roles, backups and recovery (issue 7): the administrator's
//! 用户管理 screen, a unit handler who sees only its unit and is refused over IPC, the
//! 备份与恢复 screen, and the restore offered when the database cannot be opened.
//!
//! `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e_trust`;
//! `WENZHENG_SCREENSHOT_DIR=docs/screenshots` keeps screenshots.

#[path = "e2e/harness.rs"]
mod harness;

use harness::*;
use wenzheng_core::service::{Assignment, NewCase};
use wenzheng_core::{Ctx, Service};

const CLERK_PASSWORD: &str = "clerk-pass-2026";
const UNIT_PASSWORD: &str = "unit-pass-2026";

/// Units 甲办 and 乙办 and one acknowledged case assigned to each, written by the
/// administrator through the core on the app's own file while the app runs.
async fn two_units_two_cases(db: &Path) {
    let svc = Service::open(db).await.expect("open the app's database");
    let admin = Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: wenzheng_core::clock::now(),
    };
    for (unit, title) in [
        ("甲办", "甲办承办的路灯问题"),
        ("乙办", "乙办承办的噪音问题"),
    ] {
        svc.add_unit(&admin, unit).await.unwrap();
        let case = svc
            .register(
                &admin,
                NewCase {
                    title: title.into(),
                    content: "网民留言内容".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let id = case.id.to_string();
        svc.acknowledge(&admin, &id, None).await.unwrap();
        svc.assign(
            &admin,
            &id,
            Assignment {
                units: vec![unit.into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    svc.shutdown().await;
}

async fn add_user_in_window(c: &Client, login: &str, name: &str, role: &str, unit: Option<&str>) {
    fill(c, "user-login", login).await;
    fill(c, "user-name", name).await;
    select(c, "user-role", role).await;
    if let Some(u) = unit {
        wait_displayed(c, "user-unit-field").await;
        select(c, "user-unit", u).await;
    }
    let password = if role == "unit" {
        UNIT_PASSWORD
    } else {
        CLERK_PASSWORD
    };
    fill(c, "user-password", password).await;
    click(c, "user-add").await;
    wait_text(c, "message", |t| t.contains(&format!("已添加用户：{name}"))).await;
    wait_count(c, &format!("#user-list tr[data-login=\"{login}\"]"), 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_manages_users_and_a_unit_handler_sees_only_its_unit() {
    let app = start().await;
    let c = &app.client;
    two_units_two_cases(&app.db).await;

    // 用户管理: the administrator adds a clerk and a unit handler of 甲办.
    click(c, "nav-users").await;
    wait_count(c, "#user-list tr[data-login=\"admin\"]", 1).await;
    add_user_in_window(c, "wangxm", "王小明", "clerk", None).await;
    add_user_in_window(c, "jiaban", "甲办经办人", "unit", Some("甲办")).await;
    let row = text_of(c, "user-list").await;
    assert!(
        row.contains("甲办经办人") && row.contains("承办单位") && row.contains("甲办"),
        "{row}"
    );
    // A login already taken: the Chinese refusal, the inputs kept.
    fill(c, "user-login", "wangxm").await;
    fill(c, "user-name", "另一个王小明").await;
    select(c, "user-role", "clerk").await;
    fill(c, "user-password", CLERK_PASSWORD).await;
    click(c, "user-add").await;
    wait_text(c, "message", |t| t.contains("登录名“wangxm”已被使用")).await;
    let kept = c
        .find(Locator::Id("user-name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("另一个王小明"));
    // The last administrator cannot be disabled (nor can one disable oneself).
    click(c, "user-active-admin").await;
    wait_text(c, "message", |t| t.contains("不能停用自己正在使用的账号")).await;
    let demote = raw_invoke_with(
        c,
        "change_user",
        json!({ "login": "admin", "change": { "role": "clerk" } }),
    )
    .await;
    assert!(
        demote.starts_with("invalid:这是唯一启用的管理员账号，不能改为其他角色"),
        "{demote}"
    );
    // Role change: clerk → leader → clerk, through the edit form.
    click(c, "user-edit-wangxm").await;
    wait_displayed(c, "user-edit-form").await;
    select(c, "edit-role", "leader").await;
    click(c, "user-edit-save").await;
    wait_text(c, "message", |t| {
        t.contains("王小明（wangxm）的角色已改为领导")
    })
    .await;
    click(c, "user-edit-wangxm").await;
    select(c, "edit-role", "clerk").await;
    click(c, "user-edit-save").await;
    wait_text(c, "message", |t| t.contains("角色已改为办公室工作人员")).await;
    // Reset the clerk's password.
    click(c, "user-reset-wangxm").await;
    wait_displayed(c, "user-reset-form").await;
    fill(c, "reset-password", "reset-by-admin-1").await;
    fill(c, "reset-password2", "reset-by-admin-1").await;
    click(c, "user-reset-save").await;
    wait_text(c, "message", |t| t.contains("已重置 wangxm 的密码")).await;
    // Disable and enable the unit handler.
    click(c, "user-active-jiaban").await;
    wait_text(c, "message", |t| t.contains("已停用用户 甲办经办人")).await;
    wait_text(c, "user-list", |t| t.contains("已停用")).await;
    click(c, "user-active-jiaban").await;
    wait_text(c, "message", |t| t.contains("已启用用户 甲办经办人")).await;
    screenshot(c, "trust-users.png").await;

    // The unit handler signs in: only its unit's case, no screens it may not use.
    click(c, "logout").await;
    sign_in(c, "jiaban", UNIT_PASSWORD, "甲办经办人").await;
    for nav in ["nav-users", "nav-backup", "nav-intake"] {
        assert!(
            !is_displayed(c, nav).await,
            "{nav} is not offered to a unit handler"
        );
    }
    click(c, "nav-list").await;
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#case-list:not([aria-busy]) tr[data-number]"))
        .await
        .expect("the unit's case is listed");
    let list = text_of(c, "case-list").await;
    assert!(list.contains("甲办承办的路灯问题"), "{list}");
    assert!(
        !list.contains("乙办承办的噪音问题"),
        "another unit's case is not listed: {list}"
    );
    assert_eq!(css_count(c, "#case-list tr[data-number]").await, 1);
    let number = c
        .find(Locator::Css("#case-list tr[data-number]"))
        .await
        .unwrap()
        .attr("data-number")
        .await
        .unwrap()
        .unwrap();
    open_case(c, &number).await;
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#case-actions button"))
        .await
        .expect("the unit's actions");
    let mut offered = actions(c).await;
    offered.sort();
    assert_eq!(
        offered,
        ["progress", "return"],
        "only what a unit handler may do"
    );
    screenshot(c, "trust-unit-handler.png").await;

    // Straight over IPC, what the role may not do is refused with the Chinese message.
    let refused = raw_invoke_with(
        c,
        "add_user",
        json!({ "input": { "login": "x", "display_name": "越权", "role": "admin",
                           "password": "xxxxxxxxxx" } }),
    )
    .await;
    assert_eq!(refused, "forbidden:您的角色是“承办单位”，无权管理用户");
    assert_eq!(
        raw_invoke(c, "backup_now").await,
        "forbidden:您的角色是“承办单位”，无权备份与恢复"
    );
    let register = raw_invoke_with(
        c,
        "register_case",
        json!({ "input": { "title": "越权登记", "content": "内容" } }),
    )
    .await;
    assert_eq!(register, "forbidden:您的角色是“承办单位”，无权登记案件");
    let other = raw_invoke_with(c, "case_desk", json!({ "key": "2" })).await;
    assert!(
        other.starts_with("forbidden:") || other.starts_with("not_found:"),
        "another unit's case is refused: {other}"
    );
    let ack = raw_invoke_with(c, "acknowledge_case", json!({ "key": "2" })).await;
    assert!(ack.starts_with("forbidden:"), "{ack}");

    // The clerk signs in with the reset password and changes it.
    click(c, "logout").await;
    sign_in(c, "wangxm", "reset-by-admin-1", "王小明").await;
    assert!(is_displayed(c, "nav-intake").await);
    assert!(!is_displayed(c, "nav-users").await);
    click(c, "nav-password").await;
    fill(c, "own-password", "my-own-pass-1").await;
    fill(c, "own-password2", "my-own-pass-2").await;
    click(c, "own-password-save").await;
    wait_text(c, "message", |t| t.contains("两次输入的密码不一致")).await;
    fill(c, "own-password2", "my-own-pass-1").await;
    click(c, "own-password-save").await;
    wait_text(c, "message", |t| t.contains("密码已修改")).await;
    let other_pw = raw_invoke_with(
        c,
        "set_password",
        json!({ "login": "admin", "password": "hijacked-1" }),
    )
    .await;
    assert_eq!(
        other_pw,
        "forbidden:您的角色是“办公室工作人员”，无权管理用户"
    );
    click(c, "logout").await;
    sign_in(c, "wangxm", "my-own-pass-1", "王小明").await;

    let (_tmp, db) = app.stop().await;
    // Every change is in the history.
    let kinds = event_kinds(&db);
    for k in [
        "user_add",
        "user_change",
        "user_disable",
        "user_enable",
        "password_set",
    ] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    let svc = Service::open(&db).await.unwrap();
    assert!(svc.verify().await.unwrap().ok);
}

/// The kinds of the events in the database file, oldest first (read with Python's sqlite3).
fn event_kinds(db: &Path) -> Vec<String> {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             for (k,) in sqlite3.connect(sys.argv[1]).execute('SELECT kind FROM events ORDER BY id'):\n\
             \tprint(k)\n",
        )
        .arg(db)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The titles of the cases in the database file (read with Python's sqlite3).
fn case_titles(db: &Path) -> Vec<String> {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3, sys\n\
             for (t,) in sqlite3.connect(sys.argv[1]).execute('SELECT title FROM cases ORDER BY id'):\n\
             \tprint(t)\n",
        )
        .arg(db)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backup_screen_sets_the_folder_backs_up_and_restores() {
    let app = start().await;
    let c = &app.client;
    let usb = app._tmp.path().join("U盘").join("问政备份");
    register(c, "备份前登记的案件", "内容").await;

    click(c, "nav-backup").await;
    wait_text(c, "backup-where", |t| t.contains("备份保存在")).await;
    let daily = c.find(Locator::Id("backup-daily")).await.unwrap();
    assert_eq!(daily.prop("value").await.unwrap().as_deref(), Some("30"));
    // A relative folder is refused in Chinese and stays in the field.
    fill(c, "backup-dir", "备份").await;
    click(c, "backup-save").await;
    wait_text(c, "message", |t| t.contains("必须是完整路径")).await;
    let kept = c
        .find(Locator::Id("backup-dir"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("备份"));
    // The USB disk's folder, 7 daily and 3 monthly backups.
    fill(c, "backup-dir", &usb.display().to_string()).await;
    fill(c, "backup-daily", "7").await;
    fill(c, "backup-monthly", "3").await;
    click(c, "backup-save").await;
    wait_text(c, "message", |t| t.contains("备份设置已保存")).await;
    wait_text(c, "backup-where", |t| t.contains("问政备份")).await;
    assert!(usb.is_dir());
    // The folder is noted beside the database for a restore when it cannot be opened.
    let note = std::fs::read_to_string(app.db.with_file_name("e2e.db.backup-dir")).unwrap();
    assert_eq!(note, usb.display().to_string());

    click(c, "backup-now").await;
    wait_text(c, "message", |t| t.contains("已备份到")).await;
    wait_count(c, "#backup-list tr[data-name]", 1).await;
    let listed = text_of(c, "backup-list").await;
    assert!(
        listed.contains("wenzheng-manual-") && listed.contains("KB"),
        "{listed}"
    );
    assert!(
        listed.contains('年') && listed.contains('月'),
        "a Chinese date: {listed}"
    );
    screenshot(c, "trust-backup.png").await;

    register(c, "备份后登记的案件", "内容").await;
    click(c, "nav-backup").await;
    wait_count(c, "#backup-list tr[data-name]", 1).await;
    click(c, "restore-0").await;
    wait_displayed(c, "restore-confirm").await;
    click(c, "restore-go").await;
    wait_displayed(c, "restart-form").await;
    let said = text_of(c, "restart-text").await;
    assert!(said.contains("原数据库文件已保留为"), "{said}");
    screenshot(c, "trust-restored.png").await;
    // Nothing works on the replaced file until the program restarts.
    assert_eq!(
        raw_invoke(c, "dashboard").await,
        "restart:数据库已从备份恢复，请重新启动程序"
    );
    assert!(raw_invoke_with(
        c,
        "login",
        json!({"login": "admin", "password": ADMIN_PASSWORD})
    )
    .await
    .starts_with("restart:"));

    let (tmp, db) = app.stop().await;
    assert_eq!(case_titles(&db), ["备份前登记的案件"]);
    let kept: Vec<PathBuf> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("e2e.db.before-restore-")
                && p.extension()
                    .is_none_or(|e| !e.to_string_lossy().ends_with("wal"))
        })
        .collect();
    let old = kept
        .iter()
        .find(|p| !p.to_string_lossy().ends_with("-shm"))
        .expect("the old file is kept");
    assert_eq!(case_titles(old), ["备份前登记的案件", "备份后登记的案件"]);
    assert_eq!(event_kinds(old).last().map(String::as_str), Some("restore"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_database_at_start_offers_the_latest_backup() {
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "the e2e test needs a display: run it under xvfb-run"
    );
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("e2e.db");
    // A database with one case and the day's automatic backup beside it (backups/).
    {
        let svc = Service::open(&db).await.unwrap();
        let now = wenzheng_core::clock::now();
        let admin = svc.first_admin_password(now, ADMIN_PASSWORD).await.unwrap();
        let ctx = Ctx { actor: admin, now };
        svc.register(
            &ctx,
            NewCase {
                title: "损坏前登记的案件".into(),
                content: "内容".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        svc.auto_backup(&ctx, &tmp.path().join("backups"), Default::default())
            .await
            .unwrap()
            .expect("today's backup");
        svc.shutdown().await;
    }
    // Then the file is damaged.
    let junk: Vec<u8> = (0..16384u32).map(|i| (i * 13 % 251) as u8).collect();
    std::fs::write(&db, &junk).unwrap();

    let (port, native_port) = free_ports();
    let driver = Driver::spawn(port, native_port, &db, tmp.path().join("tauri-driver.log"));
    let c = &connect(port).await;
    wait_displayed(c, "recovery-form").await;
    assert!(!is_displayed(c, "login-form").await && !is_displayed(c, "setup-form").await);
    let offer = text_of(c, "recovery-backup").await;
    assert!(
        offer.contains("最新的备份") && offer.contains("wenzheng-"),
        "{offer}"
    );
    let problem = text_of(c, "recovery-problem").await;
    assert!(problem.contains("已损坏"), "{problem}");
    wait_displayed(c, "recovery-submit").await;
    screenshot(c, "trust-recovery.png").await;
    // Nobody signs in to the stand-in database meanwhile.
    let login = raw_invoke_with(c, "setup_admin", json!({ "password": "someone-else-1" })).await;
    assert_eq!(login, "recovery:数据库无法打开，请先从备份恢复");
    assert_eq!(raw_invoke(c, "dashboard").await, "locked:请先登录");

    click(c, "recovery-submit").await;
    wait_displayed(c, "restart-form").await;
    let said = text_of(c, "restart-text").await;
    assert!(said.contains("原数据库文件已保留为"), "{said}");
    c.clone().close().await.expect("close session");
    drop(driver);

    assert_eq!(case_titles(&db), ["损坏前登记的案件"]);
    let damaged: Vec<Vec<u8>> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("e2e.db.before-restore-"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(damaged, [junk], "the damaged file is kept as it was");
}

#[derive(serde::Deserialize)]
struct Entry {
    kind: String,
    text: String,
}

/// Sets a form field's value from the test (any character, which typing cannot give).
async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .expect("set value");
}

async fn field_value(c: &Client, id: &str) -> String {
    c.execute(
        "return document.getElementById(arguments[0]).value;",
        vec![json!(id)],
    )
    .await
    .expect("value")
    .as_str()
    .unwrap_or_default()
    .to_string()
}

async fn text_content(c: &Client, id: &str) -> String {
    c.execute(
        "return document.getElementById(arguments[0]).textContent;",
        vec![json!(id)],
    )
    .await
    .expect("textContent")
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sample_of_the_hostile_corpus_through_the_form_shows_literally() {
    let corpus: Vec<Entry> =
        serde_json::from_str(include_str!("hostile/strings.json")).expect("corpus");
    // Three entries of each kind but the 1 MB texts and the dates.
    let mut sample: Vec<&Entry> = Vec::new();
    for e in &corpus {
        let same = sample.iter().filter(|s| s.kind == e.kind).count();
        if same < 3 && e.kind != "long" && e.kind != "date" {
            sample.push(e);
        }
    }
    assert!(sample.len() >= 25, "{} entries", sample.len());
    let app = start().await;
    let c = &app.client;
    let (mut stored, mut refused) = (0, 0);
    for e in sample {
        let title: String = e.text.chars().take(50).collect();
        click(c, "nav-intake").await;
        clear_message(c).await;
        set_value(c, "title", &title).await;
        set_value(c, "content", &e.text).await;
        // What the fields hold (an input drops line breaks, a textarea normalises CR LF):
        // exactly this must come back.
        let title = field_value(c, "title").await;
        let content = field_value(c, "content").await;
        click(c, "submit").await;
        let msg = wait_text(c, "message", |t| !t.is_empty()).await;
        if let Some(number) = msg.strip_prefix("登记成功，案件编号：") {
            stored += 1;
            open_case(c, number.trim()).await;
            assert_eq!(
                text_content(c, "case-title").await,
                title.trim(),
                "{:?}",
                e.text
            );
            assert_eq!(
                text_content(c, "case-content").await,
                content.trim(),
                "{:?}",
                e.text
            );
        } else {
            refused += 1;
            assert!(
                msg.chars()
                    .any(|ch| ('\u{4e00}'..='\u{9fff}').contains(&ch)),
                "{:?}: {msg}",
                e.text
            );
            let kept = c
                .find(Locator::Id("title"))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap();
            assert_eq!(
                kept.as_deref(),
                Some(title.as_str()),
                "what was typed stays"
            );
        }
    }
    assert!(
        stored >= 20 && refused >= 1,
        "stored {stored}, refused {refused}"
    );
    // Nothing the texts carried ran.
    let pwned = c
        .execute(
            "return typeof window.__pwned === 'undefined' && typeof window.pwned === 'undefined';",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(pwned, json!(true));
    screenshot(c, "trust-hostile-case.png").await;
    click(c, "nav-list").await;
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#case-list:not([aria-busy]) tr[data-number]"))
        .await
        .unwrap();
    assert_eq!(css_count(c, "#case-list tr[data-number]").await, stored);
    screenshot(c, "trust-hostile-list.png").await;
}

async fn clear_message(c: &Client) {
    c.execute(
        "const m = document.getElementById('message'); m.textContent = ''; m.hidden = true;",
        vec![],
    )
    .await
    .expect("clear the message");
}

/// The X window id of the folder dialog, once it is shown.
async fn dialog_window() -> String {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        let out = std::process::Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "选择备份文件夹"])
            .output()
            .expect("xdotool (apt package xdotool)");
        let ids = String::from_utf8_lossy(&out.stdout).to_string();
        if let Some(id) = ids.lines().last() {
            return id.to_string();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the folder dialog never opened");
}

/// Gives the dialog the keyboard (there is no window manager under Xvfb to do it).
async fn focus(id: &str) {
    for _ in 0..20 {
        let ok = std::process::Command::new("xdotool")
            .args(["windowfocus", "--sync", id])
            .status()
            .expect("xdotool")
            .success();
        if ok {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the folder dialog never took the focus");
}

fn xdotool(args: &[&str]) {
    let ok = std::process::Command::new("xdotool")
        .args(args)
        .status()
        .expect("xdotool")
        .success();
    assert!(ok, "xdotool {args:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_folder_dialog_opens_and_cancelling_changes_nothing() {
    let app = start().await;
    let c = &app.client;
    click(c, "nav-backup").await;
    wait_text(c, "backup-where", |t| t.contains("备份保存在")).await;

    // The system's folder dialog opens; Escape cancels it and nothing changes.
    click(c, "backup-choose").await;
    let id = dialog_window().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    focus(&id).await;
    xdotool(&["key", "Escape"]);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let value = c
        .find(Locator::Id("backup-dir"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some(""));

    assert!(
        !std::process::Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "选择备份文件夹"])
            .status()
            .unwrap()
            .success(),
        "the dialog closed"
    );
    // The webview itself may not open dialogs or touch files: only the app's own
    // commands are granted.
    for (cmd, args) in [
        (
            "plugin:dialog|open",
            json!({ "options": { "directory": true } }),
        ),
        ("plugin:fs|read_dir", json!({ "path": "/" })),
    ] {
        let r = raw_invoke_with(c, cmd, args).await;
        assert!(r.contains("not allowed"), "{cmd}: {r}");
    }
    // The screen still works afterwards.
    click(c, "backup-now").await;
    wait_text(c, "message", |t| t.contains("已备份到")).await;
}
