//! The 统计 screen in the real app window: a small scenario's figures, the per-unit table
//! and ranking, the charts, the XLSX export read back with calamine, and the import of a
//! file with a bad row (preview with the row's Chinese error, then the valid rows only,
//! then a re-check that finds them already registered), and the yearly archive export.
//!
//! Run with `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e_reports`.

#[path = "e2e/harness.rs"]
mod harness;

use calamine::{open_workbook_auto, Data, Reader};
use harness::*;

const UNIT: &str = "镇城建办";

async fn invoke_ok(client: &Client, command: &str, args: Value) {
    let r = raw_invoke_with(client, command, args).await;
    assert_eq!(r, "ok", "{command}");
}

async fn attr(client: &Client, css: &str, name: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .attr(name)
        .await
        .expect("attribute")
        .unwrap_or_default()
}

fn summary_value(path: &Path, key: &str) -> String {
    let mut wb = open_workbook_auto(path).expect("open the exported workbook");
    let range = wb.worksheet_range("总体情况").expect("sheet 总体情况");
    let row = range
        .rows()
        .find(|r| matches!(&r[0], Data::String(s) if s == key))
        .unwrap_or_else(|| panic!("row {key}"));
    match &row[1] {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stats_screen_shows_the_figures_exports_and_imports() {
    let app = start().await;
    let c = &app.client;

    // The scenario, this month: two cases registered; the first acknowledged (within
    // 24 h), assigned to 镇城建办 and finally replied (on time: its deadline is 7 working
    // days away); the second left pending.
    let first = register(c, "村道路灯损坏", "某村的路灯坏了一个月").await;
    let _second = register(c, "垃圾清运不及时", "垃圾三天没有运走").await;
    invoke_ok(c, "add_unit", json!({ "name": UNIT })).await;
    invoke_ok(c, "acknowledge_case", json!({ "key": first, "text": null })).await;
    invoke_ok(
        c,
        "assign_case",
        json!({ "key": first, "input": { "units": [UNIT] } }),
    )
    .await;
    invoke_ok(
        c,
        "reply_case",
        json!({ "key": first, "text": "已修复", "last": true, "published": null }),
    )
    .await;

    click(c, "nav-stats").await;
    // received 2; acknowledged in 24 h: 1 → 1 ÷ 2 = 50.00 %; replied 1, on time 1 → 100 %.
    wait_text(c, "st-fig-received", |t| t == "2").await;
    assert_eq!(text_of(c, "st-fig-ack").await, "1");
    assert_eq!(text_of(c, "st-fig-ack-rate").await, "50.00%");
    assert_eq!(text_of(c, "st-fig-replied").await, "1");
    assert_eq!(text_of(c, "st-fig-on-time-rate").await, "100.00%");
    assert_eq!(text_of(c, "st-fig-overdue-now").await, "0");
    // Each figure carries its definition from the core as a tooltip.
    let tip = attr(c, "#st-figures .st-figure:nth-child(3)", "title").await;
    assert!(tip.contains("24小时内受理数 ÷ 收件数"), "{tip}");
    // The unit's row: assigned 1, replied 1, on time 100 %.
    let units = text_of(c, "st-units").await;
    assert!(units.contains(UNIT), "{units}");
    assert!(units.contains("100.00%"), "{units}");
    // Ranking: the one unit, first. Default rule: on time 100 % → 40, nothing due yet → 30,
    // no follow-up → 30; no deductions: 100.
    let cells: Vec<String> = cells_of(c, "#st-rank tr:first-child td").await;
    assert_eq!(cells, ["1", UNIT, "100", "0"]);
    // The charts: 12 months × 2 series + 2 legend swatches; one unit × 2 + 2.
    assert_eq!(css_count(c, "#st-trend-svg rect").await, 26);
    assert_eq!(css_count(c, "#st-unit-svg rect").await, 4);
    screenshot(c, "stats.png").await;

    // Choosing another month: the month before had nothing; back to this month.
    let month = client_value(c, "st-month").await;
    let (y, m): (i32, u32) = (month[..4].parse().unwrap(), month[5..].parse().unwrap());
    let before = if m == 1 {
        format!("{}-12", y - 1)
    } else {
        format!("{y}-{:02}", m - 1)
    };
    select(c, "st-month", &before).await;
    click(c, "st-run").await;
    wait_text(c, "st-fig-received", |t| t == "0").await;
    assert_eq!(text_of(c, "st-fig-ack-rate").await, "—");
    select(c, "st-month", &month).await;
    click(c, "st-run").await;
    wait_text(c, "st-fig-received", |t| t == "2").await;

    // The assessment rule, edited by the administrator: weights adding up to 110 are
    // refused in Chinese and what was typed stays; 50 + 20 + 30 is saved.
    c.find(Locator::Css("#st-rule summary"))
        .await
        .expect("rule summary")
        .click()
        .await
        .expect("open the rule");
    wait_displayed(c, "rule-w-on_time_rate").await;
    assert_eq!(client_value(c, "rule-w-on_time_rate").await, "40");
    fill(c, "rule-w-on_time_rate", "50").await;
    click(c, "rule-save").await;
    wait_text(c, "message", |t| t.contains("各项指标分值合计应为 100")).await;
    assert_eq!(client_value(c, "rule-w-on_time_rate").await, "50");
    fill(c, "rule-w-close_rate", "20").await;
    click(c, "rule-save").await;
    wait_text(c, "message", |t| t.contains("考核规则已保存")).await;
    assert_eq!(client_value(c, "rule-w-close_rate").await, "20");
    scroll_to(c, "st-rule", "start").await;
    screenshot(c, "stats-rule.png").await;
    let saved = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               window.__TAURI__.core.invoke("assessment_rule").then((v) => done(v.rule));"#,
            vec![],
        )
        .await
        .expect("read the rule back");
    let weights: Vec<(String, f64)> = saved["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["key"].as_str().unwrap().to_string(),
                i["weight"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        weights,
        [
            ("on_time_rate".to_string(), 50.0),
            ("close_rate".to_string(), 20.0),
            ("satisfaction_rate".to_string(), 30.0)
        ]
    );

    // 导出 Excel: the system's save dialog (GTK, answered with xdotool by typing a full
    // path), then Rust writes the workbook there; read back with calamine.
    let xlsx = app._tmp.path().join("stats.xlsx");
    click(c, "st-xlsx").await;
    answer_save_dialog(&xlsx);
    let said = wait_text(c, "message", |t| t.contains("已导出统计表")).await;
    assert!(said.contains(&xlsx.display().to_string()), "{said}");
    assert_eq!(summary_value(&xlsx, "收件数"), "2");
    assert_eq!(summary_value(&xlsx, "24小时受理率"), "50.00%");
    assert_eq!(summary_value(&xlsx, "答复数"), "1");
    // 导出台账（CSV）the same way: both cases, UTF-8 with a BOM for Excel.
    let csv_out = app._tmp.path().join("register.csv");
    click(c, "st-reg-csv").await;
    answer_save_dialog(&csv_out);
    wait_text(c, "message", |t| t.contains("已导出案件台账 2 件")).await;
    let register = std::fs::read_to_string(&csv_out).unwrap();
    // The first line says the file holds no personal information (phones masked).
    assert!(
        register.starts_with("\u{feff}本文件已隐去个人信息"),
        "{register}"
    );
    assert!(
        register
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("案件编号,标题,"),
        "{register}"
    );
    assert!(register.contains(&first), "{register}");
    assert_eq!(register.lines().count(), 4);

    // Import: one good row, one without a title.
    let csv = app._tmp.path().join("留言.csv");
    std::fs::write(
        &csv,
        "标题,留言内容,收到时间,问题类别\n\
         桥梁护栏松动,河边桥梁护栏松动,2026-02-10 09:00,民生\n\
         ,没有标题的留言,2026-02-10 10:00,\n",
    )
    .unwrap();
    click(c, "st-import-open").await;
    fill(c, "imp-path", &csv.display().to_string()).await;
    click(c, "imp-check").await;
    let s = wait_text(c, "imp-summary", |t| t.contains("错误 1 行")).await;
    assert!(s.contains("可导入 1 件") && s.contains("尚未写入"), "{s}");
    let rows = text_of(c, "imp-rows").await;
    assert!(rows.contains("第 3 行错误标题不能为空"), "{rows}");
    assert!(!is_enabled(c, "imp-all").await, "a bad row: not all");
    screenshot(c, "stats-import.png").await;
    click(c, "imp-valid").await;
    let s = wait_text(c, "imp-summary", |t| t.contains("已导入 1 件")).await;
    assert!(s.contains("错误 1 行"), "{s}");
    wait_text(c, "message", |t| t.contains("导入 1 件案件")).await;
    // Checking the same file again: the good row is known, nothing to import.
    click(c, "imp-check").await;
    let s = wait_text(c, "imp-summary", |t| t.contains("重复跳过 1 行")).await;
    assert!(s.contains("可导入 0 件"), "{s}");
    assert!(!is_enabled(c, "imp-valid").await);

    // The figures now count the imported case too (registered today).
    click(c, "st-run").await;
    wait_text(c, "st-fig-received", |t| t == "3").await;

    // The yearly archive from the window's command: close and archive the first case,
    // export this year into a new folder, and find its dossier and the manifest.
    invoke_ok(
        c,
        "close_case",
        json!({ "key": first, "result": "已更换灯具" }),
    )
    .await;
    invoke_ok(c, "archive_case", json!({ "key": first })).await;
    let year: i32 = client_value(c, "st-year").await.parse().expect("a year");
    let dir = app._tmp.path().join("归档");
    let r = raw_invoke_with(
        c,
        "export_archive",
        json!({ "year": year, "dir": dir.display().to_string() }),
    )
    .await;
    assert_eq!(r, "ok");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["cases"], json!([first]));
    let pdf = std::fs::read(dir.join(&first).join("案卷.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    app.stop().await;
}

/// Types `path` into the save dialog titled 保存到 and confirms. A dialog closed a moment
/// ago may still be listed: the newest window that takes the focus is the one.
fn answer_save_dialog(path: &Path) {
    let xdo = |args: &[&str]| {
        std::process::Command::new("xdotool")
            .args(args)
            .output()
            .expect("xdotool is installed")
    };
    let started = Instant::now();
    let window = loop {
        let found = xdo(&["search", "--onlyvisible", "--name", "保存到"]);
        let ids = String::from_utf8_lossy(&found.stdout).to_string();
        if let Some(id) = ids.lines().last() {
            if xdo(&["windowfocus", "--sync", id.trim()]).status.success() {
                break id.trim().to_string();
            }
        }
        assert!(started.elapsed() < WAIT, "no save dialog appeared");
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(500));
    for args in [
        vec!["key", "--window", &window, "ctrl+a"],
        vec!["type", "--delay", "20", &path.display().to_string()],
        vec!["key", "Return"],
    ] {
        assert!(xdo(&args).status.success(), "xdotool {args:?}");
    }
}

async fn cells_of(client: &Client, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for cell in client.find_all(Locator::Css(css)).await.expect(css) {
        out.push(cell.text().await.expect("text"));
    }
    out
}

async fn client_value(client: &Client, id: &str) -> String {
    client
        .find(Locator::Id(id))
        .await
        .expect(id)
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

async fn is_enabled(client: &Client, id: &str) -> bool {
    client
        .find(Locator::Id(id))
        .await
        .expect(id)
        .is_enabled()
        .await
        .expect("enabled")
}

/// A large file: the progress bar moves while the rows are written (in one
/// transaction), and all of them arrive.
#[tokio::test]
async fn a_large_import_shows_its_progress() {
    let app = start().await;
    let c = &app.client;
    let rows = 3000;
    let mut text = String::from("标题,留言内容,收到时间,问题类别\n");
    for i in 1..=rows {
        text.push_str(&format!(
            "第{i}号留言,关于第{i}号路段的路灯问题,2026-02-10 09:{:02},民生\n",
            i % 60
        ));
    }
    let csv = app._tmp.path().join("大批留言.csv");
    std::fs::write(&csv, text).unwrap();
    click(c, "nav-stats").await;
    click(c, "st-import-open").await;
    fill(c, "imp-path", &csv.display().to_string()).await;
    click(c, "imp-check").await;
    wait_text(c, "imp-summary", |t| {
        t.contains(&format!("可导入 {rows} 件"))
    })
    .await;
    assert!(is_enabled(c, "imp-all").await);
    click(c, "imp-all").await;
    // While it runs: the bar is shown part-way (0 < value < 100) with the stage and count.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = None;
    while Instant::now() < deadline && seen.is_none() {
        if is_displayed(c, "imp-progress").await {
            let v: f64 = attr(c, "#imp-progress", "value")
                .await
                .parse()
                .unwrap_or(0.0);
            let label = text_of(c, "imp-summary").await;
            if v > 0.0 && v < 100.0 && label.contains("正在") {
                seen = Some((v, label));
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (v, label) = seen.expect("the progress bar showed an intermediate state");
    assert!(label.ends_with(&format!("/ {rows} 行")), "{v} {label}");
    wait_text(c, "imp-summary", |t| {
        t.contains(&format!("已导入 {rows} 件"))
    })
    .await;
    assert!(!is_displayed(c, "imp-progress").await);
    app.stop().await;
}

/// A county with a backlog: the cases overdue at the cutoff are listed a hundred at first,
/// with how many there are and a button that lists them all (thousands took WebKit over two
/// seconds to render at 1,000,000 cases).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_overdue_list_shows_a_hundred_and_lists_all_on_request() {
    let app = start().await;
    let c = &app.client;
    // 101 messages received 30 days ago and never acknowledged: past their reply deadline.
    let received = (wenzheng_core::clock::now() - chrono::Duration::days(30))
        .format("%Y-%m-%d %H:%M")
        .to_string();
    for i in 1..=101 {
        invoke_ok(
            c,
            "register_case",
            json!({ "input": {
                "title": format!("第{i}号留言：村口路灯不亮"),
                "content": "路灯坏了一个月",
                "received_at": received,
            } }),
        )
        .await;
    }
    click(c, "nav-stats").await;
    wait_text(c, "st-fig-overdue-now", |t| t == "101").await;
    // Counted, though the screen is not sent the list of those overdue during the period.
    assert_eq!(text_of(c, "st-fig-overdue-in-period").await, "101");
    let case_rows = "#st-overdue tr:not(.overdue-more)";
    wait_count(c, case_rows, 100).await;
    let more = c
        .find(Locator::Css("#st-overdue .overdue-more td"))
        .await
        .expect("the line under the list")
        .text()
        .await
        .unwrap();
    assert!(
        more.starts_with("共 101 件，以上列出前 100 件（完整名单也在“导出 Excel”中）。"),
        "{more}"
    );
    assert_eq!(text_of(c, "st-overdue-all").await, "列出全部 101 件");
    scroll_to(c, "st-overdue-all", "center").await;
    // Let the scrolled page be painted before the screenshot.
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    screenshot(c, "stats-overdue-more.png").await;
    click(c, "st-overdue-all").await;
    wait_count(c, case_rows, 101).await;
    assert_eq!(css_count(c, "#st-overdue .overdue-more").await, 0);
}
