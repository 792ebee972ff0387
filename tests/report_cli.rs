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

/// A closed case's dossier as PDF (pdftotext finds its timeline, documents and the
/// attachment's SHA-256), and the yearly archive export with its manifest checked
/// against the files.
#[test]
fn dossier_and_yearly_archive_export() {
    let db = Db::new();
    let t = |h: &str| format!("2026-02-{h}");
    let c = db.json(
        &t("10 09:00"),
        &[
            "case",
            "add",
            "--title",
            "村道路灯损坏",
            "--content",
            "某村路灯坏了一个月",
            "--received",
            "2026-02-10 08:30",
        ],
    );
    let id = c["number"].as_str().unwrap().to_string();
    db.json(&t("10 09:00"), &["unit", "add", "镇城建办"]);
    db.json(&t("10 10:00"), &["case", "ack", &id]);
    db.json(
        &t("10 11:00"),
        &["case", "assign", &id, "--unit", "镇城建办"],
    );
    let shot = db.path("现场照片.png");
    std::fs::write(&shot, b"\x89PNG fake screenshot bytes").unwrap();
    let att = db.json(&t("10 11:30"), &["case", "attach", &id, s(&shot)]);
    let sha = att["sha256"].as_str().unwrap().to_string();
    db.json(
        &t("11 09:00"),
        &[
            "case",
            "progress",
            &id,
            "--unit",
            "镇城建办",
            "--text",
            "已派电工查看线路",
        ],
    );
    db.json(
        &t("12 10:00"),
        &[
            "case",
            "reply",
            &id,
            "--text",
            "路灯已修复，感谢监督",
            "--final",
        ],
    );

    // Not closed yet: no dossier (exit 3).
    let pdf = db.path("案卷.pdf");
    let out = db.run(
        &t("12 11:00"),
        &["print", "dossier", "--case", &id, "--out", s(&pdf)],
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    db.json(
        &t("13 09:00"),
        &["case", "close", &id, "--result", "已更换灯具"],
    );
    db.json(&t("13 10:00"), &["case", "archive", &id]);
    let r = db.json(
        &t("14 09:00"),
        &["print", "dossier", "--case", &id, "--out", s(&pdf)],
    );
    assert_eq!(r["attachments"], 1);
    assert!(r["pages"].as_u64().unwrap() >= 1);
    let text = pdftotext(&pdf);
    for want in [
        "网络问政案卷",
        "村道路灯损坏",
        "办理过程",
        "已派电工查看线路",
        "路灯已修复，感谢监督",
        "已更换灯具",
        "现场照片.png",
        &format!("SHA-256：{sha}"),
    ] {
        assert!(text.contains(want), "{want} missing in:\n{text}");
    }
    // The timeline is there in order: registered, acknowledged, …, archived.
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} in:\n{text}"));
    assert!(
        at("2026年2月10日09:00，系统管理员：登记") < at("2026年2月13日10:00，系统管理员：归档")
    );

    // The yearly archive export.
    let dir = db.path("归档2026");
    let m = db.json(
        &t("14 10:00"),
        &["archive", "export", "--year", "2026", "--out", s(&dir)],
    );
    assert_eq!(m["cases"], serde_json::json!([id]));
    let files = m["files"].as_array().unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(
        paths.contains(&format!("{id}/案卷.pdf").as_str()),
        "{paths:?}"
    );
    assert!(paths.contains(&"案件台账-2026.xlsx"), "{paths:?}");
    let attached = format!("{id}/附件/{}-现场照片.png", att["id"]);
    assert!(paths.contains(&attached.as_str()), "{paths:?}");
    let on_disk: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(on_disk["files"], m["files"]);
    for f in files {
        let path = dir.join(f["path"].as_str().unwrap());
        let out = Command::new("sha256sum").arg(&path).output().unwrap();
        let sum = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            sum.split_whitespace().next(),
            f["sha256"].as_str(),
            "{path:?}"
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            f["size"].as_u64().unwrap()
        );
    }
    assert_eq!(
        files
            .iter()
            .find(|f| f["path"] == attached.as_str())
            .unwrap()["sha256"],
        sha.as_str()
    );
    assert!(pdftotext(&dir.join(format!("{id}/案卷.pdf"))).contains("已更换灯具"));
    // Exporting into the same (now full) folder is refused.
    let out = db.run(
        &t("14 11:00"),
        &["archive", "export", "--year", "2026", "--out", s(&dir)],
    );
    assert_eq!(out.status.code(), Some(3));
}

fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success());
    // Lines are justified and wrapped, pages numbered 「— N —」: compare the text without
    // white space and page numbers.
    let text: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut plain = String::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find('—') {
        plain.push_str(&rest[..i]);
        let after = &rest[i + '—'.len_utf8()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with('—') {
            rest = &after[digits + '—'.len_utf8()..];
        } else {
            plain.push('—');
            rest = after;
        }
    }
    plain.push_str(rest);
    plain
}
