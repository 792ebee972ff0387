//! Printing through a real CUPS server to the cups-pdf virtual printer `WZPDF` (which
//! `scripts/test` starts and configures): the job arrives as a PDF holding the document,
//! and the print is on the case's timeline.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

const PRINTER: &str = "WZPDF";

fn wenzheng(db: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .arg("--db")
        .arg(db)
        .args(args)
        .arg("--json")
        .env_remove("WENZHENG_DB")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Page 1 of a PDF as 8-bit gray pixels at 40 dpi (pdftoppm from poppler-utils).
fn gray_page(pdf: &Path) -> (usize, usize, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("p");
    let ok = Command::new("pdftoppm")
        .args(["-r", "40", "-gray", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&stem)
        .status()
        .expect("pdftoppm (poppler-utils) is not installed: run scripts/test");
    assert!(ok.success());
    let bytes = std::fs::read(stem.with_extension("pgm")).unwrap();
    // Binary PGM: "P5", width, height, maxval, one whitespace, then the pixels.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..i]).to_string());
    }
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = bytes[i + 1..].to_vec();
    assert_eq!(pixels.len(), w * h);
    (w, h, pixels)
}

/// For each 8 × 8 block of a gray page: whether it carries ink.
fn inked_blocks(w: usize, h: usize, pixels: &[u8]) -> Vec<bool> {
    let mut blocks = Vec::new();
    for by in (0..h).step_by(8) {
        for bx in (0..w).step_by(8) {
            let dark = (by..(by + 8).min(h))
                .flat_map(|y| (bx..(bx + 8).min(w)).map(move |x| (x, y)))
                .filter(|&(x, y)| pixels[y * w + x] < 160)
                .count();
            blocks.push(dark >= 3);
        }
    }
    blocks
}

/// Where cups-pdf puts the job's PDF: `~/PDF/…-job_N.pdf` for the user who printed.
fn wait_for_job(job: &str) -> PathBuf {
    let n = job.rsplit('-').next().unwrap();
    let dir = PathBuf::from(std::env::var("HOME").unwrap()).join("PDF");
    let suffix = format!("job_{n}.pdf");
    let started = Instant::now();
    loop {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(&suffix) && e.metadata().map(|m| m.len() > 0).unwrap_or(false) {
                    return e.path();
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "cups-pdf wrote no {suffix} in {} within 60 s",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_notice_prints_through_cups_and_lands_on_the_timeline() {
    let printers = Command::new("lpstat")
        .arg("-e")
        .output()
        .expect("lpstat (cups-client) is not installed: run scripts/test");
    let list = String::from_utf8_lossy(&printers.stdout).to_string();
    assert!(
        list.lines().any(|l| l.trim() == PRINTER),
        "CUPS has no printer {PRINTER} (got {list:?}): run scripts/test, which starts cupsd and adds it"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("print.db");
    wenzheng(&db, &["unit", "add", "镇城建办"]);
    let case = wenzheng(
        &db,
        &[
            "case",
            "add",
            "--title",
            "打印测试：路灯不亮",
            "--content",
            "村口路灯坏了",
        ],
    );
    let n = case["number"].as_str().unwrap();
    wenzheng(&db, &["case", "ack", n]);
    wenzheng(
        &db,
        &[
            "case",
            "assign",
            n,
            "--unit",
            "镇城建办",
            "--requirement",
            "三日内修复",
        ],
    );
    let pdf = dir.path().join("notice.pdf");
    let printed = wenzheng(
        &db,
        &[
            "print",
            "notice",
            "--case",
            n,
            "--out",
            pdf.to_str().unwrap(),
            "--printer",
            PRINTER,
        ],
    );
    let job = printed["job"].as_str().unwrap();
    assert!(job.starts_with("WZPDF-"), "{printed}");

    let spooled = wait_for_job(job);
    // cups-pdf re-renders the job through Ghostscript, which drops the text layer of
    // subset CJK fonts; so compare what a person sees: page 1 of both, rasterised.
    let (w, h, sent) = gray_page(&pdf);
    let (w2, h2, came) = gray_page(&spooled);
    assert_eq!(
        (w, h),
        (w2, h2),
        "the printed page is not A4 like the document"
    );
    // Glyphs are rasterised a little differently, so compare where the ink is, in blocks
    // of 8 × 8 pixels (5 mm): the same blocks must carry ink on both pages.
    let (a, b) = (inked_blocks(w, h, &sent), inked_blocks(w, h, &came));
    let inked = a.iter().filter(|x| **x).count();
    assert!(inked > 50, "the document's first page is nearly blank");
    let differing = a.iter().zip(&b).filter(|(x, y)| x != y).count();
    assert!(
        // Measured: the same notice differs in ~13% of its blocks after cups-pdf's
        // re-rendering; another document differs in ~70%.
        differing * 4 < inked,
        "the printed page differs from the document in {differing} of {inked} inked blocks"
    );

    let shown = wenzheng(&db, &["case", "show", n]);
    let last = shown["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "print");
    assert!(last["summary"].as_str().unwrap().contains(job), "{last}");

    // A printer that does not exist: refused before a document number is used.
    let out = Command::new(env!("CARGO_BIN_EXE_wenzheng"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "print",
            "notice",
            "--case",
            n,
            "--out",
        ])
        .arg(dir.path().join("x.pdf"))
        .args(["--printer", "不存在的打印机"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("打印机“不存在的打印机”不存在"));
    let again = wenzheng(
        &db,
        &[
            "print",
            "notice",
            "--case",
            n,
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    assert_eq!(
        again["number"],
        printed["number"].as_str().unwrap().replace("1号", "2号")
    );
}
