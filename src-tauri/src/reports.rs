//! The 统计 screen's commands: the figures of a month or a range of days, the files they go
//! out in (the report and the register as XLSX/CSV, written by Rust where the user chose
//! in the system's save dialog), and the import of cases from a file with a progress bar.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use wenzheng_core::report::assess::SCORED;
use wenzheng_core::report::export::{write_register_csv, write_register_xlsx, write_report_xlsx};
use wenzheng_core::report::{AssessmentRule, Period, Report};
use wenzheng_core::service::{ImportMode, ImportProgress};
use wenzheng_print::dossier::{self, Manifest};
use wenzheng_print::{FontOptions, PrintError, Printer};

use crate::commands::CmdResult;
use crate::ipc_error::IpcError;
use crate::state::AppState;

/// The period the screen asks for: `month` (`YYYY-MM`), or `from` and `to` (`YYYY-MM-DD`).
#[derive(Debug, Clone, Deserialize)]
pub struct PeriodArg {
    /// A calendar month.
    pub month: Option<String>,
    /// First day of a range.
    pub from: Option<String>,
    /// Last day of a range (included).
    pub to: Option<String>,
}

impl PeriodArg {
    fn period(&self) -> Result<Period, IpcError> {
        let p = match (&self.month, &self.from, &self.to) {
            (Some(m), _, _) if !m.is_empty() => Period::month(m),
            (_, Some(from), Some(to)) => Period::days(from, to),
            _ => Err(wenzheng_core::Error::Invalid(
                "请选择月份，或填写开始和结束日期".into(),
            )),
        };
        Ok(p?)
    }
}

/// A file written: where, and how many cases (or rows) it holds.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    /// The file's path.
    pub file: String,
    /// Cases in it (0 for the report).
    pub cases: usize,
}

fn io_error(what: &str, e: impl std::fmt::Display) -> IpcError {
    IpcError {
        code: "io",
        message: format!("{what}：{e}"),
    }
}

fn non_empty(path: &str) -> Result<PathBuf, IpcError> {
    if path.trim().is_empty() {
        return Err(IpcError {
            code: "invalid",
            message: "请选择要保存的文件".into(),
        });
    }
    Ok(PathBuf::from(path))
}

/// A report as the 统计 screen shows it: the report, without the list of cases overdue at
/// some moment of the period, which the screen only counts — 3 of the 5.3 MB of the month in
/// progress at 1,000,000 cases, carried to the page for nothing. The Excel export and the
/// printed report, made here, have the list.
#[derive(Serialize)]
pub struct ReportOnScreen {
    #[serde(flatten)]
    report: Report,
    /// How many cases were overdue at some moment of the period.
    overdue_in_period_count: usize,
}

/// The figures, per-unit table, ranking, trend and overdue list of a period.
#[tauri::command]
pub async fn report_figures(
    state: State<'_, AppState>,
    period: PeriodArg,
) -> CmdResult<ReportOnScreen> {
    let p = period.period()?;
    let mut report = state.service.report(&state.ctx()?, p).await?;
    let overdue_in_period_count = report.overdue_in_period.len();
    report.overdue_in_period = Vec::new();
    Ok(ReportOnScreen {
        report,
        overdue_in_period_count,
    })
}

/// Asks where to save a file (`xlsx` or `csv`), suggesting `name`; none when cancelled.
#[tauri::command]
pub async fn choose_save_file(
    app: AppHandle,
    state: State<'_, AppState>,
    name: String,
    kind: String,
) -> CmdResult<Option<String>> {
    state.ctx()?;
    let (label, ext) = match kind.as_str() {
        "csv" => ("CSV 文件", "csv"),
        _ => ("Excel 工作簿", "xlsx"),
    };
    crate::dialogs::ask(app, "保存文件", move |d| {
        d.set_title("保存到")
            .set_file_name(name)
            .add_filter(label, &[ext])
            .blocking_save_file()
    })
    .await
}

/// Asks for a file to import (XLSX or CSV); none when cancelled.
#[tauri::command]
pub async fn choose_import_file(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Option<String>> {
    state.ctx()?;
    crate::dialogs::ask(app, "选择文件", |d| {
        d.set_title("选择要导入的 Excel 或 CSV 文件")
            .add_filter("Excel 或 CSV", &["xlsx", "xls", "ods", "csv"])
            .blocking_pick_file()
    })
    .await
}

/// Writes the report of a period as an XLSX workbook (one sheet per table) to `path`.
#[tauri::command]
pub async fn export_report_xlsx(
    state: State<'_, AppState>,
    period: PeriodArg,
    path: String,
) -> CmdResult<Written> {
    let p = period.period()?;
    let path = non_empty(&path)?;
    let report = state.service.report(&state.ctx()?, p).await?;
    write_report_xlsx(&report, &path)?;
    Ok(Written {
        file: path.display().to_string(),
        cases: 0,
    })
}

/// Writes the case register (台账) as `xlsx` or `csv` to `path`.
#[tauri::command]
pub async fn export_register(
    state: State<'_, AppState>,
    format: String,
    path: String,
) -> CmdResult<Written> {
    let path = non_empty(&path)?;
    let rows = state.service.case_register(&state.ctx()?).await?;
    if format == "csv" {
        write_register_csv(&rows, &path)?;
    } else {
        write_register_xlsx(&rows, &path)?;
    }
    Ok(Written {
        file: path.display().to_string(),
        cases: rows.len(),
    })
}

/// Imports cases from `path`: `mode` is `preview` (check only, write nothing), `all`
/// (only if every row is valid) or `valid` (the valid rows). Progress goes to
/// `on_progress` while the rows are checked and written, in one transaction.
#[tauri::command]
pub async fn import_cases_file(
    state: State<'_, AppState>,
    path: String,
    mode: String,
    on_progress: Channel<ImportProgress>,
) -> CmdResult<wenzheng_core::report::import::ImportReport> {
    let mode = match mode.as_str() {
        "preview" => ImportMode::Preview,
        "valid" => ImportMode::ValidOnly,
        _ => ImportMode::AllOrNothing,
    };
    let path = non_empty(&path)?;
    let ctx = state.ctx()?;
    let mut progress = |p: ImportProgress| {
        // A closed window only loses the progress bar, not the import.
        let _ = on_progress.send(p);
    };
    Ok(state
        .service
        .import_cases_with_progress(&ctx, &path, mode, &mut progress)
        .await?)
}

/// Asks for a folder (for the yearly archive); none when cancelled.
#[tauri::command]
pub async fn choose_folder(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Option<String>> {
    state.ctx()?;
    crate::dialogs::ask(app, "选择文件夹", |d| {
        d.set_title("选择归档导出的文件夹（空文件夹）")
            .blocking_pick_folder()
    })
    .await
}

/// Writes the yearly archive (each archived case's dossier and attachments, the year's
/// register, `manifest.json`) into `dir`, which must be empty or new.
#[tauri::command]
pub async fn export_archive(
    state: State<'_, AppState>,
    year: i32,
    dir: String,
) -> CmdResult<Manifest> {
    let dir = non_empty(&dir)?;
    let ctx = state.ctx()?;
    let printer = Printer::new(&FontOptions::default()).map_err(print_error)?;
    dossier::export_year(&state.service, &ctx, &printer, year, &dir)
        .await
        .map_err(print_error)
}

fn print_error(e: PrintError) -> IpcError {
    match e {
        PrintError::Core(e) => e.into(),
        other => io_error("归档导出失败", other),
    }
}

/// An indicator a rule may weigh.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredIndicator {
    /// Key (`on_time_rate` …).
    pub key: &'static str,
    /// Chinese name.
    pub name: &'static str,
}

/// The assessment rule in force and the indicators it may weigh.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    /// The rule.
    pub rule: AssessmentRule,
    /// Every indicator a rule may use.
    pub scored: Vec<ScoredIndicator>,
}

fn rule_view(rule: AssessmentRule) -> RuleView {
    RuleView {
        rule,
        scored: SCORED
            .iter()
            .map(|&(key, name)| ScoredIndicator { key, name })
            .collect(),
    }
}

/// The assessment rule (考核规则) in force.
#[tauri::command]
pub async fn assessment_rule(state: State<'_, AppState>) -> CmdResult<RuleView> {
    Ok(rule_view(
        state.service.assessment_rule(&state.ctx()?).await?,
    ))
}

/// Replaces the assessment rule (administrators); an invalid rule is refused in Chinese.
#[tauri::command]
pub async fn set_assessment_rule(
    state: State<'_, AppState>,
    rule: AssessmentRule,
) -> CmdResult<RuleView> {
    Ok(rule_view(
        state
            .service
            .set_assessment_rule(&state.ctx()?, rule)
            .await?,
    ))
}
