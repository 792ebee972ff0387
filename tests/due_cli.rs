//! `wenzheng due` on a real database file: what the watch would notify at `--now`, that
//! listing records nothing, and the thresholds as settings.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn wenzheng(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("WENZHENG_DB")
        .output()
        .expect("run wenzheng")
}

fn json(db: &Path, args: &[&str]) -> Value {
    let out = wenzheng(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn summaries(v: &Value) -> Vec<String> {
    v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["summary"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn due_lists_without_recording_and_follows_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("due.db");
    json(
        &db,
        &[
            "--now",
            "2026-11-26 12:00",
            "--json",
            "case",
            "add",
            "--title",
            "村道路灯损坏",
            "--content",
            "主干道路灯已坏一个月",
        ],
    );
    let at = ["--now", "2026-11-27 09:30", "--json", "due"];
    let v = json(&db, &at);
    assert_eq!(
        summaries(&v),
        [
            "今日到期 1 件，已超期 0 件，待受理 1 件",
            "案件 WZ-2026-000001 将于今日 12:00 前到期未受理"
        ]
    );
    assert_eq!(v["notices"][1]["key"], "ack_soon:1:2026-11-27T12:00");
    assert_eq!(v["notices"][1]["case_number"], "WZ-2026-000001");
    assert_eq!(v["counts"]["pending"], 1);
    // Listing records nothing: the same again.
    assert_eq!(json(&db, &at), v);

    // Two hours ahead instead of four: 12:00 is 2 h 30 min away, not yet.
    let t = json(&db, &["--json", "due", "settings", "--ack-hours", "2"]);
    assert_eq!(t["ack_hours"], 2);
    assert_eq!(
        summaries(&json(&db, &at)),
        ["今日到期 1 件，已超期 0 件，待受理 1 件"]
    );

    // Out of range: refused, exit 3, nothing changed.
    let out = wenzheng(&db, &["due", "settings", "--ack-hours", "30"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1–24"));
    assert_eq!(json(&db, &["--json", "due", "settings"])["ack_hours"], 2);

    // A plain Saturday: no summary; Chinese text output.
    let out = wenzheng(&db, &["--now", "2026-11-28 10:00", "due"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("已超期 1 件"), "{text}");
    assert!(text.contains("已超过受理期限"), "{text}");
}
