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
    // A draft (preview) makes the same checks.
    let err = f
        .svc
        .draft_document(&f.ctx, "WZ-2026-000002", DocKind::Feedback)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("不能打印书面反馈"), "{err}");
    // A preview shows the next number, marked, and uses none up; nothing is logged.
    let events = f.svc.case_detail(&f.ctx, "1").await.unwrap().events.len();
    let doc = printer()
        .produce(
            &f.svc,
            &f.ctx,
            &wenzheng_print::DocRequest::Notice { case: "1".into() },
            wenzheng_print::Numbering::Draft,
        )
        .await
        .unwrap();
    assert_eq!(doc.number.as_deref(), Some("镇网政〔2026〕1号（预览）"));
    let path = f.dir.join("draft.pdf");
    std::fs::write(&path, &doc.rendered.pdf).unwrap();
    check_pdf(&path, doc.rendered.pages, &["镇网政〔2026〕1号（预览）"]);
    assert_eq!(
        f.svc.case_detail(&f.ctx, "1").await.unwrap().events.len(),
        events
    );
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

/// The pages of a PDF as 8-bit gray pixels at 72 dpi (one pixel a point), by pdftoppm.
fn gray_pages(pdf: &Path) -> Vec<(usize, usize, Vec<u8>)> {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("p");
    let ok = Command::new("pdftoppm")
        .args(["-r", "72", "-gray"])
        .arg(pdf)
        .arg(&stem)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(ok.success());
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let bytes = std::fs::read(f).unwrap();
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
            let (w, h) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
            (w, h, bytes[i + 1..].to_vec())
        })
        .collect()
}

/// Asserts that every page has ink only in the 156 × 225 mm type area (37 mm from the
/// top, 28 mm from the left) and in the page number's line 7 mm below it.
fn assert_inside_type_area(pdf: &Path) {
    let mm = 72.0 / 25.4;
    // Glyphs may overshoot their em box a little; 1 mm of tolerance.
    let slack = 1.0 * mm;
    let (left, right) = (28.0 * mm - slack, (28.0 + 156.0) * mm + slack);
    let (top, bottom) = (37.0 * mm - slack, (37.0 + 225.0) * mm + slack);
    // The page number (14 pt) sits with its top 7 mm below the type area.
    let (num_top, num_bottom) = (
        bottom + 7.0 * mm - 2.0 * slack,
        bottom + 7.0 * mm + 14.0 + slack,
    );
    let pages = gray_pages(pdf);
    assert!(!pages.is_empty());
    for (n, (w, h, px)) in pages.iter().enumerate() {
        let mut inked = 0;
        for y in 0..*h {
            for x in 0..*w {
                if px[y * w + x] >= 160 {
                    continue;
                }
                inked += 1;
                let (fx, fy) = (x as f32 + 0.5, y as f32 + 0.5);
                let in_area = (left..=right).contains(&fx) && (top..=bottom).contains(&fy);
                let in_number =
                    (left..=right).contains(&fx) && (num_top..=num_bottom).contains(&fy);
                assert!(
                    in_area || in_number,
                    "{}: page {} has ink at ({:.1} mm, {:.1} mm), outside the type area",
                    pdf.display(),
                    n + 1,
                    fx / mm,
                    fy / mm
                );
            }
        }
        assert!(inked > 200, "page {} is nearly blank", n + 1);
    }
}

/// Compares the text of a PDF (pdftotext, whitespace removed) with the committed golden
/// file `tests/golden/NAME.txt`; `WENZHENG_BLESS=1` writes it instead.
fn assert_golden(pdf: &Path, name: &str) {
    let text = squash(&tool("pdftotext", &[pdf.to_str().unwrap(), "-"]));
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("WENZHENG_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, format!("{text}\n")).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| panic!("{}: {e} (WENZHENG_BLESS=1 writes it)", golden.display()));
    assert_eq!(
        text,
        want.trim_end(),
        "{name}: the text differs from {}",
        golden.display()
    );
}

impl Fixture {
    /// The monthly report of `month`, made on 2 December 2026 (after the fixture's month).
    async fn print_monthly(&self, month: &str) -> (PathBuf, wenzheng_print::Rendered) {
        let ctx = Ctx {
            actor: self.ctx.actor.clone(),
            now: clock::parse_local("2026-12-02 09:00").unwrap(),
        };
        let doc = printer()
            .produce(
                &self.svc,
                &ctx,
                &wenzheng_print::DocRequest::Monthly {
                    month: month.into(),
                },
                wenzheng_print::Numbering::Issue,
            )
            .await
            .unwrap();
        let path = self.dir.join("monthly.pdf");
        std::fs::write(&path, &doc.rendered.pdf).unwrap();
        if let Some(out) = std::env::var_os("WENZHENG_PRINT_KEEP") {
            std::fs::create_dir_all(&out).unwrap();
            std::fs::copy(&path, Path::new(&out).join("monthly.pdf")).unwrap();
        }
        (path, doc.rendered)
    }
}

#[tokio::test]
async fn every_document_keeps_to_the_type_area_and_matches_its_golden_text() {
    let f = fixture(SHORT).await;
    for kind in [
        DocKind::Feedback,
        DocKind::Notice,
        DocKind::Urge,
        DocKind::Brief,
    ] {
        let (path, _) = f.print(kind).await;
        assert_inside_type_area(&path);
        assert_golden(&path, kind.code());
    }
    let (path, _) = f.print_monthly("2026-11").await;
    assert_inside_type_area(&path);
    assert_golden(&path, "monthly");
}

#[tokio::test]
async fn the_monthly_report_has_its_figures_tables_and_vector_charts() {
    let f = fixture(SHORT).await;
    let (path, doc) = f.print_monthly("2026-11").await;
    assert!(doc.missing.is_empty(), "{:?}", doc.missing);
    check_pdf(
        &path,
        doc.pages,
        &[
            "网络问政工作月报",
            "××镇网络问政工作办公室2026年第11期",
            "2026年11月网络问政工作情况通报",
            "本月共收到网民留言1件，其中重要信息1件、敏感信息1件",
            "图1近12个月收件、答复及按期答复率",
            "12月1月2月",
            "三、各单位办理情况通报",
            "单位交办答复按期率办结率超期催办满意率",
            "镇城建办",
            "图2各承办单位考核得分",
            "名次单位得分扣分",
            "××镇网络问政工作办公室2026年12月2日",
        ],
    );
    assert!(!squash(&tool("pdftotext", &[path.to_str().unwrap(), "-"])).contains("尚未结束"));
    // The charts are vectors: the PDF holds no raster image.
    let images = tool("pdfimages", &["-list", path.to_str().unwrap()]);
    assert_eq!(images.lines().count(), 2, "raster images found: {images}");
    // Unknown month: refused in Chinese.
    let err = printer()
        .produce(
            &f.svc,
            &f.ctx,
            &wenzheng_print::DocRequest::Monthly {
                month: "2026-13".into(),
            },
            wenzheng_print::Numbering::Issue,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("月份“2026-13”无效"), "{err}");
}
