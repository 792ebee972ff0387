//! The desk's finishing pieces in the real app window over WebDriver: the paste helper
//! and the duplicate suggestions at intake (register and merge / link in one go), linking
//! and merging from the case screen, editing a day of the calendar (and the reply date of
//! an open case moving with it), renaming and switching off a unit.
//!
//! `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e_desk`;
//! with `WENZHENG_SCREENSHOT_DIR=docs/screenshots` it keeps screenshots of these screens.

#[path = "e2e/harness.rs"]
mod harness;

use chrono::{Datelike, NaiveDate, Weekday};
use harness::*;

const ENTER: &str = "\u{E007}";

async fn click_css(c: &Client, css: &str) {
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// A screenshot once the window has painted the last change.
async fn snap(c: &Client, name: &str) {
    tokio::time::sleep(Duration::from_millis(600)).await;
    screenshot(c, name).await;
}

async fn value_of(c: &Client, id: &str) -> String {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn kinds(c: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for li in c.find_all(Locator::Css("#timeline li")).await.unwrap() {
        out.push(li.attr("data-kind").await.unwrap().unwrap_or_default());
    }
    out
}

/// "2026年12月8日" at the start of `text`.
fn chinese_day(text: &str) -> NaiveDate {
    let end = text.find('日').expect("a Chinese date") + '日'.len_utf8();
    NaiveDate::parse_from_str(&text[..end], "%Y年%m月%d日").expect("a Chinese date")
}

fn chinese(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

const PASTED: &str = "留言标题：菜市场凌晨卸货噪音扰民\n\
留言人：夜里睡不着　　留言时间：2026-11-20 23:41\n\
联系电话：138****8000\n\
留言内容：菜市场每天凌晨三点就开始卸货，噪音很大。<img src=x onerror=\"window.__pwned=1\">\n\
希望管一管。\n\
https://liuyan.example.gov.cn/thread/20261120\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_then_register_as_a_duplicate_from_the_suggestions() {
    let app = start().await;
    let c = &app.client;
    let main = register(
        c,
        "菜市场凌晨卸货噪音扰民",
        "菜市场每天凌晨卸货，噪音扰民。",
    )
    .await;

    // The paste box: the core reads the text, the form is filled, nothing is saved.
    click(c, "nav-intake").await;
    click_css(c, "#paste-box summary").await;
    // A paste puts the whole text in at once (typed keys would lose the line breaks).
    c.execute(
        "const t = document.getElementById('paste-text'); t.value = arguments[0]; \
         t.dispatchEvent(new Event('input', { bubbles: true }));",
        vec![json!(PASTED)],
    )
    .await
    .unwrap();
    click(c, "paste-parse").await;
    let msg = wait_text(c, "message", |t| t.contains("已识别并填入")).await;
    assert!(msg.contains("尚未保存"), "{msg}");
    assert_eq!(value_of(c, "title").await, "菜市场凌晨卸货噪音扰民");
    assert_eq!(value_of(c, "poster").await, "夜里睡不着");
    assert_eq!(value_of(c, "received").await, "2026-11-20T23:41");
    assert_eq!(
        value_of(c, "link").await,
        "https://liuyan.example.gov.cn/thread/20261120"
    );
    assert!(value_of(c, "content").await.contains("<img src=x"));
    assert_eq!(
        value_of(c, "phone").await,
        "",
        "a masked phone is not filled in"
    );
    let notes = wait_text(c, "paste-notes", |t| !t.is_empty()).await;
    assert!(notes.contains("138****8000"), "{notes}");

    // The existing case is suggested, with the buttons to link or merge.
    let li = format!("#similar-list li[data-number=\"{main}\"]");
    c.wait()
        .at_most(WAIT)
        .for_element(Locator::Css(&format!("{li} .sim-merge")))
        .await
        .expect("the existing case is suggested");
    scroll_to(c, "similar", "end").await;
    snap(c, "intake-paste-similar.png").await;

    // A refusal keeps what was typed.
    fill(c, "title", " ").await;
    click_css(c, &format!("{li} .sim-merge")).await;
    let msg = wait_text(c, "message", |t| !t.is_empty() && !t.contains("已识别")).await;
    assert!(msg.contains("标题不能为空"), "{msg}");
    assert!(value_of(c, "content").await.contains("希望管一管"));
    assert_eq!(value_of(c, "poster").await, "夜里睡不着");

    // Registered and closed as a duplicate of the main case in one go, with the
    // platform's screenshot picked at intake.
    fill(c, "title", "菜市场凌晨卸货噪音扰民").await;
    let shots = tempfile::tempdir().unwrap();
    let picked = shots.path().join("平台截图.png");
    std::fs::write(&picked, b"\x89PNG\r\n\x1a\n a screenshot").unwrap();
    c.find(Locator::Id("intake-files"))
        .await
        .unwrap()
        .send_keys(picked.to_str().unwrap())
        .await
        .unwrap();
    // The picked file is named in Chinese beside the button, not WebKit's English line.
    wait_text(c, "intake-files-chosen", |t| {
        t == "已选择 1 个文件：平台截图.png"
    })
    .await;
    scroll_to(c, "intake-files-chosen", "center").await;
    // WebKit's own date and time fields speak the web context's language, set to zh-CN
    // whatever the PC's locale (this machine's is not Chinese): 收到时间 reads
    // 2026/11/20 23:41 in the screenshot, not 11/20/2026, 11:41 PM.
    let language = c
        .execute("return navigator.language;", vec![])
        .await
        .unwrap();
    assert_eq!(language, json!("zh-CN"));
    snap(c, "intake-file-picked.png").await;
    click_css(c, &format!("{li} .sim-merge")).await;
    let msg = wait_text(c, "message", |t| t.contains("登记成功")).await;
    assert_eq!(text_of(c, "intake-files-chosen").await, "未选择文件");
    assert!(
        msg.contains(&format!("已作为 {main} 的重复件办结")),
        "{msg}"
    );
    let dup = msg
        .split("案件编号：")
        .nth(1)
        .unwrap()
        .split('，')
        .next()
        .unwrap()
        .to_string();
    assert!(is_case_number(&dup), "{dup}");
    assert_eq!(
        value_of(c, "title").await,
        "",
        "the form is cleared after saving"
    );

    open_case(c, &dup).await;
    assert_eq!(text_of(c, "case-status").await, "已办结");
    let links = text_of(c, "case-links").await;
    assert!(links.contains("主件") && links.contains(&main), "{links}");
    assert_eq!(kinds(c).await, ["register", "merge", "attach"]);
    assert!(text_of(c, "case-attachments")
        .await
        .contains("平台截图.png"));
    // The citizen's text is shown as text.
    assert!(text_of(c, "case-content").await.contains("<img src=x"));
    let pwned = c
        .execute("return window.__pwned === undefined;", vec![])
        .await
        .unwrap();
    assert_eq!(pwned, json!(true), "nothing the citizen wrote ran");

    // Both directions: the main case names its duplicate, one click away.
    click_css(c, &format!("#case-links li[data-number=\"{main}\"] button")).await;
    wait_text(c, "case-number", |t| t == main).await;
    let links = text_of(c, "case-links").await;
    assert!(links.contains("重复件") && links.contains(&dup), "{links}");
    assert_eq!(kinds(c).await.last().unwrap(), "merge_in");
    snap(c, "case-duplicate-links.png").await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_merge_calendar_day_and_units_from_their_screens() {
    let app = start().await;
    let c = &app.client;
    let a = register(c, "城南路灯不亮", "城南路段的路灯坏了一个月。").await;
    let b = register(c, "城南路段夜间太黑", "晚上走路很危险。").await;
    let d = register(c, "城南路灯还是不亮", "上次反映的路灯还没修。").await;

    // 关联案件 from the case screen, by number.
    open_case(c, &b).await;
    fill(c, "link-other", &a.to_lowercase()).await;
    fill(c, "link-note", "同一路段").await;
    click(c, "link-add").await;
    wait_text(c, "case-links", |t| t.contains(&a)).await;
    assert!(text_of(c, "case-links").await.contains("同一路段"));
    assert_eq!(kinds(c).await.last().unwrap(), "link");
    // Again: refused in Chinese, the number stays typed.
    fill(c, "link-other", &a).await;
    click(c, "link-add").await;
    let msg = wait_text(c, "message", |t| t.contains("已经关联")).await;
    assert!(msg.contains(&b), "{msg}");
    assert_eq!(value_of(c, "link-other").await, a);
    scroll_to(c, "message", "start").await;
    snap(c, "case-link.png").await;

    // 合并为重复件 from the case screen's actions.
    open_case(c, &d).await;
    assert!(actions(c).await.contains(&"merge".to_string()));
    act(c, "merge", || async {
        fill(c, "af-main", &a).await;
        scroll_to(c, "action-panel", "end").await;
        snap(c, "case-merge.png").await;
    })
    .await;
    assert_eq!(text_of(c, "case-status").await, "已办结");
    assert!(text_of(c, "case-links").await.contains(&a));
    assert!(actions(c).await.contains(&"archive".to_string()));

    // A day of the calendar: the reply day of case A becomes a day off.
    open_case(c, &a).await;
    let due = chinese_day(&text_of(c, "case-reply-due").await);
    let mut next = due.succ_opt().unwrap();
    while matches!(next.weekday(), Weekday::Sat | Weekday::Sun) {
        next = next.succ_opt().unwrap();
    }
    click(c, "nav-calendar").await;
    let cell = format!("#cal-grid .day[data-day=\"{}\"]", due.format("%Y-%m-%d"));
    click_css(c, &cell).await;
    wait_displayed(c, "cal-edit").await;
    wait_text(c, "cal-edit-day", |t| t == chinese(due)).await;
    let checked = c
        .find(Locator::Id("cal-mode-holiday"))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(
        checked.as_deref(),
        Some("true"),
        "a working day is offered as 休"
    );
    fill(c, "cal-note", "镇集中停电").await;
    while value_of(c, "cal-note").await != "镇集中停电" {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    c.execute(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'center' });",
        vec![json!(cell)],
    )
    .await
    .unwrap();
    snap(c, "calendar-day-edit.png").await;
    click(c, "cal-save").await;
    let msg = wait_text(c, "message", |t| t.contains("已设为休息日")).await;
    assert!(msg.contains(&a) && msg.contains(&chinese(next)), "{msg}");
    wait_count(c, &format!("{cell}.override.off"), 1).await;
    assert!(!is_displayed(c, "cal-edit").await);

    // A Sunday is already a day off: refused, the form keeps the choice and the note.
    let mut sunday = due;
    while sunday.weekday() != Weekday::Sun {
        sunday = sunday.succ_opt().unwrap();
    }
    let sunday_cell = format!("#cal-grid .day[data-day=\"{}\"]", sunday.format("%Y-%m-%d"));
    click_css(c, &sunday_cell).await;
    click(c, "cal-mode-holiday").await;
    fill(c, "cal-note", "试试").await;
    click(c, "cal-save").await;
    let msg = wait_text(c, "message", |t| t.contains("已是休息日")).await;
    assert!(msg.contains(&chinese(sunday)), "{msg}");
    assert!(is_displayed(c, "cal-edit").await);
    assert_eq!(value_of(c, "cal-note").await, "试试");
    click(c, "cal-cancel").await;

    open_case(c, &a).await;
    wait_text(c, "case-reply-due", |t| t.starts_with(&chinese(next))).await;
    let timeline = text_of(c, "timeline").await;
    assert!(timeline.contains("节假日安排调整"), "{timeline}");

    // Units: rename with the keyboard, switch off; not offered for assignment any more.
    click(c, "nav-units").await;
    fill(c, "unit-name", "镇农办").await;
    click(c, "unit-add").await;
    wait_text(c, "unit-list", |t| t.contains("镇农办")).await;
    fill(c, "unit-name", "镇城建办").await;
    click(c, "unit-add").await;
    wait_text(c, "unit-list", |t| t.contains("镇城建办")).await;
    click_css(c, "#unit-list tr[data-unit=\"镇农办\"] .unit-rename-start").await;
    let input = c
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("#unit-list input.unit-rename"))
        .await
        .unwrap();
    input.clear().await.unwrap();
    input.send_keys("镇城建办").await.unwrap();
    input.send_keys(ENTER).await.unwrap();
    let msg = wait_text(c, "message", |t| t.contains("已存在")).await;
    assert!(msg.contains("镇城建办"), "{msg}");
    input.clear().await.unwrap();
    input.send_keys("镇农业农村办").await.unwrap();
    input.send_keys(ENTER).await.unwrap();
    wait_text(c, "message", |t| t.contains("已更名为“镇农业农村办”")).await;
    let row = "#unit-list tr[data-unit=\"镇农业农村办\"]";
    click_css(c, &format!("{row} .unit-toggle")).await;
    wait_text(c, "unit-list", |t| t.contains("已停用")).await;
    snap(c, "units-rename-deactivate.png").await;

    open_case(c, &b).await;
    act(c, "acknowledge", || async {}).await;
    click(c, "act-assign").await;
    wait_displayed(c, "af-units").await;
    let offered = text_of(c, "af-units").await;
    assert!(offered.contains("镇城建办"), "{offered}");
    assert!(!offered.contains("镇农业农村办"), "{offered}");
    app.stop().await;
}
