//! `wenzheng user role | disable | enable` through the real binary: the JSON, the exit
//! codes of refusals, and a disabled user who can no longer act with `--as`.

use std::path::Path;
use std::process::{Command, Output};

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .arg("--db")
        .arg(db)
        .args(["--now", "2026-11-27 10:00"])
        .args(args)
        .env_remove("WENZHENG_DB")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn roles_change_and_users_are_disabled_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    assert!(run(&db, &["unit", "add", "甲办"]).status.success());
    assert!(run(
        &db,
        &["user", "add", "wang", "--name", "王小明", "--role", "clerk"]
    )
    .status
    .success());

    let out = run(
        &db,
        &[
            "--json",
            "user",
            "role",
            "wang",
            "--role",
            "承办单位",
            "--unit",
            "甲办",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (user["role"].as_str(), user["unit"].as_str()),
        (Some("unit"), Some("甲办"))
    );

    // The last administrator stays; nobody else may manage users.
    let out = run(&db, &["user", "disable", "admin"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("不能停用自己"), "{}", stderr(&out));
    let out = run(&db, &["user", "role", "admin", "--role", "clerk"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("唯一启用的管理员"),
        "{}",
        stderr(&out)
    );
    let out = run(&db, &["--as", "wang", "user", "enable", "admin"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("无权管理用户"), "{}", stderr(&out));

    // Disabled: `--as wang` is refused; enabled again: it works.
    assert!(run(&db, &["user", "disable", "wang"]).status.success());
    let out = run(&db, &["--as", "wang", "case", "list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("已停用"), "{}", stderr(&out));
    assert!(run(&db, &["user", "enable", "wang"]).status.success());
    assert!(run(&db, &["--as", "wang", "case", "list"]).status.success());
}
