//! `wenzheng print dossier` (a closed case's 案卷 as PDF) and `wenzheng archive export`
//! (a year's archived cases: dossiers, attachments, register and manifest).

use std::path::{Path, PathBuf};

use clap::Subcommand;
use serde_json::json;
use wenzheng_core::{Ctx, Error, Result, Service};
use wenzheng_print::{dossier, FontOptions, PrintError, Printer};

use crate::output::Out;

/// `wenzheng archive …`
#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// 年度归档导出：该年归档的每件案件的案卷 PDF 与附件、该年的案件台账和清单（manifest.json，含每个文件的 SHA-256）
    Export {
        /// 年份，如 2026（按办结日期）
        #[arg(long)]
        year: i32,
        /// 输出文件夹（不存在或为空）
        #[arg(long)]
        out: PathBuf,
    },
}

fn print_error(e: PrintError) -> Error {
    match e {
        PrintError::Core(e) => e,
        PrintError::Io(e) => Error::Io(e),
        other => Error::Io(std::io::Error::other(other.to_string())),
    }
}

/// Writes the dossier of `case` to `path`.
pub async fn print_dossier(
    svc: &Service,
    ctx: &Ctx,
    out: &Out,
    case: &str,
    path: &Path,
) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(Error::Invalid("输出文件不能为空".into()));
    }
    let d = svc.case_dossier(ctx, case).await?;
    let printer = Printer::new(&FontOptions::default()).map_err(print_error)?;
    let (title, blocks) = dossier::blocks(&d, ctx.now.date_naive());
    let doc = printer.render_blocks(&title, &blocks);
    tokio::fs::write(path, &doc.pdf).await?;
    if out.json {
        let v = json!({
            "file": path.display().to_string(),
            "kind": "dossier",
            "case": d.detail.case.number,
            "pages": doc.pages,
            "bytes": doc.pdf.len(),
            "attachments": d.detail.attachments.len(),
            "missing_chars": doc.missing.iter().map(char::to_string).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!("已生成案卷：{}（{} 页）", path.display(), doc.pages);
    }
    Ok(())
}

/// Runs `wenzheng archive …`.
pub async fn archive(svc: &Service, ctx: &Ctx, out: &Out, command: ArchiveCommand) -> Result<()> {
    let ArchiveCommand::Export { year, out: dir } = command;
    if dir.as_os_str().is_empty() {
        return Err(Error::Invalid("输出文件夹不能为空".into()));
    }
    let printer = Printer::new(&FontOptions::default()).map_err(print_error)?;
    let m = dossier::export_year(svc, ctx, &printer, year, &dir)
        .await
        .map_err(print_error)?;
    if out.json {
        println!("{}", serde_json::to_string_pretty(&m).unwrap_or_default());
    } else {
        println!(
            "已导出 {year} 年归档案件 {} 件，共 {} 个文件，清单：{}",
            m.cases.len(),
            m.files.len(),
            dir.join("manifest.json").display()
        );
    }
    Ok(())
}
