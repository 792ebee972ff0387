//! The desk's CLI verbs on a real database file: `case link`, `case merge`,
//! `calendar set-day` (with the stored deadline of an open case kept current) and
//! `unit rename|deactivate|activate`, their JSON and their refusals (exit 3).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const NOW: [&str; 2] = ["--now", "2026-11-03 09:00"];

fn wenzheng(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .arg("--db")
        .arg(db)
        .args(NOW)
        .args(args)
        .env_remove("WENZHENG_DB")
        .output()
        .expect("run wenzheng")
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = wenzheng(db, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn refused(db: &Path, args: &[&str]) -> String {
    let out = wenzheng(db, args);
    assert_eq!(out.status.code(), Some(3), "{args:?}");
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

fn add(db: &Path, title: &str) -> String {
    let v = json(
        db,
        &[
            "case",
            "add",
            "--title",
            title,
            "--content",
            "请尽快处理",
            "--received",
            "2026-11-02 10:00",
        ],
    );
    v["number"].as_str().unwrap().to_string()
}

#[test]
fn link_and_merge_cases() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    let main = add(&db, "菜市场噪音扰民");
    let dup = add(&db, "菜市场凌晨卸货太吵");
    let other = add(&db, "菜市场周边停车难");

    let v = json(&db, &["case", "link", &main, &other, "--note", "同一市场"]);
    assert_eq!(v["number"], main.as_str());
    let err = refused(&db, &["case", "link", &other, &main]);
    assert!(err.contains("已经关联"), "{err}");

    let v = json(&db, &["case", "merge", &dup, "--into", &main]);
    assert_eq!(v["status"], "closed");
    assert_eq!(v["result"], format!("重复件，已并入案件 {main}").as_str());

    let shown = json(&db, &["case", "show", &main]);
    let links: Vec<(String, String)> = shown["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_string(),
                l["number"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            ("related".to_string(), other.clone()),
            ("duplicate".to_string(), dup.clone())
        ]
    );
    let shown = json(&db, &["case", "show", &dup]);
    assert_eq!(shown["links"][0]["kind"], "duplicate_of");
    assert_eq!(
        shown["events"].as_array().unwrap().last().unwrap()["kind"],
        "merge"
    );

    // Refusals: merging into a duplicate, and a leader may not link.
    let err = refused(&db, &["case", "merge", &other, "--into", &dup]);
    assert!(err.contains(&format!("请合并到 {main}")), "{err}");
    json(
        &db,
        &["user", "add", "boss", "--name", "镇长", "--role", "leader"],
    );
    let err = refused(&db, &["--as", "boss", "case", "link", &main, &dup]);
    assert!(err.contains("无权关联或合并案件"), "{err}");
    // Exactly one of the modes of set-day: a usage error otherwise.
    let out = wenzheng(&db, &["calendar", "set-day", "2026-11-05"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn set_day_moves_open_deadlines_and_units_change_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cal.db");
    let n = add(&db, "路灯不亮");
    assert_eq!(json(&db, &["case", "show", &n])["reply_due"], "2026-11-11");

    let v = json(
        &db,
        &[
            "calendar",
            "set-day",
            "2026-11-05",
            "--holiday",
            "--note",
            "镇集中停电",
        ],
    );
    assert_eq!(v["working_day"], false);
    assert_eq!(v["official_working_day"], true);
    assert_eq!(v["recomputed"][0]["number"], n.as_str());
    assert_eq!(v["recomputed"][0]["after"], "2026-11-12");
    assert_eq!(json(&db, &["case", "show", &n])["reply_due"], "2026-11-12");
    let year = json(&db, &["calendar", "show", "2026"]);
    assert_eq!(year["overrides"][0]["day"], "2026-11-05");
    assert_eq!(year["overrides"][0]["note"], "镇集中停电");
    let text = String::from_utf8(wenzheng(&db, &["calendar", "show", "2026"]).stdout).unwrap();
    assert!(
        text.contains("2026-11-05  单独设置  休  镇集中停电"),
        "{text}"
    );

    json(&db, &["calendar", "set-day", "2026-11-05", "--official"]);
    assert_eq!(json(&db, &["case", "show", &n])["reply_due"], "2026-11-11");
    let err = refused(&db, &["calendar", "set-day", "2026-11-08", "--holiday"]);
    assert!(err.contains("已是休息日"), "{err}");

    json(&db, &["unit", "add", "镇农办"]);
    let u = json(&db, &["unit", "rename", "镇农办", "镇农业农村办"]);
    assert_eq!(u["name"], "镇农业农村办");
    let u = json(&db, &["unit", "deactivate", "镇农业农村办"]);
    assert_eq!(u["active"], false);
    json(&db, &["case", "ack", &n]);
    let err = refused(&db, &["case", "assign", &n, "--unit", "镇农业农村办"]);
    assert!(err.contains("已停用"), "{err}");
    assert_eq!(
        json(&db, &["unit", "activate", "镇农业农村办"])["active"],
        true
    );
    let err = refused(&db, &["unit", "rename", "镇不存在办", "某办"]);
    assert!(err.contains("不存在"), "{err}");
}
