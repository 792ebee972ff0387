//! `wenzheng encrypt` and the commands on an encrypted database, on real files (build with
//! `--features encryption`). The key comes from `$WENZHENG_DB_KEY`; the session bus is
//! removed from the environment so no keyring of the machine is touched.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const TITLE: &str = "南门小学放学时段交通拥堵";

fn run(db: &Path, key: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wenzheng"));
    cmd.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("WENZHENG_DB")
        .env_remove("WENZHENG_DB_KEY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    if let Some(k) = key {
        cmd.env("WENZHENG_DB_KEY", k);
    }
    cmd.output().unwrap()
}

fn json(db: &Path, key: Option<&str>, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(db, key, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn readable(file: &Path) -> bool {
    let bytes = std::fs::read(file).unwrap();
    bytes.starts_with(b"SQLite format 3\0")
        || bytes.windows(TITLE.len()).any(|w| w == TITLE.as_bytes())
}

#[test]
fn encrypt_then_work_with_the_key_only() {
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("wz.db");
    json(
        &db,
        None,
        &["case", "add", "--title", TITLE, "--content", "请增派交警。"],
    );
    assert!(readable(&db));

    let done = json(
        &db,
        Some(KEY),
        &["encrypt", "--key-env", "--now", "2026-11-26 10:00"],
    );
    assert_eq!(done["database"], db.display().to_string());
    assert_eq!(done["key"], Value::Null);
    assert_eq!(done["plaintext_removed"], false);
    let kept = done["plaintext_kept_as"].as_str().unwrap();
    assert!(
        kept.ends_with("wz.db.before-encrypt-20261126-100000"),
        "{kept}"
    );
    assert!(done["events_checked"].as_u64().unwrap() >= 2);
    assert!(!readable(&db), "the database is encrypted");
    assert!(
        readable(Path::new(kept)),
        "the plaintext is kept where it says"
    );

    // With the key everything works.
    let list = json(&db, Some(KEY), &["case", "list"]);
    assert_eq!(list[0]["title"], TITLE);
    assert_eq!(json(&db, Some(KEY), &["verify"])["ok"], true);

    // Without it, or with a wrong one: exit 1, a Chinese message, nothing on stdout.
    let out = run(&db, None, &["case", "list"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    let msg = String::from_utf8(out.stderr).unwrap();
    assert!(
        msg.contains("已加密") && msg.contains("WENZHENG_DB_KEY"),
        "{msg}"
    );
    let wrong = KEY.replace('0', "1");
    let out = run(&db, Some(&wrong), &["case", "list"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let msg = String::from_utf8(out.stderr).unwrap();
    assert!(msg.starts_with("错误：数据库密钥不正确"), "{msg}");
    assert!(!msg.contains("file is not a database"), "{msg}");

    // Encrypting twice is refused.
    let out = run(&db, Some(KEY), &["encrypt", "--key-env"]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("已经是加密的"));

    // A backup is encrypted and restores with the key.
    let backup = dir.path().join("b.db");
    json(
        &db,
        Some(KEY),
        &["backup", "--out", backup.to_str().unwrap()],
    );
    assert!(!readable(&backup));
    let out = run(&db, Some(&wrong), &["restore", backup.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let restored = json(&db, Some(KEY), &["restore", backup.to_str().unwrap()]);
    assert!(restored["previous_kept_as"].is_string());
    assert_eq!(json(&db, Some(KEY), &["case", "list"])[0]["title"], TITLE);
}
