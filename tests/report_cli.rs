//! `wenzheng report`, `export` and `import` on a real database file, through the real
//! binary: exit codes, the JSON contract and the files written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    fn new() -> Self {
        Db {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, now: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_wenzheng"))
            .arg("--db")
            .arg(self.path("t.db"))
            .args(["--now", now])
            .args(args)
            .env_remove("WENZHENG_DB")
            .output()
            .unwrap()
    }

    fn json(&self, now: &str, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(now, &all);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn import_report_and_export_through_the_binary() {
    let db = Db::new();
    let csv = db.path("留言.csv");
    std::fs::write(
        &csv,
        "标题,留言内容,收到时间,问题类别\n\
         路灯不亮,某村路灯坏了,2026-02-10 09:00,民生\n\
         ,没有标题,2026-02-10 09:00,\n",
    )
    .unwrap();
    let now = "2026-02-12 09:00";
    // A bad row refuses the whole file: exit 3, the row named, nothing on stdout.
    let out = db.run(now, &["import", s(&csv)]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("第 3 行：标题不能为空"), "{err}");
    let list = db.json(now, &["case", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 0);

    let r = db.json(now, &["import", s(&csv), "--valid-only"]);
    assert_eq!(r["imported"][0]["number"], "WZ-2026-000001");
    assert_eq!(r["errors"][0]["row"], 3);
    assert_eq!(r["written"], true);
    let again = db.json(now, &["import", s(&csv), "--valid-only"]);
    assert_eq!(again["duplicates"][0]["existing"], "WZ-2026-000001");
    assert_eq!(again["imported"].as_array().unwrap().len(), 0);

    let xlsx = db.path("月报.xlsx");
    let later = "2026-03-02 09:00";
    let m = db.json(
        later,
        &[
            "report",
            "monthly",
            "--month",
            "2026-02",
            "--xlsx",
            s(&xlsx),
        ],
    );
    assert_eq!(m["received"]["total"], 1);
    assert_eq!(m["due"], 1, "due Feb 26");
    assert_eq!(m["overdue_now"][0]["number"], "WZ-2026-000001");
    assert_eq!(m["trend"].as_array().unwrap().len(), 12);
    assert!(std::fs::metadata(&xlsx).unwrap().len() > 1000);

    let out = db.run(later, &["report", "monthly", "--month", "2026-13"]);
    assert_eq!(out.status.code(), Some(3));

    let o = db.path("o.json");
    db.json(later, &["export", "--open311", s(&o)]);
    let requests: Value = serde_json::from_str(&std::fs::read_to_string(&o).unwrap()).unwrap();
    assert_eq!(requests[0]["service_request_id"], "WZ-2026-000001");
    assert_eq!(requests[0]["status"], "open");
    let c = db.path("t.csv");
    let e = db.json(later, &["export", "--csv", s(&c)]);
    assert_eq!(e["cases"], 1);
    let out = db.run(later, &["export", "--csv", s(&c), "--xlsx", s(&xlsx)]);
    assert_eq!(out.status.code(), Some(2), "one format at a time");

    // A range of days instead of a month: the case was received Feb 10 and registered
    // (imported) Feb 12; received counts by registration.
    let r = db.json(
        later,
        &[
            "report",
            "monthly",
            "--from",
            "2026-02-09",
            "--to",
            "2026-02-11",
        ],
    );
    assert_eq!(
        (r["month"].clone(), r["from"].clone()),
        (Value::Null, "2026-02-09".into())
    );
    assert_eq!(r["received"]["total"], 0);
    let r = db.json(
        later,
        &[
            "report",
            "monthly",
            "--from",
            "2026-02-11",
            "--to",
            "2026-02-20",
        ],
    );
    assert_eq!(r["received"]["total"], 1);
    let out = db.run(
        later,
        &[
            "report",
            "monthly",
            "--from",
            "2026-02-20",
            "--to",
            "2026-02-11",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "the end before the start");
    let out = db.run(later, &["report", "monthly", "--from", "2026-02-20"]);
    assert_eq!(out.status.code(), Some(2), "--from needs --to");

    // The assessment rule: shown, replaced from a file, refused when the weights are wrong.
    let rule = db.json(later, &["report", "rule"]);
    assert_eq!(rule["red_deduction"], 5.0);
    let mut new = rule.clone();
    new["red_deduction"] = 8.0.into();
    let f = db.path("rule.json");
    std::fs::write(&f, new.to_string()).unwrap();
    let set = db.json(later, &["report", "rule", "--set", s(&f)]);
    assert_eq!(set["red_deduction"], 8.0);
    assert_eq!(db.json(later, &["report", "rule"])["red_deduction"], 8.0);
    new["indicators"][0]["weight"] = 1.0.into();
    std::fs::write(&f, new.to_string()).unwrap();
    let out = db.run(later, &["report", "rule", "--set", s(&f)]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(db.json(later, &["report", "rule"])["red_deduction"], 8.0);
}
