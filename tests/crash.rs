//! Crash safety: the `wenzheng` process is killed with SIGKILL at random moments while it
//! registers cases, 200 times over. Every write it acknowledged must be there afterwards,
//! SQLite's integrity check and the event chain must be intact, and nothing may be
//! half-written (each case has its registration event, no event lacks its case).

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use serde_json::Value;

const TRIALS: usize = 200;

fn wenzheng(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wenzheng"));
    c.arg("--db").arg(db).args(args).env_remove("WENZHENG_DB");
    c
}

/// A small deterministic generator (xorshift), so a failing run can be repeated.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn add_case(db: &Path, i: usize) -> Command {
    let title = format!("断电测试 {i}");
    let mut c = wenzheng(
        db,
        &[
            "case",
            "add",
            "--title",
            &title,
            "--content",
            "写入时被强行终止",
            "--json",
        ],
    );
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c
}

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let first = add_case(&db, 0).output().unwrap();
    assert!(first.status.success(), "{first:?}");
    let mut acknowledged: Vec<String> = vec![number(&first.stdout)];
    let mut rng = Rng(0x5eed_2026_1127);
    let mut killed = 0;
    for trial in 1..=TRIALS {
        // One write runs to completion: acknowledged. Its duration aims the kill below.
        let started = Instant::now();
        let ok = add_case(&db, trial * 2).output().unwrap();
        let span = started.elapsed().as_micros().max(1_000) as u64;
        assert!(
            ok.status.success(),
            "trial {trial}: {}",
            String::from_utf8_lossy(&ok.stderr)
        );
        acknowledged.push(number(&ok.stdout));
        // The next is killed at a random moment of its life.
        let mut child = add_case(&db, trial * 2 + 1).spawn().unwrap();
        sleep(Duration::from_micros(rng.below(span)));
        if child.try_wait().unwrap().is_none() {
            killed += 1;
        }
        let _ = child.kill();
        let out = child.wait_with_output().unwrap();
        if out.status.success() {
            // It finished before the kill: then it is acknowledged too.
            acknowledged.push(number(&out.stdout));
        }
    }
    assert!(
        killed >= TRIALS / 2,
        "only {killed} of {TRIALS} processes were killed while running"
    );

    let listed = wenzheng(&db, &["case", "list", "--limit", "1000", "--json"])
        .output()
        .unwrap();
    assert!(listed.status.success(), "{listed:?}");
    let cases: Vec<Value> = serde_json::from_slice(&listed.stdout).unwrap();
    let present: Vec<&str> = cases
        .iter()
        .map(|c| c["number"].as_str().unwrap())
        .collect();
    for n in &acknowledged {
        assert!(
            present.contains(&n.as_str()),
            "acknowledged case {n} is missing"
        );
    }
    let verify = wenzheng(&db, &["verify", "--json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["integrity_ok"], true);
    // Nothing half-written: one registration event per case, and no more events.
    assert_eq!(
        report["events_checked"].as_u64().unwrap() as usize,
        cases.len()
    );
    for c in &cases {
        let id = c["id"].to_string();
        let shown = wenzheng(&db, &["case", "show", &id, "--json"])
            .output()
            .unwrap();
        let d: Value = serde_json::from_slice(&shown.stdout).unwrap();
        assert_eq!(d["events"].as_array().unwrap().len(), 1, "case {id}");
    }
    eprintln!(
        "{TRIALS} trials, {killed} killed mid-run, {} cases acknowledged, {} present",
        acknowledged.len(),
        cases.len()
    );
}

fn number(stdout: &[u8]) -> String {
    let v: Value = serde_json::from_slice(stdout).unwrap();
    v["number"].as_str().unwrap().to_string()
}
