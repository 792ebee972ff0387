//! GB/T 9704-2012 page layout: A4, top margin 37 mm, left 28 mm, a 156 × 225 mm type
//! area on a 22-line × 28-character grid; body 16 pt, title 22 pt; page numbers
//! 「— 1 —」 in 14 pt 7 mm below the type area, odd pages right and even pages left, one
//! character in from the edge. Blocks are broken into lines ([`crate::linebreak`]),
//! paginated on the grid and drawn with printpdf; tables and charts ([`crate::graphics`])
//! take whole grid lines, and a table that does not fit fills the page and continues on
//! the next one under its heading row.

use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions};

use crate::fonts::{FontSet, Role};
use crate::graphics::{self, Art, Chart, Table};
use crate::linebreak::break_lines;
use crate::pen::{char_width, FontIds, Pen, BLACK};

const MM: f32 = 72.0 / 25.4;
/// Page width (A4), pt.
pub const PAGE_W: f32 = 210.0 * MM;
/// Page height (A4), pt.
pub const PAGE_H: f32 = 297.0 * MM;
/// Left margin (订口), pt.
pub const LEFT: f32 = 28.0 * MM;
/// Top margin (天头), pt.
pub const TOP: f32 = 37.0 * MM;
/// Type area width, pt.
pub const AREA_W: f32 = 156.0 * MM;
/// Type area height, pt.
pub const AREA_H: f32 = 225.0 * MM;
/// Lines a page.
pub const LINES: usize = 22;
/// Characters a line.
pub const CHARS: usize = 28;
/// Body size (3号), pt.
pub const BODY: f32 = 16.0;
/// Title size (2号), pt.
pub const TITLE: f32 = 22.0;
/// Page number size (4号), pt.
pub const PAGE_NUMBER: f32 = 14.0;

const LINE_PITCH: f32 = AREA_H / LINES as f32;
const CHAR_PITCH: f32 = AREA_W / CHARS as f32;
const RED: (f32, f32, f32) = (0.85, 0.0, 0.0);
/// Grid lines a full page holds.
const PAGE_LINES: usize = LINES;

/// A piece of a document, in reading order.
#[derive(Debug, Clone)]
pub enum Block {
    /// The red 版头: 发文机关标志 and, below it, the 文号 over a red rule.
    Letterhead {
        /// 发文机关标志, e.g. 某某镇人民政府.
        organ: String,
        /// 文号, e.g. 镇网政〔2026〕12号.
        number: String,
    },
    /// 标题: 22 pt 小标宋, centred, wrapped.
    Title(String),
    /// An empty grid line.
    Blank,
    /// 主送机关: flush left, ends with a full-width colon.
    Addressee(String),
    /// A body paragraph: two-character indent, justified.
    Para(String),
    /// A labelled paragraph: the label in 黑体, then the text; no indent.
    Field(String, String),
    /// 一级标题 (一、…) in 黑体, indented two characters.
    Heading(String),
    /// 二级标题 (（一）…) in 楷体, indented two characters.
    SubHeading(String),
    /// A table with ruled lines, in 小四; continues on the next page under its heading row.
    Table(Table),
    /// A chart drawn with vectors.
    Chart(Chart),
    /// 发文机关署名 and 成文日期: the date four characters in from the right, the organ
    /// centred over it; one blank line above.
    Signature {
        /// 署名.
        organ: String,
        /// 成文日期 (2026年11月26日).
        date: String,
    },
}

/// A laid-out line: spans of (role, size, text), placed on the grid.
#[derive(Debug, Clone)]
struct Row {
    spans: Vec<(Role, String)>,
    size: f32,
    x: f32,
    /// Extra spacing between characters, pt (justification).
    extra: f32,
    /// Grid lines taken.
    height: usize,
    red: bool,
    /// Draw the red rule under this row.
    rule: bool,
    /// Stays on the page of the row before (the signature with the text it signs).
    keep: bool,
    /// A table or chart drawn in the row's lines.
    art: Option<Art>,
}

impl Row {
    /// Draws nothing (an empty grid line).
    fn is_blank(&self) -> bool {
        self.spans.is_empty() && self.art.is_none()
    }
}

/// The natural width of `text` set at `size` with `pitch` between full-width characters.
fn text_width(fonts: &FontSet, role: Role, text: &str, size: f32, tc: f32) -> f32 {
    let n = text.chars().count();
    if n == 0 {
        return 0.0;
    }
    text.chars()
        .map(|c| char_width(fonts, role, c, size))
        .sum::<f32>()
        + tc * (n as f32 - 1.0)
}

/// Character spacing that puts 28 full-width body characters in the type area.
fn body_tc() -> f32 {
    CHAR_PITCH - BODY
}

/// Breaks a paragraph of spans into rows of the type area's width, starting `indent`
/// characters in; non-final rows are justified.
fn paragraph(
    fonts: &FontSet,
    spans: &[(Role, String)],
    indent: usize,
    size: f32,
    tc: f32,
    justify: bool,
) -> Vec<Row> {
    let prefix = "\u{3000}".repeat(indent);
    let mut roles: Vec<Role> = vec![Role::Body; indent];
    let mut text = prefix.clone();
    for (role, s) in spans {
        text.push_str(s);
        roles.extend(std::iter::repeat_n(*role, s.chars().count()));
    }
    let role_at = |i: usize| roles.get(i).copied().unwrap_or(Role::Body);
    // Break on body widths (the roles differ only in letters, not in full-width characters).
    let lines = break_lines(&text, AREA_W + 0.01, |c| {
        char_width(fonts, Role::Body, c, size) + tc
    });
    let all: Vec<char> = text.chars().collect();
    let mut cursor = 0usize;
    let mut rows = Vec::new();
    for line in lines {
        let mut row_spans: Vec<(Role, String)> = Vec::new();
        for c in line.text.chars() {
            while cursor < all.len() && all[cursor] != c {
                cursor += 1; // a dropped space
            }
            let role = role_at(cursor);
            cursor += 1;
            match row_spans.last_mut() {
                Some((r, s)) if *r == role => s.push(c),
                _ => row_spans.push((role, c.to_string())),
            }
        }
        let n = line.text.chars().count();
        let natural: f32 = row_spans
            .iter()
            .map(|(r, s)| text_width(fonts, *r, s, size, tc) + tc)
            .sum::<f32>()
            - tc;
        let extra = if justify && !line.last && n > 1 {
            ((AREA_W - natural) / (n as f32 - 1.0)).max(0.0)
        } else {
            0.0
        };
        rows.push(Row {
            spans: row_spans,
            size,
            x: LEFT,
            extra,
            height: 1,
            red: false,
            rule: false,
            keep: false,
            art: None,
        });
    }
    rows
}

fn centred(fonts: &FontSet, role: Role, text: &str, size: f32, height: usize) -> Vec<Row> {
    let tc = 0.0;
    break_lines(text, AREA_W, |c| char_width(fonts, role, c, size) + tc)
        .into_iter()
        .map(|l| {
            let w = text_width(fonts, role, &l.text, size, tc);
            Row {
                spans: vec![(role, l.text)],
                size,
                x: LEFT + (AREA_W - w) / 2.0,
                extra: 0.0,
                height,
                red: false,
                rule: false,
                keep: false,
                art: None,
            }
        })
        .collect()
}

fn rows_of(fonts: &FontSet, block: &Block) -> Vec<Row> {
    let tc = body_tc();
    match block {
        Block::Letterhead { organ, number } => {
            let mut head = centred(fonts, Role::Title, organ, 30.0, 2);
            for r in &mut head {
                r.red = true;
            }
            let mut num = centred(fonts, Role::Body, number, BODY, 1);
            if let Some(last) = num.last_mut() {
                last.rule = true;
            }
            head.extend(num);
            head.push(blank());
            head
        }
        Block::Title(t) => {
            let mut rows = centred(fonts, Role::Title, t, TITLE, 1);
            rows.push(blank());
            rows
        }
        Block::Blank => vec![blank()],
        Block::Table(t) => graphics::split_table(t, LINE_PITCH, PAGE_LINES)
            .into_iter()
            .map(|(part, lines)| art_row(Art::Table(part), lines))
            .collect(),
        Block::Chart(c) => vec![art_row(Art::Chart(c.clone()), c.lines(LINE_PITCH))],
        Block::Addressee(a) => paragraph(fonts, &[(Role::Body, a.clone())], 0, BODY, tc, true),
        Block::Para(p) => paragraph(fonts, &[(Role::Body, p.clone())], 2, BODY, tc, true),
        Block::Field(label, text) => paragraph(
            fonts,
            &[(Role::Heading, label.clone()), (Role::Body, text.clone())],
            0,
            BODY,
            tc,
            true,
        ),
        Block::Heading(h) => paragraph(fonts, &[(Role::Heading, h.clone())], 2, BODY, tc, false),
        Block::SubHeading(h) => paragraph(fonts, &[(Role::Kai, h.clone())], 2, BODY, tc, false),
        Block::Signature { organ, date } => {
            let dw = text_width(fonts, Role::Body, date, BODY, tc);
            let date_x = LEFT + AREA_W - 4.0 * CHAR_PITCH - dw;
            let ow = text_width(fonts, Role::Body, organ, BODY, tc);
            let organ_x = (date_x + dw / 2.0 - ow / 2.0).min(LEFT + AREA_W - 2.0 * CHAR_PITCH - ow);
            let row = |text: &str, x: f32| Row {
                spans: vec![(Role::Body, text.to_string())],
                size: BODY,
                x,
                extra: tc,
                height: 1,
                red: false,
                rule: false,
                keep: true,
                art: None,
            };
            let mut gap = blank();
            gap.keep = true;
            vec![gap, row(organ, organ_x), row(date, date_x)]
        }
    }
}

fn blank() -> Row {
    Row {
        spans: Vec::new(),
        size: BODY,
        x: LEFT,
        extra: 0.0,
        height: 1,
        red: false,
        rule: false,
        keep: false,
        art: None,
    }
}

fn art_row(art: Art, height: usize) -> Row {
    Row {
        height,
        art: Some(art),
        ..blank()
    }
}

/// A rendered PDF.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// Characters that no face could print (drawn as the font's missing-glyph box).
    pub missing: Vec<char>,
    /// The shipped rare-character faces that printed some characters (e.g. HanaMinB).
    pub rare_faces: Vec<String>,
}

/// Lays out and renders `blocks` as an A4 PDF titled `title`.
pub fn render(fonts: &FontSet, title: &str, blocks: &[Block]) -> Rendered {
    let tc_body = body_tc();
    let mut rows: Vec<Row> = Vec::new();
    for b in blocks {
        let mut rs = rows_of(fonts, b);
        // Body rows carry the grid spacing plus justification in `extra`.
        for r in &mut rs {
            if r.size == BODY && !matches!(b, Block::Letterhead { .. } | Block::Signature { .. }) {
                r.extra += tc_body;
            }
        }
        rows.extend(rs);
    }
    // Paginate on the grid; a blank row never starts a page.
    let mut pages: Vec<Vec<(usize, Row)>> = vec![Vec::new()];
    let mut line = 0usize;
    let mut queue: std::collections::VecDeque<Row> = rows.into();
    while let Some(mut row) = queue.pop_front() {
        // A table that does not fit fills the rest of the page and continues on the next.
        if line + row.height > LINES {
            if let Some(Art::Table(t)) = &row.art {
                if let Some((first, rest)) = graphics::split_at_lines(t, LINES - line) {
                    let rest_lines = graphics::table_lines(&rest, LINE_PITCH);
                    queue.push_front(art_row(Art::Table(rest), rest_lines));
                    row = art_row(
                        Art::Table(first.clone()),
                        graphics::table_lines(&first, LINE_PITCH),
                    );
                }
            }
        }
        if line + row.height > LINES {
            // Rows kept with their predecessor move along, with one line of text.
            let mut moved = Vec::new();
            if row.keep {
                let page = pages.last_mut().expect("one page");
                while page.last().is_some_and(|(_, r)| r.keep) && page.len() > 1 {
                    moved.push(page.pop().expect("non-empty").1);
                }
                if page.len() > 1 {
                    moved.push(page.pop().expect("non-empty").1);
                }
            }
            pages.push(Vec::new());
            line = 0;
            for r in moved.into_iter().rev() {
                let at = line;
                line += r.height;
                pages.last_mut().expect("one page").push((at, r));
            }
            if row.is_blank() && !row.keep {
                continue;
            }
        }
        let at = line;
        line += row.height;
        pages.last_mut().expect("one page").push((at, row));
    }

    let mut doc = PdfDocument::new(title);
    let mut ids = FontIds::default();
    let mut missing = Vec::new();
    let total = pages.len();
    let mut pdf_pages = Vec::new();
    for (p, page) in pages.into_iter().enumerate() {
        let mut pen = Pen::new(fonts, &mut doc, &mut ids, &mut missing);
        for (at, row) in page {
            let top = PAGE_H - TOP - at as f32 * LINE_PITCH;
            let cell = row.height as f32 * LINE_PITCH;
            if let Some(art) = &row.art {
                graphics::draw(&mut pen, art, LEFT, AREA_W, top, LINE_PITCH);
                continue;
            }
            // Centre the em box in its cell; the ideographic baseline sits 0.12 em up.
            let baseline = top - cell + (cell - row.size) / 2.0 + 0.12 * row.size;
            let colour = if row.red { RED } else { BLACK };
            pen.text(&row.spans, row.size, row.x, baseline, row.extra, colour);
            if row.rule {
                let y = top - cell - 4.0 * MM;
                pen.line(&[(LEFT, y), (LEFT + AREA_W, y)], 1.0, RED);
            }
        }
        // Page number: 「— N —」 7 mm below the type area; odd right, even left, one
        // character (4号) in from the edge.
        let number = page_number(p + 1);
        let w = text_width(fonts, Role::PageNumber, &number, PAGE_NUMBER, 0.0);
        let x = if (p + 1) % 2 == 1 {
            LEFT + AREA_W - PAGE_NUMBER - w
        } else {
            LEFT + PAGE_NUMBER
        };
        let baseline = PAGE_H - TOP - AREA_H - 7.0 * MM - 0.88 * PAGE_NUMBER;
        pen.text(
            &[(Role::PageNumber, number)],
            PAGE_NUMBER,
            x,
            baseline,
            0.0,
            BLACK,
        );
        let ops = std::mem::take(&mut pen.ops);
        pdf_pages.push(PdfPage::new(Mm(210.0), Mm(297.0), ops));
    }
    doc.with_pages(pdf_pages);
    let pdf = doc.save(&PdfSaveOptions::default(), &mut Vec::new());
    missing.sort_unstable();
    missing.dedup();
    Rendered {
        pdf,
        pages: total,
        missing,
        rare_faces: ids.rare_families(fonts),
    }
}

/// 「— N —」.
pub fn page_number(n: usize) -> String {
    format!("— {n} —")
}
