//! 打印文书: the documents of a case (书面反馈, 交办通知单, 催办通知单, 信息专报) and the
//! 月报, previewed in the system's PDF viewer, saved where the clerk chooses, or printed
//! on a chosen printer. One command shape serves the case screen and the statistics
//! screen: [`output_document`] with a [`DocRequest`] and a [`Mode`]. The webview gets no
//! file-system access: this side asks for the file name (a save dialog) and writes it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use wenzheng_print::{spool, DocRequest, FontChoice, FontOptions, Numbering, PrintError, Printer};

use crate::commands::CmdResult;
use crate::ipc_error::IpcError;
use crate::state::AppState;

/// The fonts, found and parsed on the first print and kept for the next ones.
#[derive(Debug, Default)]
pub struct PrintState {
    printer: tokio::sync::OnceCell<Arc<Printer>>,
}

impl PrintState {
    async fn printer(&self) -> CmdResult<Arc<Printer>> {
        self.printer
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(|| Printer::new(&FontOptions::default()))
                    .await
                    .map_err(|e| io_error(format!("无法加载字体：{e}")))?
                    .map(Arc::new)
                    .map_err(print_error)
            })
            .await
            .cloned()
    }
}

/// What to do with the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Open it in the system's PDF viewer (from a temporary file).
    Preview,
    /// Write it where the clerk chooses in a save dialog.
    Save,
    /// Send it to a printer.
    Print,
}

/// What [`output_document`] did.
#[derive(Debug, Clone, Serialize)]
pub struct OutputResult {
    /// The mode.
    pub mode: Mode,
    /// True when the clerk closed the save dialog without choosing: nothing was done.
    pub cancelled: bool,
    /// The PDF file written.
    pub file: Option<String>,
    /// `feedback`, `notice`, `urge`, `brief` or `monthly`.
    pub kind: &'static str,
    /// Chinese name of the document.
    pub label: &'static str,
    /// The case's number (case documents).
    pub case: Option<String>,
    /// 文号 issued (case documents).
    pub number: Option<String>,
    /// Which written feedback (第N次).
    pub feedback_seq: Option<i64>,
    /// Pages.
    pub pages: usize,
    /// The printer (print mode).
    pub printer: Option<String>,
    /// The spooler's job id (print mode).
    pub job: Option<String>,
    /// The rare-character faces used.
    pub rare_faces: Vec<String>,
    /// Characters no face could print.
    pub missing_chars: Vec<String>,
}

/// The printers and fonts of this PC, for the print area.
#[derive(Debug, Clone, Serialize)]
pub struct PrintSetup {
    /// Printer names, as the system knows them.
    pub printers: Vec<String>,
    /// The system's default printer.
    pub default: Option<String>,
    /// Why the printers could not be listed (no print system), in Chinese.
    pub error: Option<String>,
    /// The face used for each official font: `official: false` where one stood in.
    pub fonts: Vec<FontChoice>,
}

fn io_error(message: String) -> IpcError {
    IpcError {
        code: "io",
        message,
    }
}

fn print_error(e: PrintError) -> IpcError {
    match e {
        PrintError::Core(e) => e.into(),
        other => io_error(other.to_string()),
    }
}

fn spool_error(e: spool::SpoolError) -> IpcError {
    let code = match e {
        spool::SpoolError::UnknownPrinter(..) => "not_found",
        _ => "io",
    };
    IpcError {
        code,
        message: e.to_string(),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, spool::SpoolError> + Send + 'static,
) -> CmdResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| io_error(format!("打印系统调用失败：{e}")))?
        .map_err(spool_error)
}

/// Where previews and print jobs are written: a folder of the app in the temp dir.
fn scratch(name: &str) -> CmdResult<PathBuf> {
    let dir = std::env::temp_dir().join("wenzheng-print");
    std::fs::create_dir_all(&dir)
        .map_err(|e| io_error(format!("无法创建临时文件夹 {}：{e}", dir.display())))?;
    Ok(dir.join(name))
}

fn write(path: &Path, bytes: &[u8]) -> CmdResult<()> {
    std::fs::write(path, bytes)
        .map_err(|e| io_error(format!("无法写入文件 {}：{e}", path.display())))
}

/// A file name to suggest before the document exists.
fn suggested_name(doc: &DocRequest) -> String {
    match doc {
        DocRequest::Monthly { month } => format!("{month} 网络问政工作月报.pdf"),
        other => format!("{} {}.pdf", other.case().unwrap_or_default(), other.label()),
    }
}

/// Asks where to save; `None` when the clerk cancels.
async fn ask_save_path(
    app: &AppHandle,
    doc: &DocRequest,
    path: Option<String>,
) -> CmdResult<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let mut dialog = app
        .dialog()
        .file()
        .set_title("另存为 PDF")
        .add_filter("PDF 文件", &["pdf"]);
    // `path` only suggests the folder and name; the clerk confirms in the dialog.
    match path.map(PathBuf::from) {
        Some(p) => {
            if let Some(dir) = p.parent().filter(|d| d.is_dir()) {
                dialog = dialog.set_directory(dir);
            }
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| suggested_name(doc));
            dialog = dialog.set_file_name(name);
        }
        None => {
            if let Some(dir) = dirs::document_dir() {
                dialog = dialog.set_directory(dir);
            }
            dialog = dialog.set_file_name(suggested_name(doc));
        }
    }
    dialog.save_file(move |chosen| {
        let _ = tx.send(chosen);
    });
    let chosen = rx
        .await
        .map_err(|_| io_error("保存对话框意外关闭".into()))?;
    match chosen {
        None => Ok(None),
        Some(p) => p
            .into_path()
            .map(|mut p| {
                if p.extension().is_none() {
                    p.set_extension("pdf");
                }
                Some(p)
            })
            .map_err(|e| io_error(format!("无法使用所选的位置：{e}"))),
    }
}

/// The printers of this PC (default first choice) and the fonts that will print.
#[tauri::command]
pub async fn list_printers(
    state: State<'_, AppState>,
    print: State<'_, PrintState>,
) -> CmdResult<PrintSetup> {
    state.ctx()?;
    let fonts = print.printer().await?.fonts().choices();
    let (printers, error) = match blocking(spool::printers).await {
        Ok(list) => (list, None),
        Err(e) => (Vec::new(), Some(e.message)),
    };
    let default = tokio::task::spawn_blocking(spool::default_printer)
        .await
        .ok()
        .flatten()
        .filter(|d| printers.contains(d));
    Ok(PrintSetup {
        printers,
        default,
        error,
        fonts,
    })
}

/// Produces the document `doc` and previews, saves or prints it. Saved or printed, a case
/// document takes the next 文号 (logged on the case's timeline); printing also logs the
/// printer and job there. A preview shows the next number marked （预览） and uses up none,
/// nor does a wrong printer or a cancelled save dialog.
#[tauri::command]
pub async fn output_document(
    app: AppHandle,
    state: State<'_, AppState>,
    print: State<'_, PrintState>,
    doc: DocRequest,
    mode: Mode,
    printer: Option<String>,
    path: Option<String>,
) -> CmdResult<OutputResult> {
    let ctx = state.ctx()?;
    let fonts = print.printer().await?;
    // Check what can fail before a number is used up.
    let printer = match mode {
        Mode::Print => {
            let name = printer
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .ok_or_else(|| IpcError {
                    code: "invalid",
                    message: "请选择打印机".into(),
                })?;
            let check = name.clone();
            blocking(move || spool::ensure_printer(&check)).await?;
            Some(name)
        }
        _ => None,
    };
    let mut result = OutputResult {
        mode,
        cancelled: false,
        file: None,
        kind: doc.code(),
        label: doc.label(),
        case: None,
        number: None,
        feedback_seq: None,
        pages: 0,
        printer: printer.clone(),
        job: None,
        rare_faces: Vec::new(),
        missing_chars: Vec::new(),
    };
    let target = match mode {
        Mode::Save => match ask_save_path(&app, &doc, path).await? {
            Some(p) => Some(p),
            None => {
                result.cancelled = true;
                return Ok(result);
            }
        },
        _ => None,
    };
    // A preview uses up no number: it shows the next one, marked （预览）.
    let numbering = match mode {
        Mode::Preview => Numbering::Draft,
        _ => Numbering::Issue,
    };
    let produced = fonts
        .produce(&state.service, &ctx, &doc, numbering)
        .await
        .map_err(print_error)?;
    let file = match target {
        Some(p) => p,
        None => scratch(&produced.file_name())?,
    };
    write(&file, &produced.rendered.pdf)?;
    match mode {
        Mode::Preview => app
            .opener()
            .open_path(file.to_string_lossy(), None::<&str>)
            .map_err(|e| io_error(format!("无法打开 PDF 阅读器：{e}")))?,
        Mode::Print => {
            let name = printer.clone().unwrap_or_default();
            let (spool_file, title) = (file.clone(), produced.job_title());
            let job = blocking(move || spool::send(&name, &spool_file, &title)).await?;
            if let (Some(case), Some(number)) = (&produced.case, &produced.number) {
                state
                    .service
                    .record_print(&ctx, case, number, printer.as_deref().unwrap_or(""), &job)
                    .await?;
            }
            result.job = Some(job);
        }
        Mode::Save => {}
    }
    result.file = Some(file.display().to_string());
    result.case = produced.case;
    result.number = produced.number;
    result.feedback_seq = produced.feedback_seq;
    result.pages = produced.rendered.pages;
    result.rare_faces = produced.rendered.rare_faces;
    result.missing_chars = produced
        .rendered
        .missing
        .iter()
        .map(char::to_string)
        .collect();
    Ok(result)
}
