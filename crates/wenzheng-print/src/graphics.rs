//! Tables with ruled lines and charts drawn as vectors (lines and filled polygons, no
//! raster), placed in the type area on whole grid lines.

use crate::fonts::Role;
use crate::pen::{Pen, Rgbf, BLACK};

/// Table text size (小四), pt.
const TABLE_TEXT: f32 = 12.0;
/// Smallest size a long cell shrinks to before it is cut, pt.
const TABLE_MIN: f32 = 9.0;
/// Chart text size (五号), pt.
const CHART_TEXT: f32 = 10.5;
const LIGHT: Rgbf = (0.85, 0.85, 0.85);
/// Height of a bar of a [`Chart::Ranking`], pt.
const RANK_ROW: f32 = 18.0;
/// The series colours: dark blue, orange, dark red.
const SERIES: [Rgbf; 3] = [(0.16, 0.33, 0.60), (0.93, 0.55, 0.20), (0.75, 0.10, 0.10)];

/// A column of a [`Table`].
#[derive(Debug, Clone)]
pub struct Column {
    /// Heading.
    pub title: String,
    /// Relative width.
    pub width: f32,
    /// Figures are right-aligned, text centred.
    pub numeric: bool,
}

impl Column {
    /// A text column of relative width `width`.
    pub fn text(title: &str, width: f32) -> Column {
        Column {
            title: title.into(),
            width,
            numeric: false,
        }
    }

    /// A figure column of relative width `width`.
    pub fn figure(title: &str, width: f32) -> Column {
        Column {
            title: title.into(),
            width,
            numeric: true,
        }
    }
}

/// A table with ruled lines; a long one continues on the next page under its heading row.
#[derive(Debug, Clone)]
pub struct Table {
    /// The columns.
    pub columns: Vec<Column>,
    /// The body rows, one text a column.
    pub rows: Vec<Vec<String>>,
}

/// A series of a [`Chart::Trend`].
#[derive(Debug, Clone)]
pub struct Series {
    /// Name in the legend.
    pub name: String,
    /// One value a label.
    pub values: Vec<f64>,
}

/// A chart drawn with vectors.
#[derive(Debug, Clone)]
pub enum Chart {
    /// Grouped vertical bars of counts over labels (months), with a line of a rate
    /// (0–1, right axis; `None` where nothing was measured).
    Trend {
        /// Caption above the chart.
        caption: String,
        /// One label a group.
        labels: Vec<String>,
        /// Bars.
        bars: Vec<Series>,
        /// The line's name and values.
        rate: (String, Vec<Option<f64>>),
    },
    /// One horizontal bar a label, from 0 to `max`.
    Ranking {
        /// Caption above the chart.
        caption: String,
        /// One (label, value) a bar, top to bottom.
        bars: Vec<(String, f64)>,
        /// The axis' end.
        max: f64,
    },
}

impl Chart {
    /// Grid lines the chart takes.
    pub(crate) fn lines(&self, pitch: f32) -> usize {
        match self {
            Chart::Trend { .. } => 9,
            Chart::Ranking { bars, .. } => {
                let h = 2.0 * pitch + bars.len().max(1) as f32 * RANK_ROW;
                (h / pitch).ceil() as usize
            }
        }
    }
}

/// A table or chart laid out on a page.
#[derive(Debug, Clone)]
pub(crate) enum Art {
    /// Part of a table (with its heading row).
    Table(Table),
    /// A chart.
    Chart(Chart),
}

/// Height of a table row, pt: three rows in two grid lines.
pub(crate) fn table_row(pitch: f32) -> f32 {
    pitch * 2.0 / 3.0
}

/// Body rows that fit in `lines` grid lines under the heading row.
fn rows_in(lines: usize) -> usize {
    // Three table rows in two grid lines.
    (lines * 3 / 2).saturating_sub(1)
}

/// Grid lines `table` takes (with its heading row).
pub(crate) fn table_lines(table: &Table, pitch: f32) -> usize {
    ((table.rows.len() + 1) as f32 * table_row(pitch) / pitch - 1e-3).ceil() as usize
}

/// Splits `table` into parts that each fit on a page of `page` grid lines; each part
/// repeats the heading row. Returns (part, lines).
pub(crate) fn split_table(table: &Table, pitch: f32, page: usize) -> Vec<(Table, usize)> {
    let per_page = rows_in(page).max(1);
    let parts: Vec<Table> = if table.rows.is_empty() {
        vec![table.clone()]
    } else {
        table
            .rows
            .chunks(per_page)
            .map(|rows| Table {
                columns: table.columns.clone(),
                rows: rows.to_vec(),
            })
            .collect()
    };
    parts
        .into_iter()
        .map(|t| {
            let lines = table_lines(&t, pitch);
            (t, lines)
        })
        .collect()
}

/// Splits `table` so that its first part fits in `lines` grid lines; `None` when not even
/// one body row fits or the whole table does.
pub(crate) fn split_at_lines(table: &Table, lines: usize) -> Option<(Table, Table)> {
    let total = table.rows.len();
    let mut n = rows_in(lines);
    if n >= total {
        return None;
    }
    // Neither part is a lone row.
    if total - n < 2 {
        n = total.saturating_sub(2);
    }
    if n < 2 {
        return None;
    }
    let part = |rows: &[Vec<String>]| Table {
        columns: table.columns.clone(),
        rows: rows.to_vec(),
    };
    Some((part(&table.rows[..n]), part(&table.rows[n..])))
}

/// Draws `art` in the type area from `left` to `left + width`, its top at `top`.
pub(crate) fn draw(pen: &mut Pen, art: &Art, left: f32, width: f32, top: f32, pitch: f32) {
    match art {
        Art::Table(t) => draw_table(pen, t, left, width, top, table_row(pitch)),
        Art::Chart(Chart::Trend {
            caption,
            labels,
            bars,
            rate,
        }) => draw_trend(pen, caption, labels, bars, rate, left, width, top, pitch),
        Art::Chart(Chart::Ranking { caption, bars, max }) => {
            draw_ranking(pen, caption, bars, *max, left, width, top, pitch)
        }
    }
}

/// Sets `text` in one cell, shrinking it (to 9 pt) or cutting it with “…” to fit.
fn cell(pen: &mut Pen, role: Role, text: &str, x: f32, w: f32, mid: f32, numeric: bool) {
    let room = w - 6.0;
    let mut size = TABLE_TEXT;
    let mut text = text.to_string();
    while pen.width(role, &text, size) > room && size > TABLE_MIN {
        size -= 0.5;
    }
    while pen.width(role, &text, size) > room && text.chars().count() > 1 {
        text.pop();
        text.pop();
        text.push('…');
    }
    let tw = pen.width(role, &text, size);
    let tx = if numeric {
        x + w - 3.0 - tw
    } else {
        x + (w - tw) / 2.0
    };
    pen.text(&[(role, text)], size, tx, mid - 0.38 * size, 0.0, BLACK);
}

fn draw_table(pen: &mut Pen, t: &Table, left: f32, width: f32, top: f32, row_h: f32) {
    let total: f32 = t.columns.iter().map(|c| c.width).sum();
    let xs: Vec<f32> = t
        .columns
        .iter()
        .scan(left, |x, c| {
            let at = *x;
            *x += c.width / total * width;
            Some(at)
        })
        .chain(std::iter::once(left + width))
        .collect();
    let n = t.rows.len() + 1;
    let bottom = top - n as f32 * row_h;
    // Heading row: light shading, 黑体.
    pen.rect(left, top - row_h, width, row_h, (0.93, 0.93, 0.93));
    for (i, c) in t.columns.iter().enumerate() {
        let mid = top - row_h / 2.0;
        cell(
            pen,
            Role::Heading,
            &c.title,
            xs[i],
            xs[i + 1] - xs[i],
            mid,
            false,
        );
    }
    for (r, row) in t.rows.iter().enumerate() {
        let mid = top - (r as f32 + 1.5) * row_h;
        for (i, c) in t.columns.iter().enumerate() {
            let text = row.get(i).map(String::as_str).unwrap_or("");
            cell(
                pen,
                Role::Body,
                text,
                xs[i],
                xs[i + 1] - xs[i],
                mid,
                c.numeric,
            );
        }
    }
    // Rules: the frame 1 pt, the inner lines 0.5 pt.
    for r in 0..=n {
        let y = top - r as f32 * row_h;
        let w = if r == 0 || r == n { 1.0 } else { 0.5 };
        pen.line(&[(left, y), (left + width, y)], w, BLACK);
    }
    for (i, &x) in xs.iter().enumerate() {
        let w = if i == 0 || i == xs.len() - 1 {
            1.0
        } else {
            0.5
        };
        pen.line(&[(x, top), (x, bottom)], w, BLACK);
    }
}

fn caption(pen: &mut Pen, text: &str, left: f32, width: f32, top: f32, pitch: f32) {
    let size = 14.0;
    let w = pen.width(Role::Heading, text, size);
    pen.text(
        &[(Role::Heading, text.to_string())],
        size,
        left + (width - w) / 2.0,
        top - pitch / 2.0 - 0.38 * size,
        0.0,
        BLACK,
    );
}

/// A round step for an axis that reaches `max` in about five steps.
fn step(max: f64) -> f64 {
    let raw = (max / 5.0).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

fn figure(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

fn right_text(pen: &mut Pen, text: &str, x: f32, mid: f32) {
    let w = pen.width(Role::Body, text, CHART_TEXT);
    pen.text(
        &[(Role::Body, text.to_string())],
        CHART_TEXT,
        x - w,
        mid - 0.38 * CHART_TEXT,
        0.0,
        BLACK,
    );
}

fn centred_text(pen: &mut Pen, text: &str, x: f32, baseline: f32) {
    let w = pen.width(Role::Body, text, CHART_TEXT);
    pen.text(
        &[(Role::Body, text.to_string())],
        CHART_TEXT,
        x - w / 2.0,
        baseline,
        0.0,
        BLACK,
    );
}

#[allow(clippy::too_many_arguments)]
fn draw_trend(
    pen: &mut Pen,
    title: &str,
    labels: &[String],
    bars: &[Series],
    rate: &(String, Vec<Option<f64>>),
    left: f32,
    width: f32,
    top: f32,
    pitch: f32,
) {
    caption(pen, title, left, width, top, pitch);
    // Plot area: room for the axes' figures on both sides, the legend and the labels below.
    let x0 = left + 30.0;
    let x1 = left + width - 34.0;
    let y1 = top - pitch - 6.0;
    let y0 = top - 9.0 * pitch + 2.0 * pitch;
    let max = bars
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let step_v = step(max);
    let top_v = (max / step_v).ceil().max(1.0) * step_v;
    let y_of = |v: f64| y0 + ((v / top_v) as f32) * (y1 - y0);
    // Grid, left axis (counts) and right axis (rate).
    let mut v = 0.0;
    while v <= top_v + 1e-9 {
        let y = y_of(v);
        pen.line(&[(x0, y), (x1, y)], 0.3, LIGHT);
        right_text(pen, &figure(v), x0 - 3.0, y);
        let pct = v / top_v * 100.0;
        let label = format!("{}%", figure(pct));
        let w = pen.width(Role::Body, &label, CHART_TEXT);
        right_text(pen, &label, x1 + 4.0 + w, y);
        v += step_v;
    }
    pen.line(&[(x0, y1), (x0, y0), (x1, y0), (x1, y1)], 0.8, BLACK);
    let n = labels.len().max(1);
    let group = (x1 - x0) / n as f32;
    let k = bars.len().max(1) as f32;
    let bar_w = group * 0.7 / k;
    for (i, label) in labels.iter().enumerate() {
        let gx = x0 + group * i as f32 + group * 0.15;
        for (j, s) in bars.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0.0);
            if v > 0.0 {
                let x = gx + bar_w * j as f32;
                pen.rect(x, y0, bar_w, y_of(v) - y0, SERIES[j % SERIES.len()]);
            }
        }
        centred_text(pen, label, x0 + group * (i as f32 + 0.5), y0 - 13.0);
    }
    // The rate as a broken line with square marks, on the right axis (0–100%).
    let ry = |r: f64| y0 + (r as f32).clamp(0.0, 1.0) * (y1 - y0);
    let points: Vec<Option<(f32, f32)>> = rate
        .1
        .iter()
        .enumerate()
        .map(|(i, r)| r.map(|r| (x0 + group * (i as f32 + 0.5), ry(r))))
        .collect();
    let line_colour = SERIES[2];
    for pair in points.windows(2) {
        if let [Some(a), Some(b)] = pair {
            pen.line(&[*a, *b], 1.2, line_colour);
        }
    }
    for (x, y) in points.iter().flatten() {
        pen.rect(x - 2.0, y - 2.0, 4.0, 4.0, line_colour);
    }
    // Legend under the labels.
    let mut lx = x0;
    let ly = y0 - 32.0;
    let mut entries: Vec<(String, Rgbf, bool)> = bars
        .iter()
        .enumerate()
        .map(|(j, s)| (s.name.clone(), SERIES[j % SERIES.len()], false))
        .collect();
    entries.push((format!("{}（右轴）", rate.0), line_colour, true));
    for (name, colour, is_line) in entries {
        if is_line {
            pen.line(&[(lx, ly + 4.0), (lx + 16.0, ly + 4.0)], 1.2, colour);
            pen.rect(lx + 6.0, ly + 2.0, 4.0, 4.0, colour);
        } else {
            pen.rect(lx, ly, 16.0, 8.0, colour);
        }
        pen.text(
            &[(Role::Body, name.clone())],
            CHART_TEXT,
            lx + 20.0,
            ly,
            0.0,
            BLACK,
        );
        lx += 20.0 + pen.width(Role::Body, &name, CHART_TEXT) + 18.0;
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_ranking(
    pen: &mut Pen,
    title: &str,
    bars: &[(String, f64)],
    max: f64,
    left: f32,
    width: f32,
    top: f32,
    pitch: f32,
) {
    caption(pen, title, left, width, top, pitch);
    let label_w = bars
        .iter()
        .map(|(l, _)| pen.width(Role::Body, l, CHART_TEXT))
        .fold(40.0, f32::max)
        .min(width * 0.35);
    let x0 = left + label_w + 8.0;
    let x1 = left + width - 40.0;
    let y1 = top - pitch - 4.0;
    let row = RANK_ROW;
    let y0 = y1 - row * bars.len().max(1) as f32;
    let max = if max > 0.0 { max } else { 1.0 };
    let x_of = |v: f64| x0 + ((v / max) as f32).clamp(0.0, 1.0) * (x1 - x0);
    let step_v = step(max);
    let mut v = 0.0;
    while v <= max + 1e-9 {
        let x = x_of(v);
        pen.line(&[(x, y1), (x, y0)], 0.3, LIGHT);
        centred_text(pen, &figure(v), x, y0 - 12.0);
        v += step_v;
    }
    for (i, (label, value)) in bars.iter().enumerate() {
        let mid = y1 - row * (i as f32 + 0.5);
        right_text(pen, label, x0 - 4.0, mid);
        pen.rect(x0, mid - 5.5, x_of(*value) - x0, 11.0, SERIES[0]);
        let t = figure(*value);
        let w = pen.width(Role::Body, &t, CHART_TEXT);
        right_text(pen, &t, x_of(*value) + 3.0 + w, mid);
    }
    pen.line(&[(x0, y1), (x0, y0), (x1, y0)], 0.8, BLACK);
}
