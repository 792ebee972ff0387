//! `wenzheng print …`: the printed documents (GB/T 9704 PDFs) of a case, and the names
//! printed on them.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use wenzheng_core::service::documents::{DocKind, DocSettingsPatch};
use wenzheng_core::{Ctx, Error, Result, Service};
use wenzheng_print::{spool, FontOptions, Printer};

use crate::output::Out;

/// `wenzheng print …`
#[derive(Debug, Subcommand)]
pub enum PrintCommand {
    /// 书面反馈（报县信访局、县委办督查室；最近一次 case feedback 的第N次）
    Feedback(Target),
    /// 交办通知单
    Notice(Target),
    /// 催办通知单（最近一次催办）
    Urge(Target),
    /// 信息专报（重要或敏感信息）
    Brief(Target),
    /// 月报（尚未提供）
    Monthly {
        /// 月份，如 2026-11
        #[arg(long)]
        month: String,
        /// 输出的 PDF 文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 案卷：已办结或已归档案件的全部材料（基本情况、办理过程、文书、附件清单），供归档
    Dossier {
        /// 案件 id 或编号
        #[arg(long = "case")]
        case: String,
        /// 输出的 PDF 文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 列出本机可用的打印机
    Printers,
    /// 查看或修改公文设置（发文机关、办公室名称、机关代字、主送）
    Settings {
        /// 发文机关
        #[arg(long)]
        organ: Option<String>,
        /// 网络问政办公室名称
        #[arg(long)]
        office: Option<String>,
        /// 机关代字（文号前缀，如 镇网政）
        #[arg(long)]
        code: Option<String>,
        /// 书面反馈主送
        #[arg(long)]
        feedback_to: Option<String>,
        /// 信息专报主送
        #[arg(long)]
        brief_to: Option<String>,
    },
}

/// The case and the output file of a document.
#[derive(Debug, clap::Args)]
pub struct Target {
    /// 案件 id 或编号
    #[arg(long = "case")]
    pub case: String,
    /// 输出的 PDF 文件
    #[arg(long)]
    pub out: PathBuf,
    /// 生成后送到这台打印机打印（打印机名称见 wenzheng print printers），并记入案件时间线
    #[arg(long)]
    pub printer: Option<String>,
}

fn spool_error(e: spool::SpoolError) -> Error {
    match e {
        spool::SpoolError::UnknownPrinter(..) => Error::NotFound(e.to_string()),
        other => Error::Io(std::io::Error::other(other.to_string())),
    }
}

fn font_error(e: wenzheng_print::PrintError) -> Error {
    match e {
        wenzheng_print::PrintError::Core(e) => e,
        wenzheng_print::PrintError::Io(e) => Error::Io(e),
        other => Error::Io(std::io::Error::other(other.to_string())),
    }
}

/// Runs `wenzheng print …`.
pub async fn run(svc: &Service, ctx: &Ctx, out: &Out, command: PrintCommand) -> Result<()> {
    let (kind, target) = match command {
        PrintCommand::Feedback(t) => (DocKind::Feedback, t),
        PrintCommand::Notice(t) => (DocKind::Notice, t),
        PrintCommand::Urge(t) => (DocKind::Urge, t),
        PrintCommand::Brief(t) => (DocKind::Brief, t),
        PrintCommand::Dossier { case, out: path } => {
            return crate::dossier::print_dossier(svc, ctx, out, &case, &path).await;
        }
        PrintCommand::Printers => {
            let list = spool::printers().map_err(spool_error)?;
            if out.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&list).unwrap_or_default()
                );
            } else if list.is_empty() {
                println!("本机没有配置打印机");
            } else {
                println!("{}", list.join("\n"));
            }
            return Ok(());
        }
        PrintCommand::Monthly { month, .. } => {
            return Err(Error::Invalid(format!(
                "暂不能打印 {month} 的月报：月报的统计数字（报表功能）尚未提供"
            )));
        }
        PrintCommand::Settings {
            organ,
            office,
            code,
            feedback_to,
            brief_to,
        } => {
            let patch = DocSettingsPatch {
                organ,
                office,
                code,
                feedback_to,
                brief_to,
            };
            let any = [
                &patch.organ,
                &patch.office,
                &patch.code,
                &patch.feedback_to,
                &patch.brief_to,
            ]
            .iter()
            .any(|v| v.is_some());
            let s = if any {
                svc.set_doc_settings(ctx, patch).await?
            } else {
                svc.doc_settings().await?
            };
            if out.json {
                println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
            } else {
                println!(
                    "发文机关：{}\n办公室：{}\n机关代字：{}\n书面反馈主送：{}\n信息专报主送：{}",
                    s.organ, s.office, s.code, s.feedback_to, s.brief_to
                );
            }
            return Ok(());
        }
    };
    if target.out.as_os_str().is_empty() {
        return Err(Error::Invalid("输出文件不能为空".into()));
    }
    // Fonts and printer first: a PC without usable fonts, or a wrong printer name, fails
    // before a document number is used up.
    let printer = Printer::new(&FontOptions::default()).map_err(font_error)?;
    if let Some(name) = &target.printer {
        spool::ensure_printer(name).map_err(spool_error)?;
    }
    let issued = svc.issue_document(ctx, &target.case, kind).await?;
    let detail = svc.case_detail(ctx, &target.case).await?;
    let doc = printer.render(&detail, &issued, ctx.now.date_naive());
    tokio::fs::write(&target.out, &doc.pdf).await?;
    let job = match &target.printer {
        Some(name) => {
            let title = format!("{} {}", issued.number, kind.label());
            let job = spool::send(name, &target.out, &title).map_err(spool_error)?;
            svc.record_print(ctx, &target.case, &issued.number, name, &job)
                .await?;
            Some(job)
        }
        None => None,
    };
    let fonts = printer.fonts().choices();
    if out.json {
        let v = json!({
            "file": target.out.display().to_string(),
            "kind": kind.code(),
            "case": issued.case_number,
            "number": issued.number,
            "feedback_seq": issued.feedback_seq,
            "pages": doc.pages,
            "bytes": doc.pdf.len(),
            "fonts": fonts,
            "printer": target.printer,
            "job": job,
            "missing_chars": doc.missing.iter().map(char::to_string).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        println!(
            "已生成{}：{}（{} 页，文号 {}）",
            kind.label(),
            target.out.display(),
            doc.pages,
            issued.number
        );
        for f in fonts.iter().filter(|f| !f.official) {
            println!("字体：本机没有可嵌入的{}，以 {} 代替", f.wanted, f.used);
        }
        if !doc.missing.is_empty() {
            let chars: String = doc.missing.iter().collect();
            println!("注意：以下字符没有可用字体，打印为方框：{chars}");
        }
        if let (Some(p), Some(j)) = (&target.printer, &job) {
            println!("已送打印机 {p} 打印（任务 {j}），已记入案件时间线");
        }
    }
    Ok(())
}
