//! Sending a PDF to a printer through the system's print spooler: CUPS (`lpstat`, `lp`)
//! on Linux (Debian, UOS, Kylin). On Windows the printers come from PowerShell's
//! `Get-Printer`, and a PDF is printed by the program registered for PDF files through the
//! shell's `PrintTo` verb (the system print path; Windows then gives no job id).

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

// Compiled on Linux too when testing, so that its code is checked by every build.
#[cfg(any(windows, test))]
mod windows {
    //! The Windows print path, through PowerShell. File and printer names travel in
    //! environment variables, never inside the script text.
    // Off Windows only the tests reach this module; they check that it compiles.
    #![cfg_attr(not(windows), allow(dead_code))]
    use super::{run, SpoolError};
    use std::path::Path;
    use std::process::Command;

    fn powershell(script: &str) -> Command {
        let mut cmd = Command::new("powershell");
        cmd.args(["-NoProfile", "-NonInteractive", "-Command", script]);
        cmd
    }

    fn lines(out: &std::process::Output) -> Vec<String> {
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn printers() -> Result<Vec<String>, SpoolError> {
        let out = run(&mut powershell(
            "Get-Printer | Select-Object -ExpandProperty Name",
        ))?;
        if !out.status.success() {
            return Err(SpoolError::Refused(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        Ok(lines(&out))
    }

    pub fn default_printer() -> Option<String> {
        let out = run(&mut powershell(
            "(Get-CimInstance Win32_Printer -Filter 'Default=True').Name",
        ))
        .ok()?;
        lines(&out).into_iter().next()
    }

    /// The command that hands `file` to the PDF program's `PrintTo` verb for `printer`.
    pub fn print_to(printer: &str, file: &Path) -> Command {
        let mut cmd = powershell(
            "Start-Process -FilePath $env:WZ_FILE -Verb PrintTo -ArgumentList ('\"' + $env:WZ_PRINTER + '\"') -WindowStyle Hidden",
        );
        cmd.env("WZ_FILE", file).env("WZ_PRINTER", printer);
        cmd
    }

    pub fn send(printer: &str, file: &Path) -> Result<String, SpoolError> {
        let out = run(&mut print_to(printer, file))?;
        if !out.status.success() {
            return Err(SpoolError::Refused(
                String::from_utf8_lossy(&out.stderr).trim().to_string(),
            ));
        }
        Ok(format!("{printer}（系统打印）"))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn names_travel_outside_the_script() {
            let printer = "财务室 HP\"; Remove-Item C:\\";
            let cmd = print_to(printer, Path::new("C:\\临时\\反馈.pdf"));
            let args: Vec<String> = cmd
                .get_args()
                .map(|a| a.to_string_lossy().to_string())
                .collect();
            assert!(args.iter().all(|a| !a.contains("财务室")), "{args:?}");
            let envs: Vec<(String, String)> = cmd
                .get_envs()
                .filter_map(|(k, v)| {
                    Some((
                        k.to_string_lossy().to_string(),
                        v?.to_string_lossy().to_string(),
                    ))
                })
                .collect();
            assert!(
                envs.contains(&("WZ_PRINTER".into(), printer.into())),
                "{envs:?}"
            );
        }
    }
}

fn run(cmd: &mut Command) -> Result<std::process::Output, SpoolError> {
    cmd.env("LC_ALL", "C")
        .output()
        .map_err(|_| SpoolError::NoSpooler)
}

/// The printers (CUPS destinations) this PC can print to.
pub fn printers() -> Result<Vec<String>, SpoolError> {
    #[cfg(windows)]
    return windows::printers();
    #[cfg(not(windows))]
    cups_printers()
}

/// The system's default printer, if one is set.
pub fn default_printer() -> Option<String> {
    #[cfg(windows)]
    return windows::default_printer();
    #[cfg(not(windows))]
    {
        // "system default destination: WZPDF"
        let out = run(Command::new("lpstat").arg("-d")).ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|l| l.strip_prefix("system default destination:"))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
    }
}

#[cfg(not(windows))]
fn cups_printers() -> Result<Vec<String>, SpoolError> {
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
    #[cfg(windows)]
    {
        let _ = title;
        return windows::send(printer, file);
    }
    #[cfg(not(windows))]
    cups_send(printer, file, title)
}

#[cfg(not(windows))]
fn cups_send(printer: &str, file: &Path, title: &str) -> Result<String, SpoolError> {
    // PostScript queues (virtual PDF printers among them) get the PDF converted by
    // pdftocairo, which keeps the CJK text as real fonts: the default converter turns
    // the subset CID fonts into Type 3 glyphs, so a PDF printed to a file loses its text.
    let out = run(Command::new("lp")
        .args(["-d", printer, "-t", title])
        .args(["-o", "pdftops-renderer=pdftocairo", "--"])
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
