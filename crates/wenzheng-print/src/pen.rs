//! Drawing on a page: text in runs of one face each (a character the role's face lacks
//! comes from a fallback face), ruled lines and filled rectangles, all as vectors.

use std::collections::BTreeMap;

use printpdf::{
    Color, FontId, Line, LinePoint, Op, PaintMode, PdfDocument, PdfFontHandle, Point, Polygon,
    PolygonRing, Pt, Rgb, TextItem, TextMatrix, WindingOrder,
};

use crate::fonts::{FontSet, Role};

/// A colour as red, green, blue in 0–1.
pub(crate) type Rgbf = (f32, f32, f32);

/// Black.
pub(crate) const BLACK: Rgbf = (0.0, 0.0, 0.0);

/// The faces added to a document, by [`FontSet::resolve`]'s numbering: only those that
/// print something are embedded.
#[derive(Default)]
pub(crate) struct FontIds(BTreeMap<usize, FontId>);

impl FontIds {
    /// The document's id of face `i`, adding the face on first use.
    fn get(&mut self, fonts: &FontSet, doc: &mut PdfDocument, i: usize) -> Option<FontId> {
        if let Some(id) = self.0.get(&i) {
            return Some(id.clone());
        }
        let id = doc.add_font(&fonts.face_at(i)?.parsed);
        self.0.insert(i, id.clone());
        Some(id)
    }

    /// The families of the rare-character faces the document used.
    pub(crate) fn rare_families(&self, fonts: &FontSet) -> Vec<String> {
        self.0
            .keys()
            .filter(|&&i| fonts.is_rare(i))
            .filter_map(|&i| fonts.face_at(i).map(|f| f.family.clone()))
            .collect()
    }
}

/// Draws one page's operations.
pub(crate) struct Pen<'a> {
    /// The faces.
    pub(crate) fonts: &'a FontSet,
    doc: &'a mut PdfDocument,
    ids: &'a mut FontIds,
    missing: &'a mut Vec<char>,
    /// The page's operations so far.
    pub(crate) ops: Vec<Op>,
}

pub(crate) fn rgb((r, g, b): Rgbf) -> Color {
    Color::Rgb(Rgb {
        r,
        g,
        b,
        icc_profile: None,
    })
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: Pt(x), y: Pt(y) },
        bezier: false,
    }
}

impl<'a> Pen<'a> {
    /// A pen for a new page of `doc`.
    pub(crate) fn new(
        fonts: &'a FontSet,
        doc: &'a mut PdfDocument,
        ids: &'a mut FontIds,
        missing: &'a mut Vec<char>,
    ) -> Pen<'a> {
        Pen {
            fonts,
            doc,
            ids,
            missing,
            ops: Vec::new(),
        }
    }

    /// The advance of `c` in `role` at `size`, pt (a character no face has counts 1 em).
    pub(crate) fn char_width(&self, role: Role, c: char, size: f32) -> f32 {
        char_width(self.fonts, role, c, size)
    }

    /// The width of `text` without extra spacing, pt.
    pub(crate) fn width(&self, role: Role, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(role, c, size)).sum()
    }

    /// Sets `spans` from `x` on `baseline`, with `extra` pt between characters.
    pub(crate) fn text(
        &mut self,
        spans: &[(Role, String)],
        size: f32,
        x: f32,
        baseline: f32,
        extra: f32,
        color: Rgbf,
    ) {
        if spans.iter().all(|(_, s)| s.is_empty()) {
            return;
        }
        self.ops.push(Op::StartTextSection);
        self.ops.push(Op::SetFillColor { col: rgb(color) });
        self.ops.push(Op::SetCharacterSpacing { multiplier: extra });
        self.ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x), Pt(baseline)),
        });
        // Runs of one face each.
        let mut runs: Vec<(usize, String)> = Vec::new();
        for (role, s) in spans {
            for c in s.chars() {
                let face = match self.fonts.resolve(*role, c) {
                    Some((i, _)) => i,
                    None => {
                        self.missing.push(c);
                        self.fonts.resolve(*role, '□').map(|(i, _)| i).unwrap_or(0)
                    }
                };
                match runs.last_mut() {
                    Some((f, t)) if *f == face => t.push(c),
                    _ => runs.push((face, c.to_string())),
                }
            }
        }
        for (face, text) in runs {
            let Some(id) = self.ids.get(self.fonts, self.doc, face) else {
                continue;
            };
            self.ops.push(Op::SetFont {
                font: PdfFontHandle::External(id),
                size: Pt(size),
            });
            self.ops.push(Op::ShowText {
                items: vec![TextItem::Text(text)],
            });
        }
        self.ops.push(Op::EndTextSection);
    }

    /// A straight or broken line through `points`, `width` pt thick.
    pub(crate) fn line(&mut self, points: &[(f32, f32)], width: f32, color: Rgbf) {
        self.ops.push(Op::SetOutlineColor { col: rgb(color) });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(width) });
        self.ops.push(Op::DrawLine {
            line: Line {
                points: points.iter().map(|&(x, y)| point(x, y)).collect(),
                is_closed: false,
            },
        });
    }

    /// A filled polygon through `points`.
    pub(crate) fn fill(&mut self, points: &[(f32, f32)], color: Rgbf) {
        self.ops.push(Op::SetFillColor { col: rgb(color) });
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon {
                rings: vec![PolygonRing {
                    points: points.iter().map(|&(x, y)| point(x, y)).collect(),
                }],
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        });
    }

    /// A filled rectangle with its lower left corner at (`x`, `y`).
    pub(crate) fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgbf) {
        self.fill(&[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], color);
    }
}

/// The advance of `c` in `role` at `size`, pt (a character no face has counts 1 em).
pub(crate) fn char_width(fonts: &FontSet, role: Role, c: char, size: f32) -> f32 {
    fonts.resolve(role, c).map(|(_, a)| a).unwrap_or(1.0) * size
}
