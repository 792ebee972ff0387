//! `wenzheng database show | check | set | reset`: this PC's choice of database, saved in the
//! user's config dir and used by the next command without `--db`; a check that fails saves
//! nothing; `$WENZHENG_DB` overrides the saved choice. With `WENZHENG_TEST_PG_URL` (from
//! `scripts/pg-test-server start`) a real server is checked as well.

use std::path::Path;
use std::process::{Command, Output};

/// `wenzheng` with its own config and data dirs under `home`, without `$WENZHENG_DB`.
fn wenzheng(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args(["--now", "2026-11-27 10:00"])
        .args(args)
        .env_remove("WENZHENG_DB")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .output()
        .unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_chosen_file_is_used_by_the_next_command_and_a_failed_check_saves_nothing() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();

    let shown = json(&wenzheng(h, &["database", "show", "--json"]));
    assert_eq!(shown["source"], "default");
    assert_eq!(shown["kind"], "file");
    assert!(shown["file"]
        .as_str()
        .unwrap()
        .starts_with(h.join("data").to_str().unwrap()));

    let chosen = h.join("办公室 数据").join("wz.db");
    let set = json(&wenzheng(
        h,
        &["database", "set", chosen.to_str().unwrap(), "--json"],
    ));
    assert_eq!(set["setting"]["source"], "saved");
    assert_eq!(set["setting"]["file"], chosen.to_str().unwrap());
    assert_eq!(set["check"]["initialized"], false);
    assert!(!chosen.exists(), "set checks, it does not create");

    // The next command without --db works on the chosen file.
    let case = json(&wenzheng(
        h,
        &[
            "case",
            "add",
            "--title",
            "路灯不亮",
            "--content",
            "三组路灯坏了一个月",
            "--json",
        ],
    ));
    assert!(case["number"].as_str().unwrap().starts_with("WZ-"));
    assert!(chosen.exists());
    let check = json(&wenzheng(h, &["database", "check", "--json"]));
    assert_eq!(
        (check["initialized"].clone(), check["cases"].clone()),
        (true.into(), 1.into())
    );
    let text = wenzheng(h, &["database", "show"]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains("wz.db") && text.contains("已保存的设置"),
        "{text}"
    );

    // A folder is refused (exit 3); an unreachable server exits 6; neither is saved.
    let folder = wenzheng(h, &["database", "check", h.to_str().unwrap()]);
    assert_eq!(folder.status.code(), Some(3), "{}", stderr(&folder));
    assert!(stderr(&folder).contains("文件夹"), "{}", stderr(&folder));
    let down = wenzheng(
        h,
        &[
            "database",
            "set",
            "postgres://office:old-secret@127.0.0.1:1/wenzheng?sslmode=disable",
        ],
    );
    assert_eq!(down.status.code(), Some(6), "{}", stderr(&down));
    assert!(stderr(&down).contains("连不上服务器"), "{}", stderr(&down));
    assert!(!stderr(&down).contains("old-secret"));
    let still = json(&wenzheng(h, &["database", "show", "--json"]));
    assert_eq!(still["file"], chosen.to_str().unwrap());

    // $WENZHENG_DB overrides the saved choice.
    let other = h.join("other.db");
    let env = Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args(["database", "show", "--json"])
        .env("WENZHENG_DB", &other)
        .env("XDG_CONFIG_HOME", h.join("config"))
        .env("XDG_DATA_HOME", h.join("data"))
        .output()
        .unwrap();
    let env = json(&env);
    assert_eq!(env["source"], "env");
    assert_eq!(env["file"], other.to_str().unwrap());

    let reset = json(&wenzheng(h, &["database", "reset", "--json"]));
    assert_eq!(reset["setting"]["source"], "default");
    assert!(!h.join("config/cn.gov.wenzheng/database.url").exists());
}

#[test]
fn a_server_is_checked_and_saved_with_its_password_hidden() {
    let Some(url) = std::env::var("WENZHENG_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("跳过：未设置 WENZHENG_TEST_PG_URL（scripts/pg-test-server start 会给出）");
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let password = url::Url::parse(&url)
        .unwrap()
        .password()
        .unwrap()
        .to_owned();
    let set = wenzheng(h, &["database", "set", &url, "--json"]);
    let set_json = json(&set);
    assert_eq!(set_json["check"]["encrypted"], true);
    assert_eq!(set_json["setting"]["kind"], "server");
    assert_eq!(set_json["setting"]["has_password"], true);
    assert!(set_json["setting"]["location"]
        .as_str()
        .unwrap()
        .contains("***"));
    let printed = String::from_utf8_lossy(&set.stdout).into_owned();
    assert!(
        !printed.contains(&format!(":{password}@")),
        "the password is never printed: {printed}"
    );
    let saved = std::fs::read_to_string(h.join("config/cn.gov.wenzheng/database.url")).unwrap();
    assert_eq!(saved.trim(), url);
}
