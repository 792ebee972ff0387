//! Files out: the report as XLSX (one sheet per table), the case register (台账) as XLSX
//! and CSV, and an Open311 GeoReport v2-style JSON of the requests.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

use super::figures::{OverdueCase, Report, SatisfactionFigures};
use super::privacy::{neutralise, Personal};
use crate::error::{Error, Result};

/// A row of the case register (台账), as a clerk reads it. The phone is masked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegisterRow {
    /// Numeric id.
    pub id: i64,
    /// Case number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Message text.
    pub content: String,
    /// Platform.
    pub source: String,
    /// Link.
    pub link: Option<String>,
    /// Screen name.
    pub poster: Option<String>,
    /// Contact phone, masked.
    pub phone: Option<String>,
    /// Category (Chinese).
    pub category: String,
    /// 重要信息.
    pub important: bool,
    /// 敏感信息.
    pub sensitive: bool,
    /// `ordinary` or `complex`.
    pub complexity: String,
    /// Status code.
    pub status: String,
    /// Status in Chinese.
    pub status_name: String,
    /// Received.
    pub received_at: String,
    /// Registered.
    pub registered_at: String,
    /// Acknowledged.
    pub acknowledged_at: Option<String>,
    /// Reply due (date).
    pub reply_due: String,
    /// Final reply.
    pub replied_at: Option<String>,
    /// Closed.
    pub closed_at: Option<String>,
    /// Units handling it now, lead first.
    pub units: Vec<String>,
    /// Result on closing.
    pub result: Option<String>,
    /// Overdue now.
    pub overdue: bool,
    /// The time of its latest event.
    pub updated_at: String,
}

/// The register's columns, in order; the import reads the same names.
pub const REGISTER_COLUMNS: &[&str] = &[
    "案件编号",
    "标题",
    "留言内容",
    "来源平台",
    "链接",
    "网民昵称",
    "联系电话",
    "问题类别",
    "重要",
    "敏感",
    "复杂",
    "状态",
    "收到时间",
    "登记时间",
    "受理时间",
    "答复期限",
    "答复时间",
    "办结时间",
    "承办单位",
    "办理结果",
    "是否超期",
];

fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_string()
}

fn time(t: &str) -> String {
    // 2026-02-13T10:00:00+08:00 → 2026-02-13 10:00:00, as Excel users write it.
    t.get(..19).unwrap_or(t).replace('T', " ")
}

fn opt_time(t: &Option<String>) -> String {
    t.as_deref().map(time).unwrap_or_default()
}

impl RegisterRow {
    fn cells(&self) -> Vec<String> {
        vec![
            self.number.clone(),
            self.title.clone(),
            self.content.clone(),
            self.source.clone(),
            self.link.clone().unwrap_or_default(),
            self.poster.clone().unwrap_or_default(),
            self.phone.clone().unwrap_or_default(),
            self.category.clone(),
            yes(self.important),
            yes(self.sensitive),
            yes(self.complexity == "complex"),
            self.status_name.clone(),
            time(&self.received_at),
            time(&self.registered_at),
            opt_time(&self.acknowledged_at),
            self.reply_due.clone(),
            opt_time(&self.replied_at),
            opt_time(&self.closed_at),
            self.units.join("、"),
            self.result.clone().unwrap_or_default(),
            yes(self.overdue),
        ]
    }
}

fn xlsx_error(e: XlsxError) -> Error {
    Error::Io(std::io::Error::other(format!("无法写出 Excel 文件：{e}")))
}

/// A value in a sheet.
enum Cell {
    Text(String),
    Num(f64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Num(n as f64)
    }
}

impl From<Option<f64>> for Cell {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Empty, Cell::Num)
    }
}

fn sheet(wb: &mut Workbook, name: &str, headers: &[&str], rows: Vec<Vec<Cell>>) -> Result<()> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name).map_err(xlsx_error)?;
    for (c, h) in headers.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, *h, &bold)
            .map_err(xlsx_error)?;
        ws.set_column_width(c, 14).map_err(xlsx_error)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.into_iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s).map(|_| ()),
                Cell::Num(n) => ws.write_number(r, c, n).map(|_| ()),
                Cell::Empty => Ok(()),
            }
            .map_err(xlsx_error)?;
        }
    }
    Ok(())
}

fn pct(v: Option<f64>) -> Cell {
    v.map_or(Cell::Text("—".into()), |v| {
        Cell::Text(format!("{:.2}%", v * 100.0))
    })
}

fn overdue_rows(list: &[OverdueCase]) -> Vec<Vec<Cell>> {
    list.iter()
        .map(|o| {
            vec![
                o.number.as_str().into(),
                o.title.as_str().into(),
                o.kind_name.as_str().into(),
                o.reply_due.as_str().into(),
                o.units.join("、").into(),
                o.status_name.as_str().into(),
            ]
        })
        .collect()
}

fn sat_cells(s: &SatisfactionFigures) -> [Cell; 5] {
    [
        s.satisfied.into(),
        s.basic.into(),
        s.unsatisfied.into(),
        s.total.into(),
        pct(s.rate),
    ]
}

/// Writes the report as an XLSX workbook: 总体情况, 来源与类别, 承办单位, 考核排名,
/// 截止时超期, 期内超期, 近12个月.
pub fn write_report_xlsx(report: &Report, path: &Path) -> Result<()> {
    let mut wb = Workbook::new();
    let r = report;
    let s = &r.satisfaction;
    let summary: Vec<(&str, Cell)> = vec![
        ("统计期间", format!("{} 至 {}", r.from, r.to).into()),
        ("截止时刻", time(&r.as_of).into()),
        ("收件数", r.received.total.into()),
        ("其中重要信息", r.received.important.into()),
        ("其中敏感信息", r.received.sensitive.into()),
        ("其中复杂问题", r.received.complex.into()),
        ("24小时内受理数", r.acknowledged_in_24h.into()),
        ("24小时受理率", pct(r.ack_rate)),
        ("答复数", r.replied.into()),
        ("按期答复数", r.replied_on_time.into()),
        ("按期答复率", pct(r.on_time_rate)),
        ("平均答复用时（工作日）", r.avg_reply_working_days.into()),
        ("应办结数", r.due.into()),
        ("办结数", r.closed.into()),
        ("办结率", pct(r.close_rate)),
        ("已答复数", r.answered.into()),
        ("答复率", pct(r.reply_rate)),
        ("公开答复数", r.published.into()),
        ("截止时超期件数", (r.overdue_now.len() as i64).into()),
        (
            "期内发生超期件数",
            (r.overdue_in_period.len() as i64).into(),
        ),
        ("催办次数", r.urgings.total.into()),
        ("其中普通催办", r.urgings.normal.into()),
        ("其中黄牌", r.urgings.yellow.into()),
        ("其中红牌", r.urgings.red.into()),
        ("领导批示数", r.instructions.into()),
        ("批示已落实数", r.instructions_done.into()),
        ("延期次数", r.extensions.into()),
        ("延期工作日合计", r.extension_days.into()),
        ("重办数", r.reopened.into()),
        ("回访数", s.total.into()),
        ("满意", s.satisfied.into()),
        ("基本满意", s.basic.into()),
        ("不满意", s.unsatisfied.into()),
        ("满意率", pct(s.rate)),
    ];
    sheet(
        &mut wb,
        "总体情况",
        &["指标", "数值"],
        summary
            .into_iter()
            .map(|(k, v)| vec![k.into(), v])
            .collect(),
    )?;
    let mut rows = Vec::new();
    for c in &r.received.by_source {
        rows.push(vec![
            "来源平台".into(),
            c.name.as_str().into(),
            c.count.into(),
        ]);
    }
    for c in &r.received.by_category {
        rows.push(vec![
            "问题类别".into(),
            c.name.as_str().into(),
            c.count.into(),
        ]);
    }
    sheet(&mut wb, "来源与类别", &["分类", "名称", "收件数"], rows)?;
    let rows = r
        .units
        .iter()
        .map(|u| {
            let mut row: Vec<Cell> = vec![
                u.unit.as_str().into(),
                u.assigned.into(),
                u.replied.into(),
                u.replied_on_time.into(),
                pct(u.on_time_rate),
                u.due.into(),
                u.closed.into(),
                pct(u.close_rate),
                u.overdue.into(),
                u.urgings.normal.into(),
                u.urgings.yellow.into(),
                u.urgings.red.into(),
                u.avg_reply_working_days.into(),
            ];
            row.extend(sat_cells(&u.satisfaction));
            row
        })
        .collect();
    sheet(
        &mut wb,
        "承办单位",
        &[
            "承办单位",
            "交办数",
            "答复数",
            "按期答复数",
            "按期答复率",
            "应办结数",
            "办结数",
            "办结率",
            "超期数",
            "普通催办",
            "黄牌",
            "红牌",
            "平均答复用时（工作日）",
            "满意",
            "基本满意",
            "不满意",
            "回访数",
            "满意率",
        ],
        rows,
    )?;
    let mut headers = vec!["名次", "承办单位"];
    for p in r
        .assessment
        .first()
        .map(|a| a.parts.as_slice())
        .unwrap_or(&[])
    {
        headers.push(p.name.as_str());
    }
    headers.extend(["扣分", "得分"]);
    let rows = r
        .assessment
        .iter()
        .map(|a| {
            let mut row: Vec<Cell> = vec![i64::from(a.rank).into(), a.unit.as_str().into()];
            row.extend(a.parts.iter().map(|p| Cell::Num(p.points)));
            row.push(Cell::Num(a.deductions));
            row.push(Cell::Num(a.score));
            row
        })
        .collect();
    sheet(&mut wb, "考核排名", &headers, rows)?;
    let oh = [
        "案件编号",
        "标题",
        "超期类型",
        "答复期限",
        "承办单位",
        "状态",
    ];
    sheet(&mut wb, "截止时超期", &oh, overdue_rows(&r.overdue_now))?;
    sheet(&mut wb, "期内超期", &oh, overdue_rows(&r.overdue_in_period))?;
    let rows = r
        .trend
        .iter()
        .map(|t| {
            vec![
                t.month.as_str().into(),
                t.received.into(),
                t.replied.into(),
                pct(t.on_time_rate),
                pct(t.close_rate),
                pct(t.satisfaction_rate),
            ]
        })
        .collect();
    sheet(
        &mut wb,
        "近12个月",
        &["月份", "收件数", "答复数", "按期答复率", "办结率", "满意率"],
        rows,
    )?;
    wb.save(path).map_err(xlsx_error)
}

/// Writes the case register (台账) as an XLSX workbook with one sheet, masked (see
/// [`write_register_xlsx_with`]).
pub fn write_register_xlsx(rows: &[RegisterRow], path: &Path) -> Result<()> {
    write_register_xlsx_with(rows, path, Personal::Masked)
}

/// Writes the case register as an XLSX workbook: the note on personal information in
/// the first row, the header in the second. Cells are written as text, never formulas.
pub fn write_register_xlsx_with(
    rows: &[RegisterRow],
    path: &Path,
    personal: Personal,
) -> Result<()> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("案件台账").map_err(xlsx_error)?;
    ws.write_string_with_format(0, 0, personal.note(), &bold)
        .map_err(xlsx_error)?;
    for (c, h) in REGISTER_COLUMNS.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(1, c, *h, &bold)
            .map_err(xlsx_error)?;
        ws.set_column_width(c, 14).map_err(xlsx_error)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.cells().into_iter().enumerate() {
            ws.write_string(r as u32 + 2, c as u16, text)
                .map_err(xlsx_error)?;
        }
    }
    wb.save(path).map_err(xlsx_error)
}

/// Writes the case register as CSV, masked (see [`write_register_csv_with`]).
pub fn write_register_csv(rows: &[RegisterRow], path: &Path) -> Result<()> {
    write_register_csv_with(rows, path, Personal::Masked)
}

/// Writes the case register as CSV (UTF-8 with a byte-order mark, so Excel opens it): the
/// note on personal information on the first line, then the header; a cell that a
/// spreadsheet would evaluate as a formula gets a leading apostrophe.
pub fn write_register_csv_with(
    rows: &[RegisterRow],
    path: &Path,
    personal: Personal,
) -> Result<()> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut bytes);
        let csv_err = |e: csv::Error| Error::Io(std::io::Error::other(format!("CSV：{e}")));
        w.write_record([personal.note()]).map_err(csv_err)?;
        w.write_record(REGISTER_COLUMNS).map_err(csv_err)?;
        for r in rows {
            w.write_record(r.cells().into_iter().map(neutralise))
                .map_err(csv_err)?;
        }
        w.flush()?;
    }
    std::fs::write(path, bytes)?;
    Ok(())
}

/// A request in Open311 GeoReport v2 style (`GET requests.json`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Open311Request {
    /// The case number.
    pub service_request_id: String,
    /// `open` or `closed` (replied, closed and archived cases are closed).
    pub status: String,
    /// The status in Chinese, and the result when closed.
    pub status_notes: String,
    /// The category.
    pub service_name: String,
    /// The category code.
    pub service_code: String,
    /// Title and text of the message.
    pub description: String,
    /// The lead unit, or the office while unassigned.
    pub agency_responsible: String,
    /// Not used: null.
    pub service_notice: Option<String>,
    /// Received.
    pub requested_datetime: String,
    /// The latest event.
    pub updated_datetime: String,
    /// The end of the reply day.
    pub expected_datetime: String,
    /// Not recorded: null.
    pub address: Option<String>,
    /// Not recorded: null.
    pub lat: Option<f64>,
    /// Not recorded: null.
    pub long: Option<f64>,
    /// The link to the message.
    pub media_url: Option<String>,
}

/// The register as Open311 requests. Personal information (screen name, phone) is left out.
pub fn open311(rows: &[RegisterRow], office: &str) -> Vec<Open311Request> {
    rows.iter()
        .map(|r| {
            let open = matches!(
                r.status.as_str(),
                "pending" | "acknowledged" | "assigned" | "in_progress"
            );
            let mut notes = r.status_name.clone();
            if let Some(res) = &r.result {
                notes.push_str(&format!("：{res}"));
            }
            Open311Request {
                service_request_id: r.number.clone(),
                status: if open { "open" } else { "closed" }.into(),
                status_notes: notes,
                service_name: r.category.clone(),
                service_code: r
                    .category
                    .parse::<crate::model::Category>()
                    .map(|c| c.code().to_string())
                    .unwrap_or_else(|_| r.category.clone()),
                description: format!("{}\n{}", r.title, r.content),
                agency_responsible: r.units.first().cloned().unwrap_or_else(|| office.into()),
                service_notice: None,
                requested_datetime: r.received_at.clone(),
                updated_datetime: r.updated_at.clone(),
                expected_datetime: format!("{}T23:59:59+08:00", r.reply_due),
                address: None,
                lat: None,
                long: None,
                media_url: r.link.clone(),
            }
        })
        .collect()
}
