//! Hostile input through the import (issue 7), with the real binary on real files:
//! malformed spreadsheets (a truncated zip, random bytes, a zip that is no workbook),
//! wrong encodings, a 1 MB cell, a JSON file, NUL and control characters, and the whole
//! hostile corpus as rows of one CSV. Nothing crashes, every refusal is a Chinese
//! message with exit 3 and writes nothing, and what was stored comes back byte-identical.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

#[derive(serde::Deserialize)]
struct Entry {
    kind: String,
    text: String,
}

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

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A CSV field, quoted.
fn field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

/// Imports `file` into `db`, expecting a refusal: exit 3, a Chinese message, no case.
fn refused(db: &Path, file: &Path, what: &str) -> String {
    let out = run(db, &["import", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(3), "{what}: {err}");
    assert!(
        err.starts_with("错误：") && has_chinese(&err),
        "{what}: {err}"
    );
    assert!(out.stdout.is_empty(), "{what}: nothing on stdout");
    let list = json(db, &["case", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "{what}: nothing written");
    err
}

#[test]
fn malformed_files_are_refused_in_chinese_and_change_nothing() {
    let s = Scratch::new();
    let db = s.path("t.db");
    // A valid workbook to break: our own export of one case, from another database.
    let src = s.path("src.db");
    json(
        &src,
        &[
            "case",
            "add",
            "--title",
            "路灯不亮",
            "--content",
            "幸福路路灯坏了",
        ],
    );
    let good = s.path("good.xlsx");
    json(&src, &["export", "--xlsx", good.to_str().unwrap()]);
    let bytes = std::fs::read(&good).unwrap();

    let truncated = s.write("截断.xlsx", &bytes[..bytes.len() / 2]);
    refused(&db, &truncated, "a truncated zip");
    let noise: Vec<u8> = (0..4096u32).map(|i| (i * 31 % 256) as u8).collect();
    refused(&db, &s.write("乱码.xlsx", &noise), "random bytes as .xlsx");
    refused(&db, &s.write("空.xlsx", b""), "an empty .xlsx");
    // A zip that holds no workbook.
    let zip = s.path("不是工作簿.xlsx");
    let made = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w')\nz.writestr('readme.txt', 'hello')\nz.close()",
        ])
        .arg(&zip)
        .status()
        .expect("python3");
    assert!(made.success());
    refused(&db, &zip, "a zip without a workbook");

    let header = "标题,留言内容,收到时间\n";
    // UTF-16 with a byte-order mark, as some tools save "Unicode text".
    let mut utf16 = vec![0xff, 0xfe];
    for u in format!("{header}路灯不亮,某村路灯坏了,2026-11-20 09:00\n").encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    // Read correctly (the byte-order mark names the encoding), into another database.
    let u16db = s.path("u16.db");
    let report = json(
        &u16db,
        &["import", s.write("utf16.csv", &utf16).to_str().unwrap()],
    );
    assert_eq!(report["imported"][0]["title"], "路灯不亮");
    // Bytes that are neither UTF-8 nor GB18030.
    let mut bad = header.as_bytes().to_vec();
    bad.extend([0x81, 0x30, 0xff, 0xfe, b',', b'x', b',', b'y', b'\n']);
    let err = refused(&db, &s.write("坏编码.csv", &bad), "undecodable bytes");
    assert!(err.contains("编码"), "{err}");
    // A 1 MB cell.
    let big = format!(
        "{header}大段文字,{},2026-11-20 09:00\n",
        "字".repeat(1 << 20)
    );
    let err = refused(&db, &s.write("1MB.csv", big.as_bytes()), "a 1 MB cell");
    assert!(err.contains("不能超过"), "{err}");
    // NUL and an escape character in cells.
    let nul = format!("{header}标题\u{0}带NUL,内容\u{1b}[31m,2026-11-20 09:00\n");
    let err = refused(
        &db,
        &s.write("控制字符.csv", nul.as_bytes()),
        "control characters",
    );
    assert!(err.contains("控制字符"), "{err}");
    // A bad date, an unbalanced quote, a header without the required columns.
    refused(
        &db,
        &s.write(
            "坏日期.csv",
            format!("{header}t,c,2026-02-30 25:61\n").as_bytes(),
        ),
        "a malformed date",
    );
    refused(
        &db,
        &s.write(
            "引号.csv",
            format!("{header}\"没有结束的引号,c,2026-11-20 09:00\n").as_bytes(),
        ),
        "an unbalanced quote",
    );
    refused(
        &db,
        &s.write("表头.csv", "名字,内容\n张三,x\n".as_bytes()),
        "no required columns",
    );
    // JSON is not an import format; a JSON file named .csv is just a bad table.
    refused(
        &db,
        &s.write("留言.json", br#"{"title": "x"}"#),
        "a .json file",
    );
    refused(
        &db,
        &s.write("伪装.csv", br#"[{"title": "x", "content": "y"}"#),
        "JSON as .csv",
    );

    // GB18030 (Excel on Chinese Windows) is read correctly.
    let gbk = s.path("gbk.csv");
    let made = Command::new("python3")
        .args([
            "-c",
            "import sys\nopen(sys.argv[1], 'wb').write(sys.argv[2].encode('gb18030'))",
        ])
        .arg(&gbk)
        .arg(format!("{header}路灯不亮,某村路灯坏了,2026-11-20 09:00\n"))
        .status()
        .expect("python3");
    assert!(made.success());
    let report = json(&db, &["import", gbk.to_str().unwrap()]);
    assert_eq!(report["imported"][0]["title"], "路灯不亮");
    assert_eq!(json(&db, &["verify"])["ok"], true);
}

#[test]
fn the_hostile_corpus_through_the_import() {
    let corpus: Vec<Entry> = serde_json::from_str(include_str!("hostile/strings.json")).unwrap();
    let s = Scratch::new();
    let db = s.path("t.db");
    let mut csv = String::from("标题,留言内容,收到时间,网民昵称\n");
    let mut expected = Vec::new();
    for (i, e) in corpus.iter().enumerate() {
        let (title, received): (String, String) = if e.kind == "date" {
            (format!("日期{i}"), e.text.clone())
        } else {
            (
                e.text.chars().take(200).collect(),
                "2026-11-20 09:00".into(),
            )
        };
        csv.push_str(&format!(
            "{},{},{},{}\n",
            field(&title),
            field(&e.text),
            field(&received),
            field(&format!("网民{i}"))
        ));
        expected.push((i + 2, title, e));
    }
    let file = s.write("语料.csv", csv.as_bytes());

    // All or nothing: the bad rows refuse the whole file, with each row's reason.
    let out = run(&db, &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("错误：") && has_chinese(&err));
    assert_eq!(json(&db, &["case", "list"]).as_array().unwrap().len(), 0);

    // Valid rows only: each imported row comes back byte-identical; each error is Chinese.
    let report = json(&db, &["import", file.to_str().unwrap(), "--valid-only"]);
    let imported = report["imported"].as_array().unwrap();
    let errors = report["errors"].as_array().unwrap();
    let dups = report["duplicates"].as_array().unwrap();
    assert_eq!(
        imported.len() + errors.len() + dups.len(),
        corpus.len(),
        "every row is accounted for"
    );
    assert!(imported.len() > 300, "only {} imported", imported.len());
    for e in errors {
        let m = e["message"].as_str().unwrap();
        assert!(has_chinese(m), "row {}: {m}", e["row"]);
    }
    for got in imported {
        let row = got["row"].as_u64().unwrap() as usize;
        let (_, title, entry) = expected.iter().find(|(r, _, _)| *r == row).unwrap();
        let case = json(&db, &["case", "show", got["number"].as_str().unwrap()]);
        if entry.kind != "date" {
            assert_eq!(case["title"].as_str().unwrap(), title.trim(), "row {row}");
            assert_eq!(
                case["content"].as_str().unwrap(),
                entry.text.trim(),
                "row {row}"
            );
        }
        assert_eq!(case["poster"].as_str().unwrap(), format!("网民{}", row - 2));
    }
    assert_eq!(json(&db, &["verify"])["ok"], true);
}
