//! Exports say whether they contain personal information, `--unmasked` is for the roles
//! allowed and is logged, and formulas in citizens' text never become live formulas in
//! our XLSX/CSV files (CSV injection) — through the real binary on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const NOW: &str = "2026-11-27 10:00";
const FORMULA_TITLE: &str = "=cmd|' /C calc'!A0";
const FORMULA_CONTENT: &str = "@SUM(1+1)*cmd|' /C calc'!A0";

fn run(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .arg("--db")
        .arg(db)
        .args(["--now", NOW])
        .args(args)
        .env_remove("WENZHENG_DB")
        .output()
        .unwrap()
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let out = run(db, &all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A file inside an XLSX (a zip), read with Python's zipfile.
fn xlsx_part(xlsx: &Path, part: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())",
        ])
        .arg(xlsx)
        .arg(part)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn event_kinds(db: &Path) -> Vec<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys\nfor (k,) in sqlite3.connect(sys.argv[1]).execute('SELECT kind FROM events ORDER BY id'): print(k)",
        ])
        .arg(db)
        .output()
        .expect("python3");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

struct Office {
    dir: tempfile::TempDir,
}

impl Office {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn db(&self) -> PathBuf {
        self.path("t.db")
    }
}

/// A database with one case whose title and text are spreadsheet formulas, with a phone,
/// and a clerk and a unit handler.
fn office() -> Office {
    let o = Office {
        dir: tempfile::tempdir().unwrap(),
    };
    let db = o.db();
    json(&db, &["unit", "add", "甲办"]);
    json(
        &db,
        &[
            "case",
            "add",
            "--title",
            FORMULA_TITLE,
            "--content",
            FORMULA_CONTENT,
            "--phone",
            "13800005678",
            "--poster",
            "+网民昵称",
        ],
    );
    for (login, role, unit) in [("clerk", "clerk", None), ("jia", "unit", Some("甲办"))] {
        let mut args = vec!["user", "add", login, "--name", login, "--role", role];
        if let Some(u) = unit {
            args.extend(["--unit", u]);
        }
        json(&db, &args);
    }
    o
}

#[test]
fn exports_say_whether_they_contain_personal_data() {
    let o = office();
    let db = o.db();

    // Masked by default, and said so: in the JSON and on the file's first line.
    let csv = o.path("台账.csv");
    let done = json(&db, &["export", "--csv", csv.to_str().unwrap()]);
    assert_eq!(done["personal_data"], false);
    assert_eq!(
        done["note"],
        "本文件已隐去个人信息（联系电话只显示部分数字，如 138****5678）"
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "\u{feff}本文件已隐去个人信息（联系电话只显示部分数字，如 138****5678）"
    );
    assert!(text.contains("138****5678") && !text.contains("13800005678"));

    let xlsx = o.path("台账.xlsx");
    let done = json(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    assert_eq!(done["personal_data"], false);
    let strings = xlsx_part(&xlsx, "xl/sharedStrings.xml");
    assert!(strings.contains("本文件已隐去个人信息"), "{strings}");
    assert!(!strings.contains("13800005678"));

    let open311 = o.path("open311.json");
    let done = json(&db, &["export", "--open311", open311.to_str().unwrap()]);
    assert_eq!(done["personal_data"], false);
    assert!(done["note"]
        .as_str()
        .unwrap()
        .starts_with("本文件不含个人信息"));
    let body = std::fs::read_to_string(&open311).unwrap();
    assert!(
        !body.contains("138") && !body.contains("网民昵称"),
        "{body}"
    );
    let refused = run(
        &db,
        &[
            "export",
            "--open311",
            o.path("x.json").to_str().unwrap(),
            "--unmasked",
        ],
    );
    assert_eq!(
        refused.status.code(),
        Some(2),
        "Open311 never carries personal data"
    );

    // In full only for the roles allowed, and logged.
    let none_before = event_kinds(&db)
        .iter()
        .filter(|k| *k == "export_personal")
        .count();
    assert_eq!(none_before, 0);
    let unit = run(
        &db,
        &[
            "--as",
            "jia",
            "export",
            "--csv",
            o.path("u.csv").to_str().unwrap(),
            "--unmasked",
        ],
    );
    assert_eq!(unit.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&unit.stderr).contains("无权"));
    assert!(!o.path("u.csv").exists());
    let full = o.path("完整.csv");
    let done = json(
        &db,
        &[
            "--as",
            "clerk",
            "export",
            "--csv",
            full.to_str().unwrap(),
            "--unmasked",
        ],
    );
    assert_eq!(done["personal_data"], true);
    assert_eq!(
        done["note"],
        "本文件含个人信息（完整的联系电话），请妥善保管，不得外传"
    );
    let text = std::fs::read_to_string(&full).unwrap();
    assert!(text.starts_with("\u{feff}本文件含个人信息"));
    assert!(text.contains("13800005678"));
    let full_xlsx = o.path("完整.xlsx");
    json(
        &db,
        &[
            "export",
            "--xlsx",
            full_xlsx.to_str().unwrap(),
            "--unmasked",
        ],
    );
    assert!(xlsx_part(&full_xlsx, "xl/sharedStrings.xml").contains("本文件含个人信息"));
    assert_eq!(
        event_kinds(&db)
            .iter()
            .filter(|k| *k == "export_personal")
            .count(),
        2,
        "each unmasked export is an event"
    );
    assert_eq!(json(&db, &["verify"])["ok"], true);
}

#[test]
fn formulas_are_neutralised_in_exports_and_come_back_unchanged_on_import() {
    let o = office();
    let db = o.db();
    let csv = o.path("台账.csv");
    json(&db, &["export", "--csv", csv.to_str().unwrap()]);
    let text = std::fs::read_to_string(&csv).unwrap();
    // Every field that a spreadsheet would evaluate starts with an apostrophe.
    for field in text.lines().flat_map(|l| l.split(',')) {
        let field = field.trim_start_matches('"');
        assert!(
            !field.starts_with(['=', '+', '@']),
            "a live formula in the CSV: {field:?}\n{text}"
        );
    }
    assert!(text.contains("'=cmd|"), "{text}");
    assert!(text.contains("'@SUM(1+1)"), "{text}");
    assert!(text.contains("'+网民昵称"), "{text}");

    // XLSX cells are strings, never formulas.
    let xlsx = o.path("台账.xlsx");
    json(&db, &["export", "--xlsx", xlsx.to_str().unwrap()]);
    let sheet = xlsx_part(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>") && !sheet.contains("<f "), "{sheet}");
    let strings = xlsx_part(&xlsx, "xl/sharedStrings.xml");
    assert!(
        strings.contains("=cmd|&apos; /C calc&apos;!A0") || strings.contains("=cmd|' /C calc'!A0")
    );

    // Our own files import into another database: the note is skipped, the apostrophes
    // removed, and the texts come back byte-identical.
    for (file, name) in [(&csv, "from-csv.db"), (&xlsx, "from-xlsx.db")] {
        let other = o.path(name);
        let report = json(&other, &["import", file.to_str().unwrap()]);
        assert_eq!(report["imported"].as_array().unwrap().len(), 1, "{report}");
        assert_eq!(
            report["imported"][0]["row"], 3,
            "the note and the header are rows 1–2"
        );
        let case = json(&other, &["case", "show", "1"]);
        assert_eq!(case["title"], FORMULA_TITLE);
        assert_eq!(case["content"], FORMULA_CONTENT);
        assert_eq!(case["poster"], "+网民昵称");
    }
}
