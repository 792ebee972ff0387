//! Reading cases from an XLSX or CSV file: the table, the columns a clerk writes, and the
//! stable key that keeps a re-import from registering the same message twice.

use std::collections::HashMap;
use std::path::Path;

use calamine::{open_workbook_auto, Data, Reader};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::format_instant;
use crate::error::{Error, Result};
use crate::service::NewCase;

/// The most data rows one file may hold.
pub const MAX_ROWS: usize = 20_000;

/// A row of the file: its number as the spreadsheet shows it (the header is row 1) and
/// its cells by column name.
#[derive(Debug, Clone)]
pub(crate) struct RawRow {
    pub row: usize,
    pub cells: HashMap<&'static str, String>,
}

/// The columns read, with the other names a clerk may give them. 标题, 留言内容 and
/// 收到时间 are required; any other column (案件编号, 状态 …) is ignored.
const COLUMNS: &[(&str, &[&str])] = &[
    ("标题", &["标题", "留言标题"]),
    ("留言内容", &["留言内容", "内容", "留言正文"]),
    ("收到时间", &["收到时间", "留言时间", "发布时间"]),
    ("问题类别", &["问题类别", "类别"]),
    ("来源平台", &["来源平台", "来源"]),
    ("链接", &["链接", "网址"]),
    ("网民昵称", &["网民昵称", "昵称"]),
    ("联系电话", &["联系电话", "电话"]),
    ("重要", &["重要", "重要信息"]),
    ("敏感", &["敏感", "敏感信息"]),
    ("复杂", &["复杂", "复杂问题"]),
];

const REQUIRED: &[&str] = &["标题", "留言内容", "收到时间"];

fn invalid_file(msg: String) -> Error {
    Error::Invalid(msg)
}

/// Reads the first sheet of an XLSX/XLS/ODS file, or a CSV file (UTF-8, or GB18030 as
/// saved by Excel on Chinese Windows), into rows by column name.
pub(crate) fn read_table(path: &Path) -> Result<Vec<RawRow>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let grid: Vec<Vec<String>> = match ext.as_str() {
        "csv" | "txt" => read_csv(path)?,
        "xlsx" | "xlsm" | "xls" | "ods" => read_sheet(path)?,
        _ => {
            return Err(invalid_file(format!(
                "不支持的文件类型“{}”，请使用 .xlsx 或 .csv 文件",
                path.display()
            )))
        }
    };
    let mut rows = grid.into_iter().enumerate().peekable();
    // Our own exports start with a note on personal information; the header follows it.
    rows.next_if(|(_, cells)| super::privacy::is_note_row(cells));
    let Some((_, header)) = rows.next() else {
        return Err(invalid_file("文件是空的，没有表头".into()));
    };
    let mut index: Vec<(&'static str, usize)> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some((name, _)) = COLUMNS.iter().find(|(_, names)| names.contains(&h)) {
            if index.iter().any(|(n, _)| n == name) {
                return Err(invalid_file(format!("表头中“{name}”列出现了两次")));
            }
            index.push((name, i));
        }
    }
    for req in REQUIRED {
        if !index.iter().any(|(n, _)| n == req) {
            return Err(invalid_file(format!(
                "表头缺少必需的列“{req}”（必需：{}）",
                REQUIRED.join("、")
            )));
        }
    }
    let mut out = Vec::new();
    for (i, cells) in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() == MAX_ROWS {
            return Err(invalid_file(format!("文件超过 {MAX_ROWS} 行，请分批导入")));
        }
        let map = index
            .iter()
            .map(|(name, col)| {
                let cell = cells.get(*col).map_or("", |c| super::privacy::restore(c));
                (*name, cell.to_string())
            })
            .collect();
        out.push(RawRow {
            row: i + 1,
            cells: map,
        });
    }
    Ok(out)
}

fn read_csv(path: &Path) -> Result<Vec<Vec<String>>> {
    let bytes = std::fs::read(path)?;
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(e.as_bytes());
            if bad {
                return Err(invalid_file(
                    "CSV 文件的编码无法识别，请另存为 UTF-8 编码的 CSV 或 .xlsx".into(),
                ));
            }
            t.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut grid = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| invalid_file(format!("CSV 第 {} 行格式错误：{e}", i + 1)))?;
        grid.push(rec.iter().map(str::to_string).collect());
    }
    Ok(grid)
}

fn read_sheet(path: &Path) -> Result<Vec<Vec<String>>> {
    let mut wb = open_workbook_auto(path)
        .map_err(|e| invalid_file(format!("无法打开表格文件“{}”：{e}", path.display())))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| invalid_file("表格文件中没有工作表".into()))?
        .map_err(|e| invalid_file(format!("无法读取第一个工作表：{e}")))?;
    Ok(range
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        // Phone numbers typed as numbers come back as floats.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        Data::DateTime(dt) => dt
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_else(|| dt.to_string()),
        Data::Error(e) => format!("#{e:?}"),
        Data::Empty => String::new(),
    }
}

fn flag(row: &RawRow, name: &str) -> std::result::Result<bool, String> {
    match row.cells.get(name).map(|v| v.trim()).unwrap_or("") {
        "" | "否" | "0" | "false" | "FALSE" | "N" | "n" => Ok(false),
        "是" | "1" | "true" | "TRUE" | "Y" | "y" | "√" => Ok(true),
        other => Err(format!("“{name}”应填“是”或“否”，不能是“{other}”")),
    }
}

impl RawRow {
    fn text(&self, name: &str) -> Option<String> {
        self.cells
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The row as a new case, or why it cannot be one.
    pub(crate) fn new_case(&self) -> std::result::Result<NewCase, String> {
        let received = self
            .text("收到时间")
            .ok_or_else(|| "收到时间不能为空".to_string())?;
        // A phone masked by the register export (138****5678) is not a number to keep.
        let phone = self.text("联系电话").filter(|p| !p.contains('*'));
        Ok(NewCase {
            title: self.text("标题").unwrap_or_default(),
            content: self.text("留言内容").unwrap_or_default(),
            received_at: Some(received),
            category: self.text("问题类别"),
            source: self.text("来源平台"),
            link: self.text("链接"),
            poster: self.text("网民昵称"),
            phone,
            important: flag(self, "重要")?,
            sensitive: flag(self, "敏感")?,
            complex: flag(self, "复杂")?,
        })
    }
}

/// The stable key of an imported message: its source and link when it has a link, else
/// its source, time of receipt, title and text.
pub(crate) fn import_key(
    source: &str,
    link: Option<&str>,
    received: &chrono::DateTime<chrono::FixedOffset>,
    title: &str,
    content: &str,
) -> String {
    let mut h = Sha256::new();
    match link {
        Some(l) => h.update(format!("link\n{source}\n{l}")),
        None => h.update(format!(
            "message\n{source}\n{}\n{title}\n{content}",
            format_instant(received)
        )),
    }
    let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// A row imported as a case.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImportedRow {
    /// Row number in the file.
    pub row: usize,
    /// The new case's number (null in a preview).
    pub number: Option<String>,
    /// Title.
    pub title: String,
}

/// A row not imported because the message is already registered.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DuplicateRow {
    /// Row number in the file.
    pub row: usize,
    /// The case already registered (or the earlier row of the same file).
    pub existing: String,
}

/// A row refused, with the reason in Chinese.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RowError {
    /// Row number in the file.
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

/// What an import did (or, in a preview, would do).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImportReport {
    /// The file.
    pub file: String,
    /// Data rows read.
    pub rows: usize,
    /// Rows imported (or importable).
    pub imported: Vec<ImportedRow>,
    /// Rows skipped as already registered.
    pub duplicates: Vec<DuplicateRow>,
    /// Rows refused.
    pub errors: Vec<RowError>,
    /// Whether anything was written.
    pub written: bool,
}

impl ImportReport {
    /// The per-row errors as one Chinese message.
    pub fn error_message(&self) -> String {
        let lines: Vec<String> = self
            .errors
            .iter()
            .map(|e| format!("第 {} 行：{}", e.row, e.message))
            .collect();
        format!(
            "文件中有 {} 行有错误，未导入任何案件（可改正后重新导入，或只导入正确的行）：\n{}",
            self.errors.len(),
            lines.join("\n")
        )
    }
}
