//! Sending a PDF to a printer through the system's print spooler: CUPS (`lpstat`, `lp`)
//! on Linux (Debian, UOS, Kylin). On Windows the app hands the PDF to the system viewer,
//! whose print dialog chooses the printer; this module then reports that it cannot print.

use std::path::Path;
use std::process::Command;

/// Why printing failed, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// No CUPS client on this PC.
    #[error("找不到打印系统（CUPS 的 lp、lpstat 命令），请安装 cups-client 或用 PDF 阅读器打印")]
    NoSpooler,
    /// The printer name is not known to the spooler.
    #[error("打印机“{0}”不存在，可用的打印机：{1}")]
    UnknownPrinter(String, String),
    /// The spooler refused the job.
    #[error("打印失败：{0}")]
    Refused(String),
}

fn run(cmd: &mut Command) -> Result<std::process::Output, SpoolError> {
    cmd.env("LC_ALL", "C")
        .output()
        .map_err(|_| SpoolError::NoSpooler)
}

/// The printers (CUPS destinations) this PC can print to.
pub fn printers() -> Result<Vec<String>, SpoolError> {
    let out = run(Command::new("lpstat").arg("-e"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        // No printers configured is an empty list, not an error.
        if err.contains("No destinations") {
            return Ok(Vec::new());
        }
        return Err(SpoolError::Refused(err));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect())
}

/// Refuses a printer name the spooler does not know, naming the ones it does.
pub fn ensure_printer(printer: &str) -> Result<(), SpoolError> {
    let known = printers()?;
    if !known.iter().any(|p| p == printer) {
        let list = if known.is_empty() {
            "（本机没有配置打印机）".to_string()
        } else {
            known.join("、")
        };
        return Err(SpoolError::UnknownPrinter(printer.to_string(), list));
    }
    Ok(())
}

/// Sends `file` to `printer` with the job title `title`; returns the spooler's job id
/// (e.g. `WZPDF-12`).
pub fn send(printer: &str, file: &Path, title: &str) -> Result<String, SpoolError> {
    ensure_printer(printer)?;
    let out = run(Command::new("lp")
        .args(["-d", printer, "-t", title, "--"])
        .arg(file))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(SpoolError::Refused(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    // "request id is WZPDF-12 (1 file(s))"
    stdout
        .split_whitespace()
        .skip_while(|w| *w != "is")
        .nth(1)
        .map(str::to_string)
        .ok_or_else(|| SpoolError::Refused(format!("无法识别打印系统的回答：{stdout}")))
}
