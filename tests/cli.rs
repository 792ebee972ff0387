//! The `wenzheng` binary on a real SQLite file: commands, `--json` fields and exit codes
//! as documented in docs/cli.md.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Cli {
    _dir: tempfile::TempDir,
    db: PathBuf,
}

impl Cli {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("wz.db");
        Cli { _dir: dir, db }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_wenzheng"))
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .env_remove("WENZHENG_DB")
            .output()
            .unwrap()
    }

    /// Runs a command that must succeed with `--json`, returning its output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs a command that must be refused (exit 3), returning stderr.
    fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty());
        String::from_utf8(out.stderr).unwrap()
    }
}

fn count_cases(db: &Path) -> usize {
    let out = Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args(["--db", db.to_str().unwrap(), "case", "list", "--json"])
        .output()
        .unwrap();
    serde_json::from_slice::<Vec<Value>>(&out.stdout)
        .unwrap()
        .len()
}

#[test]
fn deadline_json_is_the_documented_contract() {
    let cli = Cli::new();
    let v = cli.json(&["deadline", "--received", "2026-02-13 10:00"]);
    assert_eq!(
        v,
        serde_json::json!({"received": "2026-02-13T10:00:00+08:00", "ack_due": "2026-02-14T10:00:00+08:00",
            "reply_due": "2026-03-02", "working_days": 7, "calendar_complete": true})
    );
    let v = cli.json(&["deadline", "--received", "2026-09-30 16:00", "--complex"]);
    assert_eq!(
        (v["reply_due"].as_str(), v["working_days"].as_i64()),
        (Some("2026-10-27"), Some(15))
    );
    let v = cli.json(&["deadline", "--received", "2026-12-28 10:00"]);
    assert_eq!(v["calendar_complete"], false);
    // Global options are accepted before the subcommand too.
    let out = cli.run(&["--json", "deadline", "--received", "2026-02-14 09:00"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["reply_due"], "2026-03-03");
}

#[test]
fn a_case_is_driven_from_registration_to_archive() {
    let cli = Cli::new();
    cli.json(&["unit", "add", "镇城建办"]);
    cli.json(&["unit", "add", "镇农业农村办"]);
    let units = cli.json(&["unit", "list"]);
    assert_eq!(units.as_array().unwrap().len(), 2);
    let t = |s: &'static str| ["--now", s];
    let case = cli.json(
        &[
            &[
                "case",
                "add",
                "--title",
                "村道路灯损坏",
                "--content",
                "主干道路灯已坏一个月",
                "--received",
                "2026-02-13 10:00",
                "--category",
                "民生",
                "--source",
                "县网络问政平台",
                "--link",
                "https://wz.example.gov.cn/m/1",
                "--poster",
                "热心村民",
                "--phone",
                "13800001234",
                "--sensitive",
            ][..],
            &t("2026-02-13 10:20"),
        ]
        .concat(),
    );
    assert_eq!(case["number"], "WZ-2026-000001");
    assert_eq!(case["status"], "pending");
    assert_eq!(case["status_name"], "待受理");
    assert_eq!(case["reply_due"], "2026-03-02");
    assert_eq!(case["ack_due"], "2026-02-14T10:20:00+08:00");
    assert_eq!(case["sensitive"], true);
    assert_eq!(case["category"], "民生");
    for key in [
        "id",
        "title",
        "content",
        "working_days",
        "calendar_complete",
        "source",
        "link",
        "poster",
        "phone",
        "important",
        "complexity",
        "received_at",
        "registered_at",
    ] {
        assert!(case.get(key).is_some(), "missing {key}");
    }
    let n = "WZ-2026-000001";
    let steps: Vec<(Vec<&str>, &str)> = vec![
        (vec!["case", "ack", n], "acknowledged"),
        (
            vec![
                "case",
                "instruct",
                "1",
                "--leader",
                "张镇长",
                "--text",
                "请城建办牵头",
            ],
            "acknowledged",
        ),
        (
            vec![
                "case",
                "assign",
                n,
                "--unit",
                "镇城建办",
                "--unit",
                "镇农业农村办",
                "--lead",
                "镇城建办",
                "--requirement",
                "三日内修复",
            ],
            "assigned",
        ),
        (
            vec![
                "case",
                "return",
                n,
                "--unit",
                "镇农业农村办",
                "--reason",
                "不属本单位职责",
            ],
            "assigned",
        ),
        (
            vec!["case", "urge", n, "--unit", "镇城建办", "--level", "红牌"],
            "assigned",
        ),
        (
            vec![
                "case",
                "progress",
                n,
                "--unit",
                "镇城建办",
                "--text",
                "已联系供电所",
            ],
            "in_progress",
        ),
        (
            vec!["case", "extend", n, "--days", "2", "--reason", "需更换线路"],
            "in_progress",
        ),
        (
            vec!["case", "reply", n, "--text", "正在维修"],
            "in_progress",
        ),
        (
            vec![
                "case",
                "reply",
                n,
                "--text",
                "已修复",
                "--final",
                "--published",
                "2026-02-27 10:00",
            ],
            "replied",
        ),
        (vec!["case", "feedback", n], "replied"),
        (
            vec!["case", "close", n, "--result", "路灯已修复，网民满意"],
            "closed",
        ),
        (
            vec![
                "case",
                "followup",
                n,
                "--result",
                "不满意",
                "--note",
                "网民反映又坏了",
            ],
            "in_progress",
        ),
        (
            vec!["case", "reply", n, "--text", "已再次修复", "--final"],
            "replied",
        ),
        (vec!["case", "close", n, "--result", "已修复"], "closed"),
        (vec!["case", "followup", n, "--result", "满意"], "closed"),
        (
            vec!["case", "reopen", n, "--reason", "网民再次反映"],
            "in_progress",
        ),
        (
            vec!["case", "reply", n, "--text", "已第三次修复", "--final"],
            "replied",
        ),
        (vec!["case", "close", n, "--result", "已修复"], "closed"),
        (vec!["case", "archive", n], "archived"),
    ];
    for (args, want) in &steps {
        let v = cli.json(&[&args[..], &t("2026-02-26 09:00")].concat());
        assert_eq!(v["status"], *want, "{args:?}");
    }
    let shown = cli.json(&["case", "show", n]);
    let events = shown["events"].as_array().unwrap();
    assert_eq!(
        events.len(),
        steps.len() + 1,
        "every step is in the event log"
    );
    assert!(events
        .iter()
        .all(|e| e["actor"] == "系统管理员" && e["at"].is_string()));
    assert_eq!(events[0]["kind"], "register");
    assert_eq!(events.last().unwrap()["kind"], "archive");
    assert_eq!(shown["working_days"], 9);
    assert_eq!(shown["urgings"][0]["level"], "红牌");
    assert_eq!(shown["feedbacks"][0]["seq"], 1);
    let followups: Vec<&str> = shown["followups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["satisfaction"].as_str().unwrap())
        .collect();
    assert_eq!(followups, ["unsatisfied", "satisfied"]);

    let listed = cli.json(&["case", "list", "--status", "已归档"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    // Human output is Chinese.
    let out = cli.run(&["case", "show", n]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("已归档") && text.contains("时间线"), "{text}");
}

#[test]
fn refusals_exit_3_in_chinese_and_write_nothing() {
    let cli = Cli::new();
    cli.json(&[
        "case",
        "add",
        "--title",
        "标题",
        "--content",
        "内容",
        "--now",
        "2026-11-27 09:00",
    ]);
    let err = cli.refused(&["case", "assign", "1", "--unit", "镇城建办"]);
    assert!(err.contains("不能交办"), "{err}");
    let err = cli.refused(&["case", "add", "--title", "", "--content", "内容"]);
    assert!(err.contains("标题不能为空"), "{err}");
    let err = cli.refused(&[
        "case",
        "add",
        "--title",
        "t",
        "--content",
        "c",
        "--phone",
        "abc",
    ]);
    assert!(err.contains("联系电话"), "{err}");
    let err = cli.refused(&["case", "close", "WZ-2026-000099", "--result", "x"]);
    assert!(err.contains("找不到案件"), "{err}");
    let err = cli.refused(&["case", "list", "--as", "nobody"]);
    assert!(err.contains("用户“nobody”不存在"), "{err}");
    let err = cli.refused(&["calendar", "show", "2027"]);
    assert!(err.contains("没有 2027 年"), "{err}");
    assert_eq!(count_cases(&cli.db), 1);
}

#[test]
fn bad_usage_exits_2() {
    let cli = Cli::new();
    assert_eq!(cli.run(&["case", "frobnicate"]).status.code(), Some(2));
    assert_eq!(
        cli.run(&["case", "extend", "1", "--days", "many", "--reason", "x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(cli.run(&["deadline"]).status.code(), Some(2));
    let out = cli.run(&["--now", "明天", "deadline", "--received", "2026-01-01"]);
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn calendar_show_and_import() {
    let cli = Cli::new();
    let y = cli.json(&["calendar", "show", "2026"]);
    assert_eq!(y["year"], 2026);
    assert!(y["days"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["day"] == "2026-02-14" && d["is_off_day"] == false));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("2027.json");
    std::fs::write(&file, r#"{"year":2027,"papers":[],"days":[]}"#).unwrap();
    let err = cli.refused(&["calendar", "import", file.to_str().unwrap()]);
    assert!(err.contains("空的"), "{err}");
    std::fs::write(
        &file,
        r#"{"year":2027,"papers":[],"days":[{"name":"元旦","date":"2027-01-01","isOffDay":true}]}"#,
    )
    .unwrap();
    let y = cli.json(&["calendar", "import", file.to_str().unwrap()]);
    assert_eq!(y["days"].as_array().unwrap().len(), 1);
    let v = cli.json(&["deadline", "--received", "2026-12-28 10:00"]);
    assert_eq!(
        (v["reply_due"].as_str(), v["calendar_complete"].as_bool()),
        (Some("2027-01-07"), Some(true))
    );
}

#[test]
fn print_feedback_writes_a_pdf_and_refuses_in_chinese() {
    let cli = Cli::new();
    cli.json(&["unit", "add", "镇城建办"]);
    cli.json(&[
        "case",
        "add",
        "--title",
        "路灯不亮",
        "--content",
        "村口路灯坏了，联系13812345678。",
        "--phone",
        "13812345678",
    ]);
    // No feedback yet: refused, exit 3, Chinese message.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("fk.pdf");
    let err = cli.refused(&[
        "print",
        "feedback",
        "--case",
        "1",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(err.contains("书面反馈"), "{err}");
    assert!(!pdf.exists());
    cli.json(&["case", "ack", "1"]);
    cli.json(&["case", "assign", "1", "--unit", "镇城建办"]);
    cli.json(&["case", "reply", "1", "--text", "已修复。", "--final"]);
    cli.json(&["case", "feedback", "1"]);
    let v = cli.json(&[
        "print",
        "feedback",
        "--case",
        "1",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert_eq!(v["kind"], "feedback");
    assert_eq!(v["feedback_seq"], 1);
    assert!(v["pages"].as_u64().is_some_and(|n| n >= 1), "{v}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    assert!(bytes.len() < 300 * 1024, "{} bytes", bytes.len());
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text: String = String::from_utf8_lossy(&text.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(text.contains("第1次书面反馈"), "{text}");
    assert!(
        text.contains("138****5678") && !text.contains("13812345678"),
        "{text}"
    );
    // The monthly report: no document number, no case.
    let monthly = dir.path().join("yb.pdf");
    let v = cli.json(&[
        "print",
        "monthly",
        "--month",
        "2026-11",
        "--out",
        monthly.to_str().unwrap(),
    ]);
    assert_eq!(
        (v["kind"].as_str(), v["case"].as_str()),
        (Some("monthly"), None)
    );
    assert!(
        v["title"]
            .as_str()
            .unwrap()
            .ends_with("月网络问政工作情况通报"),
        "{v}"
    );
    assert!(std::fs::read(&monthly).unwrap().starts_with(b"%PDF"));
    // A malformed month is refused in Chinese.
    let err = cli.refused(&[
        "print",
        "monthly",
        "--month",
        "2026-13",
        "--out",
        pdf.to_str().unwrap(),
    ]);
    assert!(err.contains("月份"), "{err}");
}

#[test]
fn roles_apply_with_as_user() {
    let cli = Cli::new();
    cli.json(&["unit", "add", "甲办"]);
    let out = Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args([
            "--db",
            cli.db.to_str().unwrap(),
            "user",
            "add",
            "wang",
            "--name",
            "王小明",
            "--role",
            "办公室工作人员",
            "--password-stdin",
            "--json",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all("王的密码12345\n".as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let u: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (u["login"].as_str(), u["role"].as_str()),
        (Some("wang"), Some("clerk"))
    );
    let err = cli.refused(&["unit", "add", "乙办", "--as", "wang"]);
    assert!(err.contains("无权管理承办单位"), "{err}");
    let case = cli.json(&[
        "case",
        "add",
        "--title",
        "t",
        "--content",
        "c",
        "--phone",
        "13912345678",
        "--as",
        "wang",
    ]);
    assert_eq!(case["phone"], "139****5678");
    let shown = cli.json(&["case", "show", "1", "--as", "wang"]);
    assert_eq!(shown["events"][0]["actor"], "王小明");
    let revealed = cli.json(&["case", "reveal", "1", "--as", "wang"]);
    assert_eq!(revealed["phone"], "13912345678");
    let users = cli.json(&["user", "list"]);
    assert_eq!(users.as_array().unwrap().len(), 2);
    assert!(
        !String::from_utf8_lossy(&cli.run(&["user", "list", "--json"]).stdout).contains("argon2")
    );
}

#[test]
fn verify_backup_and_restore() {
    let cli = Cli::new();
    cli.json(&["case", "add", "--title", "备份前", "--content", "c"]);
    let v = cli.json(&["verify"]);
    assert_eq!(
        (v["ok"].as_bool(), v["events_checked"].as_u64()),
        (Some(true), Some(1))
    );
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let b = cli.json(&["backup", "--out", backup.to_str().unwrap()]);
    assert!(b["size"].as_u64().unwrap() > 0);
    cli.json(&["case", "add", "--title", "备份后", "--content", "c"]);
    assert_eq!(count_cases(&cli.db), 2);
    let r = cli.json(&[
        "restore",
        backup.to_str().unwrap(),
        "--now",
        "2026-11-27 15:00",
    ]);
    assert!(r["previous_kept_as"]
        .as_str()
        .unwrap()
        .ends_with(".before-restore-20261127-150000"));
    assert_eq!(count_cases(&cli.db), 1);
    let err = cli.refused(&["restore", dir.path().join("nope.db").to_str().unwrap()]);
    assert!(err.contains("不存在"), "{err}");

    // Tampering shows: exit 4 and the position of the edited event.
    let tamper = Command::new("python3")
        .args(["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER events_no_update'); \
                c.execute(\"UPDATE events SET summary='改' WHERE id=1\"); c.commit()", cli.db.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(tamper.success());
    let out = cli.run(&["verify"]);
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("第 1 条事件（编号 1）的内容被修改"), "{text}");
}

#[test]
fn the_hostile_corpus_through_the_cli() {
    #[derive(serde::Deserialize)]
    struct Entry {
        kind: String,
        text: String,
    }
    let corpus: Vec<Entry> = serde_json::from_str(include_str!("hostile/strings.json")).unwrap();
    let cli = Cli::new();
    let mut stored = 0;
    // Every 2nd entry keeps the run short; NUL cannot travel in a command-line argument.
    for e in corpus.iter().step_by(2).filter(|e| !e.text.contains('\0')) {
        let title: String = e.text.chars().take(200).collect();
        let args: Vec<&str> = if e.kind == "date" {
            vec![
                "case",
                "add",
                "--title",
                "日期",
                "--content",
                "c",
                "--received",
                &e.text,
                "--json",
            ]
        } else {
            vec![
                "case",
                "add",
                "--title",
                &title,
                "--content",
                &e.text,
                "--json",
            ]
        };
        let out = cli.run(&args);
        match out.status.code() {
            Some(0) => {
                stored += 1;
                let v: Value = serde_json::from_slice(&out.stdout).unwrap();
                if e.kind != "date" {
                    assert_eq!(v["title"].as_str().unwrap(), title.trim(), "{:?}", e.text);
                    assert_eq!(
                        v["content"].as_str().unwrap(),
                        e.text.trim(),
                        "{:?}",
                        e.text
                    );
                }
            }
            Some(3) => {
                let err = String::from_utf8(out.stderr).unwrap();
                assert!(err.starts_with("错误："), "{:?}: {err}", e.text);
            }
            other => panic!(
                "{:?}: exit {other:?}: {}",
                e.text,
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }
    assert!(stored > 100, "only {stored} stored");
    assert_eq!(cli.json(&["verify"])["ok"], true);
}

#[test]
fn attach_a_file_and_take_it_out_again() {
    let cli = Cli::new();
    cli.json(&["case", "add", "--title", "附件", "--content", "c"]);
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("平台截图.png");
    std::fs::write(&shot, b"\x89PNG fake screenshot").unwrap();
    let a = cli.json(&["case", "attach", "1", shot.to_str().unwrap()]);
    assert_eq!(
        (a["file_name"].as_str(), a["size"].as_i64()),
        (Some("平台截图.png"), Some(20))
    );
    let shown = cli.json(&["case", "show", "1"]);
    assert_eq!(shown["attachments"][0]["sha256"], a["sha256"]);
    let copy = dir.path().join("copy.png");
    let id = a["id"].to_string();
    cli.json(&["case", "attachment", &id, "--out", copy.to_str().unwrap()]);
    assert_eq!(std::fs::read(&copy).unwrap(), std::fs::read(&shot).unwrap());
    let err = cli.refused(&["case", "attachment", "99", "--out", copy.to_str().unwrap()]);
    assert!(err.contains("附件 99 不存在"), "{err}");
}

#[test]
fn expect_version_refuses_a_stale_step_with_exit_5_and_writes_nothing() {
    let cli = Cli::new();
    let added = cli.json(&["case", "add", "--title", "路灯", "--content", "c"]);
    assert_eq!(added["version"], 1);
    let acked = cli.json(&["case", "ack", "1", "--expect-version", "1"]);
    assert_eq!(acked["version"], 2);
    // A script that still holds version 1 is refused, with who changed the case and when.
    let events = cli.json(&["case", "show", "1"])["events"]
        .as_array()
        .unwrap()
        .len();
    let out = cli.run(&[
        "case",
        "instruct",
        "1",
        "--leader",
        "张镇长",
        "--text",
        "尽快",
        "--expect-version",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(5), "{out:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("已被 系统管理员 于"), "{err}");
    assert!(err.contains("您的修改没有保存，请刷新后重做"), "{err}");
    let shown = cli.json(&["case", "show", "1"]);
    assert_eq!(shown["events"].as_array().unwrap().len(), events);
    assert_eq!(shown["version"], 2);
    // Without --expect-version nothing is checked; on a read it is refused.
    assert_eq!(
        cli.json(&[
            "case",
            "instruct",
            "1",
            "--leader",
            "张镇长",
            "--text",
            "尽快"
        ])["version"],
        3
    );
    let err = cli.refused(&["case", "show", "1", "--expect-version", "3"]);
    assert!(
        err.contains("--expect-version 只用于修改案件的命令"),
        "{err}"
    );
}
