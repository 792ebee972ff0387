//! The command-line tool opens no network connection (issue 7): a day's work through
//! `wenzheng` under `strace -f`, with every connect and send recorded; none may go to
//! an IPv4 or IPv6 address. Needs the apt package strace.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_wenzheng");

/// Runs `wenzheng ARGS` on `db` under strace; returns the strace log.
fn traced(dir: &Path, db: &Path, args: &[&str]) -> String {
    let log = dir.join("strace.log");
    let out = Command::new("strace")
        .args([
            "-f",
            "-s",
            "0",
            "-e",
            "trace=connect,sendto,sendmsg,sendmmsg",
            "-o",
        ])
        .arg(&log)
        .arg(BIN)
        .arg("--db")
        .arg(db)
        .args(["--now", "2026-11-27 10:00"])
        .args(args)
        .output()
        .expect("strace (apt package strace) is needed for this test");
    assert!(
        out.status.success(),
        "wenzheng {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn the_cli_opens_no_network_connection() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("net.db");
    let csv = tmp.path().join("台账.csv");
    let xlsx = tmp.path().join("台账.xlsx");
    let open311 = tmp.path().join("open311.json");
    let backup = tmp.path().join("备份.db");
    let steps: Vec<Vec<String>> = vec![
        vec!["unit", "add", "镇城建办"],
        vec![
            "case",
            "add",
            "--title",
            "路灯不亮",
            "--content",
            "幸福路路灯坏了",
            "--phone",
            "13800005678",
        ],
        vec!["case", "ack", "1"],
        vec!["case", "assign", "1", "--unit", "镇城建办"],
        vec!["case", "list", "--json"],
        vec!["export", "--csv", csv.to_str().unwrap()],
        vec!["export", "--xlsx", xlsx.to_str().unwrap()],
        vec!["export", "--open311", open311.to_str().unwrap()],
        vec!["import", csv.to_str().unwrap(), "--preview"],
        vec!["backup", "--out", backup.to_str().unwrap()],
        vec!["verify"],
        vec!["due"],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for step in &steps {
        let args: Vec<&str> = step.iter().map(String::as_str).collect();
        let log = traced(tmp.path(), &db, &args);
        assert!(
            log.contains("+++ exited with 0 +++"),
            "strace followed wenzheng {args:?}: {log}"
        );
        let bad: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("sa_family=AF_INET"))
            .collect();
        assert!(bad.is_empty(), "wenzheng {args:?} connected: {bad:#?}");
    }
    assert!(backup.is_file() && csv.is_file() && xlsx.is_file() && open311.is_file());
}
