//! The CLI on a PostgreSQL server: `wenzheng migrate` moves a seeded office (with an
//! attachment) to a fresh database, prints its summary and JSON, and refuses to do it twice;
//! `--db postgres://…` then lists, shows, reads the attachment and verifies there; backup is
//! refused in Chinese; a wrong password exits 6 with the password hidden.
//!
//! Needs `WENZHENG_TEST_PG_URL` (`scripts/pg-test-server start` prints it) and `psql` to
//! create and drop the test database; without them the test says so and passes.

use std::path::Path;
use std::process::{Command, Output};

const NOW: &str = "2026-11-27 10:00";

fn wenzheng(db: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args(["--db", db, "--now", NOW])
        .args(args)
        .env_remove("WENZHENG_DB")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Runs one statement as the admin role with psql.
fn psql(admin: &str, sql: &str) -> bool {
    Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", admin, "-c", sql])
        .status()
        .is_ok_and(|s| s.success())
}

/// A database of this test's own, dropped on drop.
struct TestDb {
    admin: String,
    name: String,
}

impl TestDb {
    fn url(&self) -> String {
        let (base, _) = self.admin.rsplit_once('/').unwrap();
        format!("{base}/{}", self.name)
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if !psql(&self.admin, &sql) {
            eprintln!("测试数据库 {} 未能删除", self.name);
        }
    }
}

#[test]
fn an_office_moves_to_the_server_and_the_cli_works_there() {
    let admin = match std::env::var("WENZHENG_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            eprintln!("跳过：未设置 WENZHENG_TEST_PG_URL（scripts/pg-test-server start 会给出）");
            return;
        }
    };
    let name = format!("wz_t_cli_{}", std::process::id());
    if !psql(&admin, &format!("CREATE DATABASE {name}")) {
        eprintln!("跳过：psql 无法在测试服务器上建库");
        return;
    }
    let db = TestDb { admin, name };
    let url = db.url();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("office.db");
    let file_arg = file.to_str().unwrap();
    let seeded = json(&wenzheng(
        file_arg,
        &["--json", "seed-demo", "--cases", "40", "--seed", "3"],
    ));
    assert_eq!(seeded["cases"], 40);
    let shot = dir.path().join("截图.png");
    std::fs::write(&shot, b"\x89PNG picture bytes").unwrap();
    let case = json(&wenzheng(
        file_arg,
        &[
            "--json",
            "case",
            "add",
            "--title",
            "路灯不亮",
            "--content",
            "见截图",
        ],
    ));
    let number = case["number"].as_str().unwrap().to_owned();
    let attached = json(&wenzheng(
        file_arg,
        &["--json", "case", "attach", &number, shot.to_str().unwrap()],
    ));
    let attachment_id = attached["id"].as_i64().unwrap().to_string();
    let before = std::fs::read(&file).unwrap();

    // The summary in Chinese, then the same as JSON is refused: the target has data now.
    let out = Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args(["migrate", "--from", file_arg, "--to", &url])
        .env_remove("WENZHENG_DB")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("案件 41 件") && text.contains("迁移完成"),
        "{text}"
    );
    assert!(!text.contains(":wenzheng@"), "password hidden: {text}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the source is not written"
    );
    let again = Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args(["--json", "migrate", "--from", file_arg, "--to", &url])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(3), "{}", stderr(&again));
    assert!(stderr(&again).contains("已有数据"), "{}", stderr(&again));

    // The CLI on the server: the same cases, the attachment, a sound history.
    let listed = |db: &str| {
        json(&wenzheng(
            db,
            &["--json", "case", "list", "--limit", "1000"],
        ))
    };
    assert_eq!(listed(file_arg), listed(&url));
    let show = |db: &str| json(&wenzheng(db, &["--json", "case", "show", &number]));
    assert_eq!(show(file_arg), show(&url));
    let copy = dir.path().join("copy.png");
    let out = wenzheng(
        &url,
        &[
            "case",
            "attachment",
            &attachment_id,
            "--out",
            copy.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(std::fs::read(&copy).unwrap(), b"\x89PNG picture bytes");
    let verified = json(&wenzheng(&url, &["--json", "verify"]));
    assert_eq!(verified["ok"], true);
    assert_eq!(
        verified["events_checked"],
        json(&wenzheng(file_arg, &["--json", "verify"]))["events_checked"]
    );

    // File-only commands say so; a wrong password exits 6 without showing it.
    let out = wenzheng(
        &url,
        &["backup", "--out", dir.path().join("b.db").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("只适用于本机数据库文件"),
        "{}",
        stderr(&out)
    );
    let wrong = url.replacen(":wenzheng@", ":not-it@", 1);
    let out = wenzheng(&wrong, &["case", "list"]);
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("用户名或密码不正确") && !stderr(&out).contains("not-it"),
        "{}",
        stderr(&out)
    );
    assert!(Path::new(&file).is_file());
}
