//! Real PDFs of every document, checked with the poppler tools (pdftotext, pdffonts,
//! pdfinfo): the Chinese text is there, every font is embedded as a subset, the page is
//! A4, long texts flow onto page 2 with 「— 2 —」 on the left.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use wenzheng_core::service::documents::DocKind;
use wenzheng_core::service::{Assignment, NewCase};
use wenzheng_core::{clock, Ctx, Service};
use wenzheng_print::{FontOptions, Printer};

fn printer() -> &'static Printer {
    static P: OnceLock<Printer> = OnceLock::new();
    P.get_or_init(|| {
        Printer::new(&FontOptions {
            shipped_only: true,
            ..Default::default()
        })
        .expect("fonts")
    })
}

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} (poppler-utils) not runnable: {e}"));
    assert!(out.status.success(), "{name} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    svc: Service,
    ctx: Ctx,
}

async fn fixture(content: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let svc = Service::open(&path.join("wz.db")).await.unwrap();
    let ctx = Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: clock::parse_local("2026-11-20 09:00").unwrap(),
    };
    for u in ["镇城建办", "镇农业农村办"] {
        svc.add_unit(&ctx, u).await.unwrap();
    }
    svc.register(
        &ctx,
        NewCase {
            title: "镇区主干道路面破损严重".into(),
            content: content.into(),
            received_at: Some("2026-11-19 20:15".into()),
            source: Some("县网络问政平台".into()),
            poster: Some("清水河畔".into()),
            phone: Some("13812345678".into()),
            important: true,
            sensitive: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let key = "WZ-2026-000001";
    svc.acknowledge(&ctx, key, None).await.unwrap();
    svc.instruct(&ctx, key, "王镇长", "请城建办三日内核实，尽快修复。")
        .await
        .unwrap();
    svc.assign(
        &ctx,
        key,
        Assignment {
            units: vec!["镇城建办".into(), "镇农业农村办".into()],
            lead: None,
            requirements: Some("请于三个工作日内现场核实，制定修复方案。".into()),
        },
    )
    .await
    .unwrap();
    svc.report_progress(
        &ctx,
        key,
        "镇城建办",
        "已现场核实，破损路段约120米，已设置警示标志，计划11月25日前完成修补。",
    )
    .await
    .unwrap();
    svc.urge(
        &ctx,
        key,
        "镇城建办",
        Some("黄牌"),
        Some("请加快施工进度，按期完成修补。"),
    )
    .await
    .unwrap();
    svc.reply(
        &ctx,
        key,
        "您反映的镇区主干道路面破损问题，经镇城建办现场核实，已于11月25日完成修补。感谢您的监督。",
        true,
        Some("2026-11-26 10:00"),
    )
    .await
    .unwrap();
    svc.feedback(&ctx, key).await.unwrap();
    Fixture {
        dir: path,
        _dir: dir,
        svc,
        ctx,
    }
}

const SHORT: &str = "镇区主干道（新华路）路面破损严重，坑洼不平，雨天积水，电动车经过时容易摔倒，已有多人受伤。希望有关部门尽快修复。联系电话13812345678。";

impl Fixture {
    async fn print(&self, kind: DocKind) -> (PathBuf, wenzheng_print::Rendered) {
        let issued = self
            .svc
            .issue_document(&self.ctx, "WZ-2026-000001", kind)
            .await
            .unwrap();
        let detail = self
            .svc
            .case_detail(&self.ctx, "WZ-2026-000001")
            .await
            .unwrap();
        let doc = printer().render(&detail, &issued, self.ctx.now.date_naive());
        let path = self.dir.join(format!("{}.pdf", kind.code()));
        std::fs::write(&path, &doc.pdf).unwrap();
        if let Some(out) = std::env::var_os("WENZHENG_PRINT_KEEP") {
            std::fs::create_dir_all(&out).unwrap();
            std::fs::copy(&path, Path::new(&out).join(format!("{}.pdf", kind.code()))).unwrap();
        }
        (path, doc)
    }
}

fn check_pdf(path: &Path, pages: usize, wanted: &[&str]) -> String {
    let p = path.to_str().unwrap();
    let info = tool("pdfinfo", &[p]);
    assert!(info.contains("595.276 x 841.89 pts (A4)"), "{info}");
    assert!(
        info.lines()
            .any(|l| l.starts_with("Pages:") && l.trim().ends_with(&format!(" {pages}"))),
        "want {pages} pages: {info}"
    );
    let fonts = tool("pdffonts", &[p]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        // name type encoding emb sub uni object ID
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert!(n >= 7, "{row}");
        assert_eq!(
            (cols[n - 5], cols[n - 4]),
            ("yes", "yes"),
            "font not embedded as a subset: {row}"
        );
        assert!(cols[0].contains('+'), "subset tag missing: {row}");
    }
    let text = squash(&tool("pdftotext", &["-layout", p, "-"]));
    for w in wanted {
        assert!(text.contains(&squash(w)), "{w:?} not in {text}");
    }
    text
}

#[tokio::test]
async fn feedback_is_a4_embedded_subset_and_small() {
    let f = fixture(SHORT).await;
    let (path, doc) = f.print(DocKind::Feedback).await;
    // The full record of the fixture takes a page and a half.
    assert_eq!(doc.pages, 2);
    assert!(doc.missing.is_empty(), "{:?}", doc.missing);
    let text = check_pdf(
        &path,
        2,
        &[
            "××镇人民政府",
            "镇网政〔2026〕1号",
            "关于网民反映“镇区主干道路面破损严重”问题办理情况的第1次书面反馈",
            "县信访局、县委办督查室：",
            "案件编号WZ-2026-000001，联系电话138****5678",
            "一、网民诉求",
            "雨天积水",
            "王镇长批示：请城建办三日内核实，尽快修复。",
            "镇城建办（主办）、镇农业农村办（协办）",
            "已于11月25日完成修补",
            "2026年11月26日在“部门回应”栏目发布",
            "四、目前状态",
            "该件目前状态为“已答复”",
            "2026年11月20日",
            "—1—",
        ],
    );
    assert!(!text.contains("13812345678"), "phone not masked: {text}");
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 300 * 1024, "two pages are {size} bytes");
}

#[tokio::test]
async fn a_one_page_letter_is_well_under_300_kb() {
    let f = fixture(SHORT).await;
    let (path, doc) = f.print(DocKind::Urge).await;
    assert_eq!(doc.pages, 1);
    check_pdf(&path, 1, &["网络问政催办通知单", "—1—"]);
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size < 150 * 1024, "one page is {size} bytes");
}

#[tokio::test]
async fn notice_urge_and_brief_print() {
    let f = fixture(SHORT).await;
    let (path, doc) = f.print(DocKind::Notice).await;
    check_pdf(
        &path,
        doc.pages,
        &[
            "网络问政交办通知单",
            "镇网政〔2026〕1号",
            "镇城建办、镇农业农村办：",
            "事项：镇区主干道路面破损严重",
            "主办单位：镇城建办",
            "协办单位：镇农业农村办",
            "办理要求：请于三个工作日内现场核实，制定修复方案。",
            "办结时限：",
            "××镇网络问政工作办公室",
        ],
    );
    let (path, _) = f.print(DocKind::Urge).await;
    check_pdf(
        &path,
        1,
        &[
            "网络问政催办通知单",
            "镇网政〔2026〕2号",
            "镇城建办：",
            "催办级别：黄牌",
            "催办次数：第1次",
            "请加快施工进度，按期完成修补。",
        ],
    );
    let (path, doc) = f.print(DocKind::Brief).await;
    check_pdf(
        &path,
        doc.pages,
        &[
            "网络问政信息专报",
            "镇网政〔2026〕3号",
            "镇党委、政府主要领导，分管领导：",
            "经研判属重要敏感信息",
            "三、下一步工作建议",
        ],
    );
    // Each print is on the case's timeline.
    let detail = f.svc.case_detail(&f.ctx, "1").await.unwrap();
    let printed: Vec<&str> = detail
        .events
        .iter()
        .filter(|e| e.kind == "document")
        .map(|e| e.summary.as_str())
        .collect();
    assert_eq!(
        printed,
        [
            "打印交办通知单，文号镇网政〔2026〕1号",
            "打印催办通知单，文号镇网政〔2026〕2号",
            "打印信息专报，文号镇网政〔2026〕3号"
        ]
    );
}

#[tokio::test]
async fn long_text_flows_onto_page_two_with_its_number_on_the_left() {
    let long = "　".repeat(0) + &SHORT.repeat(12) + "结尾标记句。";
    let f = fixture(&long).await;
    let (path, doc) = f.print(DocKind::Feedback).await;
    assert!(doc.pages >= 2, "{} pages", doc.pages);
    let p = path.to_str().unwrap();
    check_pdf(&path, doc.pages, &["结尾标记句。", "—1—", "—2—"]);
    // Page 2's number is on the left, page 1's on the right: compare their x positions.
    let bbox = tool("pdftotext", &["-bbox", "-f", "1", "-l", "2", p, "-"]);
    let mut xs = Vec::new();
    let mut page = 0;
    for line in bbox.lines() {
        if line.contains("<page ") {
            page += 1;
        }
        if line.contains(">1<") && page == 1 || line.contains(">2<") && page == 2 {
            let x: f32 = line
                .split("xMin=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse().ok())
                .unwrap();
            xs.push((page, x));
        }
    }
    let x1 = xs
        .iter()
        .filter(|(p, _)| *p == 1)
        .map(|(_, x)| *x)
        .fold(0.0, f32::max);
    let x2 = xs
        .iter()
        .filter(|(p, _)| *p == 2)
        .map(|(_, x)| *x)
        .fold(f32::MAX, f32::min);
    assert!(x1 > 450.0, "page 1 number at x={x1}: {xs:?}");
    assert!(x2 < 150.0, "page 2 number at x={x2}: {xs:?}");
}

#[tokio::test]
async fn refusals_are_chinese_and_write_nothing() {
    let f = fixture(SHORT).await;
    f.svc
        .register(
            &f.ctx,
            NewCase {
                title: "路灯不亮".into(),
                content: "村口路灯坏了。".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for kind in [
        DocKind::Feedback,
        DocKind::Notice,
        DocKind::Urge,
        DocKind::Brief,
    ] {
        let err = f
            .svc
            .issue_document(&f.ctx, "WZ-2026-000002", kind)
            .await
            .unwrap_err();
        assert!(err.is_refusal(), "{err}");
        assert!(err.to_string().contains(kind.label()), "{err}");
    }
    // No number was used up: the next one is still 1.
    let issued = f
        .svc
        .issue_document(&f.ctx, "WZ-2026-000001", DocKind::Notice)
        .await
        .unwrap();
    assert_eq!(issued.number, "镇网政〔2026〕1号");
}

#[test]
fn rare_characters_print_from_the_shipped_fallback_faces() {
    use wenzheng_print::Block;
    // Extension B (𠀀 𪚥), C (𫠠), E (𬌗) and G (𰻝): none is in Noto Serif SC.
    let rare = "𠀀𪚥𫠠𬌗𰻝";
    let doc = printer().render_blocks(
        "生僻字",
        &[
            Block::Title("生僻字测试".into()),
            Block::Para(format!("网民姓名中有生僻字：{rare}，均应打印。")),
        ],
    );
    assert!(doc.missing.is_empty(), "no glyph for {:?}", doc.missing);
    assert_eq!(doc.rare_faces, ["HanaMinB", "BabelStone Han"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rare.pdf");
    std::fs::write(&path, &doc.pdf).unwrap();
    check_pdf(&path, 1, &[rare, "生僻字测试"]);
    let fonts = tool("pdffonts", &[path.to_str().unwrap()]);
    for family in ["HanaMinB", "BabelStoneHan"] {
        assert!(
            fonts.lines().any(|l| l.contains(family)),
            "{family} not embedded: {fonts}"
        );
    }
    // Subsets: a few glyphs of the 30 MB face keep the page small.
    assert!(doc.pdf.len() < 300 * 1024, "{} bytes", doc.pdf.len());
}
