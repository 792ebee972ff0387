//! 打印文书 through the real app window: a 书面反馈 printed from the case screen to the
//! cups-pdf printer `WZPDF` of a real CUPS server (which `scripts/test` starts) lands as a
//! PDF whose text is the case's, and the print is on the case's timeline. 预览 hands the
//! PDF to the system's viewer: here a stand-in `xdg-open` first in `PATH` that keeps a
//! copy of the file it was given.
//!
//! `xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e_print`

#[path = "e2e/harness.rs"]
mod harness;

use harness::*;
use std::process::Command;

const PRINTER: &str = "WZPDF";
const TITLE: &str = "东风村通村公路塌方无人修";
const CONTENT: &str =
    "东风村到镇上的通村公路上个月暴雨后塌了一半，车辆只能绕行十几公里，请尽快修复。";

/// The PDF cups-pdf wrote for job `WZPDF-N` (in `~/PDF`, named `…-job_N.pdf`).
fn wait_for_job(job: &str) -> PathBuf {
    let n = job.rsplit('-').next().unwrap();
    let dir = PathBuf::from(std::env::var("HOME").unwrap()).join("PDF");
    let suffix = format!("job_{n}.pdf");
    let started = Instant::now();
    loop {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(&suffix) && e.metadata().map(|m| m.len() > 2000).unwrap_or(false)
                {
                    // cups-pdf renames the file into place when Ghostscript is done.
                    std::thread::sleep(Duration::from_millis(300));
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

/// The print area's result once the print is done; fails with the error shown instead.
async fn print_outcome(c: &Client) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let said = text_of(c, "print-result").await;
        if said.contains("任务") {
            return said;
        }
        if is_displayed(c, "message").await {
            let msg = text_of(c, "message").await;
            assert!(msg.is_empty(), "printing failed: {msg}");
        }
        assert!(Instant::now() < deadline, "no print result: {said:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Finds the save dialog (titled 另存为 PDF), types `path` as the file name and confirms.
fn answer_save_dialog(path: &Path) {
    let started = Instant::now();
    let window = loop {
        let out = Command::new("xdotool")
            .args(["search", "--name", "另存为 PDF"])
            .output()
            .expect("xdotool");
        let found = String::from_utf8_lossy(&out.stdout);
        if let Some(id) = found.lines().next() {
            break id.trim().to_string();
        }
        assert!(started.elapsed() < WAIT, "no save dialog appeared");
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_millis(500));
    let xdo = |args: &[&str]| {
        let ok = Command::new("xdotool").args(args).status().unwrap();
        assert!(ok.success(), "xdotool {args:?}");
    };
    xdo(&["windowfocus", "--sync", &window]);
    xdo(&["key", "--window", &window, "ctrl+a"]);
    xdo(&["type", "--delay", "20", &path.display().to_string()]);
    xdo(&["key", "Return"]);
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feedback_prints_from_the_case_screen_to_cups() {
    let listed = Command::new("lpstat")
        .arg("-e")
        .output()
        .expect("lpstat (cups-client) is not installed: run scripts/test");
    assert!(
        String::from_utf8_lossy(&listed.stdout)
            .lines()
            .any(|l| l.trim() == PRINTER),
        "CUPS has no printer {PRINTER}: run scripts/test, which starts cupsd and adds it"
    );
    // The "system viewer": an xdg-open that copies the PDF it is asked to open.
    let viewer = tempfile::tempdir().unwrap();
    let opened = viewer.path().join("opened.pdf");
    let script = viewer.path().join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncp \"$1\" '{}.part' && mv '{0}.part' '{0}'\n",
            opened.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    // Set before the app starts (tauri-driver passes the environment on to it).
    std::env::set_var("PATH", format!("{}:{path}", viewer.path().display()));

    let app = start().await;
    let c = &app.client;
    let number = register(c, TITLE, CONTENT).await;
    open_case(c, &number).await;

    // The print area lists the CUPS printers and says which fonts stood in.
    wait_count(c, &format!("#print-printer option[value=\"{PRINTER}\"]"), 1).await;
    let fonts = wait_text(c, "print-fonts", |t| !t.is_empty()).await;
    assert!(fonts.contains("代替"), "font note: {fonts}");

    // A 催办通知单 before any urging is refused in Chinese, and no number is used.
    select(c, "print-kind", "urge").await;
    select(c, "print-printer", PRINTER).await;
    click(c, "print-go").await;
    let msg = wait_text(c, "message", |t| !t.is_empty()).await;
    assert!(msg.contains("不能打印催办通知单"), "message: {msg}");

    act(c, "acknowledge", || async {}).await;
    act(c, "reply_final", || async {
        fill(
            c,
            "af-text",
            "经核实，镇交通办已组织抢修，预计本月底恢复通行。",
        )
        .await;
    })
    .await;
    act(c, "feedback", || async {}).await;

    // Print the first 书面反馈 on WZPDF.
    wait_count(c, "#print-kind option[value=\"feedback\"]", 1).await;
    select(c, "print-kind", "feedback").await;
    select(c, "print-printer", PRINTER).await;
    let before = css_count(c, "#timeline li").await;
    click(c, "print-go").await;
    let said = print_outcome(c).await;
    assert!(
        said.contains("已送打印机 WZPDF 打印书面反馈（镇网政〔"),
        "result: {said}"
    );
    let job = said
        .split("任务 ")
        .nth(1)
        .and_then(|s| s.split('）').next())
        .unwrap()
        .to_string();
    assert!(job.starts_with("WZPDF-"), "{said}");
    // The timeline shows the document number and the print, with its job.
    wait_count(c, "#timeline li", before + 2).await;
    let timeline = text_of(c, "timeline").await;
    assert!(
        timeline.contains("打印书面反馈（第1次），文号镇网政〔"),
        "{timeline}"
    );
    assert!(
        timeline.contains(&format!("（打印机 {PRINTER}，任务 {job}）")),
        "{timeline}"
    );
    screenshot(c, "print-case.png").await;

    // The printer produced a PDF holding the case's text.
    let pdf = wait_for_job(&job);
    let out = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    let text = squash(&String::from_utf8_lossy(&out.stdout));
    for wanted in [
        TITLE,
        "书面反馈",
        "县信访局、县委办督查室",
        "车辆只能绕行十几公里",
    ] {
        assert!(
            text.contains(wanted),
            "{wanted:?} not in {}: {text}",
            pdf.display()
        );
    }
    let info = Command::new("pdfinfo").arg(&pdf).output().unwrap();
    assert!(String::from_utf8_lossy(&info.stdout).contains("(A4)"));

    // 预览: the next number, marked and not used up, in the system viewer.
    click(c, "print-preview").await;
    let said = wait_text(c, "print-result", |t| t.contains("PDF 阅读器")).await;
    assert!(said.contains("〔2026〕2号（预览）"), "{said}");
    let started = Instant::now();
    while !opened.exists() {
        assert!(
            started.elapsed() < WAIT,
            "the viewer was not asked to open a PDF"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = Command::new("pdftotext")
        .arg(&opened)
        .arg("-")
        .output()
        .unwrap();
    let text = squash(&String::from_utf8_lossy(&out.stdout));
    assert!(
        text.contains(TITLE) && text.contains("〔2026〕2号（预览）"),
        "{text}"
    );

    // 另存为: the GTK save dialog, answered with xdotool (typing a full path into its name).
    let saved = viewer.path().join("saved-feedback.pdf");
    click(c, "print-save").await;
    answer_save_dialog(&saved);
    let said = wait_text(c, "print-result", |t| t.contains("已保存")).await;
    assert!(said.contains(&saved.display().to_string()), "{said}");
    let out = Command::new("pdftotext")
        .arg(&saved)
        .arg("-")
        .output()
        .unwrap();
    let text = squash(&String::from_utf8_lossy(&out.stdout));
    assert!(
        text.contains(TITLE) && text.contains("〔2026〕2号") && !text.contains("预览"),
        "{text}"
    );

    // The statistics screen's call: the 月报 through the same command.
    std::fs::remove_file(&opened).unwrap();
    let month = wenzheng_core::clock::now().format("%Y-%m").to_string();
    let done = raw_invoke_with(
        c,
        "output_document",
        json!({ "doc": { "kind": "monthly", "month": month }, "mode": "preview" }),
    )
    .await;
    assert_eq!(done, "ok");
    let started = Instant::now();
    while !opened.exists() {
        assert!(started.elapsed() < WAIT, "the 月报 was not previewed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = Command::new("pdftotext")
        .arg(&opened)
        .arg("-")
        .output()
        .unwrap();
    let text = squash(&String::from_utf8_lossy(&out.stdout));
    assert!(text.contains("月网络问政工作情况通报"), "{text}");
    assert!(text.contains("图1近12个月收件、答复及按期答复率"), "{text}");

    // 案卷: not offered (and refused over IPC) before the case is closed; afterwards the
    // case screen previews it, with the case's timeline, and it uses no document number.
    assert_eq!(
        css_count(c, "#print-kind option[value=\"dossier\"]").await,
        0
    );
    let early = raw_invoke_with(
        c,
        "output_document",
        json!({ "doc": { "kind": "dossier", "case": number }, "mode": "preview" }),
    )
    .await;
    assert!(early.contains("办结"), "{early}");
    act(c, "close", || async {
        fill(c, "af-result", "道路已恢复通行，网民认可").await;
    })
    .await;
    std::fs::remove_file(&opened).unwrap();
    wait_count(c, "#print-kind option[value=\"dossier\"]", 1).await;
    select(c, "print-kind", "dossier").await;
    let before = css_count(c, "#timeline li").await;
    click(c, "print-preview").await;
    let started = Instant::now();
    while !opened.exists() {
        assert!(started.elapsed() < WAIT, "the 案卷 was not previewed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = Command::new("pdftotext")
        .arg(&opened)
        .arg("-")
        .output()
        .unwrap();
    let text = squash(&String::from_utf8_lossy(&out.stdout));
    for wanted in ["案卷", &number, TITLE, "道路已恢复通行，网民认可"] {
        assert!(text.contains(wanted), "{wanted:?} not in the 案卷: {text}");
    }
    assert_eq!(css_count(c, "#timeline li").await, before);
    app.stop().await;
}
