//! `wenzheng print …`: the printed documents (GB/T 9704 PDFs) of a case, and the names
//! printed on them.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::json;
use wenzheng_core::service::documents::DocSettingsPatch;
use wenzheng_core::{Ctx, Error, Result, Service};
use wenzheng_print::{spool, DocRequest, FontOptions, Numbering, Printer};

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
    /// 月报（当月网络问政工作情况通报：数字、近12个月趋势图、各单位情况表、考核得分和排名）
    Monthly {
        /// 月份，如 2026-11
        #[arg(long)]
        month: String,
        /// 输出的 PDF 文件
        #[arg(long)]
        out: PathBuf,
        /// 生成后送到这台打印机打印
        #[arg(long)]
        printer: Option<String>,
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
    let (req, file, printer_name) = match command {
        PrintCommand::Feedback(t) => (DocRequest::Feedback { case: t.case }, t.out, t.printer),
        PrintCommand::Notice(t) => (DocRequest::Notice { case: t.case }, t.out, t.printer),
        PrintCommand::Urge(t) => (DocRequest::Urge { case: t.case }, t.out, t.printer),
        PrintCommand::Brief(t) => (DocRequest::Brief { case: t.case }, t.out, t.printer),
        PrintCommand::Monthly {
            month,
            out,
            printer,
        } => (DocRequest::Monthly { month }, out, printer),
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
    if file.as_os_str().is_empty() {
        return Err(Error::Invalid("输出文件不能为空".into()));
    }
    // Fonts and printer first: a PC without usable fonts, or a wrong printer name, fails
    // before a document number is used up.
    let printer = Printer::new(&FontOptions::default()).map_err(font_error)?;
    if let Some(name) = &printer_name {
        spool::ensure_printer(name).map_err(spool_error)?;
    }
    let doc = printer
        .produce(svc, ctx, &req, Numbering::Issue)
        .await
        .map_err(font_error)?;
    let rendered = &doc.rendered;
    tokio::fs::write(&file, &rendered.pdf).await?;
    let job = match &printer_name {
        Some(name) => {
            let job = spool::send(name, &file, &doc.job_title()).map_err(spool_error)?;
            if let (Some(case), Some(number)) = (&doc.case, &doc.number) {
                svc.record_print(ctx, case, number, name, &job).await?;
            }
            Some(job)
        }
        None => None,
    };
    let fonts = printer.fonts().choices();
    if out.json {
        let v = json!({
            "file": file.display().to_string(),
            "kind": doc.kind,
            "case": doc.case,
            "number": doc.number,
            "feedback_seq": doc.feedback_seq,
            "title": doc.title,
            "pages": rendered.pages,
            "bytes": rendered.pdf.len(),
            "fonts": fonts,
            "rare_faces": rendered.rare_faces,
            "printer": printer_name,
            "job": job,
            "missing_chars": rendered.missing.iter().map(char::to_string).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
    } else {
        let number = doc
            .number
            .as_deref()
            .map(|n| format!("，文号 {n}"))
            .unwrap_or_default();
        println!(
            "已生成{}：{}（{} 页{number}）",
            doc.label,
            file.display(),
            rendered.pages,
        );
        for f in fonts.iter().filter(|f| !f.official) {
            println!("字体：本机没有可嵌入的{}，以 {} 代替", f.wanted, f.used);
        }
        if !rendered.rare_faces.is_empty() {
            println!("生僻字以 {} 字体印出", rendered.rare_faces.join("、"));
        }
        if !rendered.missing.is_empty() {
            let chars: String = rendered.missing.iter().collect();
            println!("注意：以下字符没有可用字体，打印为方框：{chars}");
        }
        match (&printer_name, &job, &doc.case) {
            (Some(p), Some(j), Some(_)) => {
                println!("已送打印机 {p} 打印（任务 {j}），已记入案件时间线")
            }
            (Some(p), Some(j), None) => println!("已送打印机 {p} 打印（任务 {j}）"),
            _ => {}
        }
    }
    Ok(())
}
