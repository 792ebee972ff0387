//! `wenzheng report …`, `wenzheng export …` and `wenzheng import …`: the monthly figures
//! and assessment, the register and Open311 exports, and the import of cases.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde::Serialize;
use wenzheng_core::report::assess::SCORED;
use wenzheng_core::report::export::{
    write_register_csv_with, write_register_xlsx_with, write_report_xlsx,
};
use wenzheng_core::report::privacy::Personal;
use wenzheng_core::report::{AssessmentRule, Period, Report};

/// What `export --open311` says: Open311 never carries the screen name or the phone.
const OPEN311_NOTE: &str = "本文件不含个人信息（网民昵称、联系电话均未导出）";
use wenzheng_core::service::ImportMode;
use wenzheng_core::{Ctx, Error, Result, Service};

use crate::output::Out;

/// `wenzheng report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 月报：某月（或任一时间段）的统计数字、承办单位情况与考核排名
    Monthly {
        #[command(flatten)]
        period: PeriodArgs,
        /// 同时导出 Excel 文件（每张表一个工作表）
        #[arg(long, value_name = "FILE")]
        xlsx: Option<PathBuf>,
    },
    /// 考核规则：显示现行规则；--set 从文件（或 - 即标准输入）读取 JSON 替换（管理员）
    Rule {
        /// 新规则的 JSON 文件（格式同显示的内容）；- 表示标准输入
        #[arg(long, value_name = "FILE")]
        set: Option<PathBuf>,
    },
}

/// The period of a report: a month, or a range of days.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct PeriodArgs {
    /// 月份，如 2026-02
    #[arg(long, conflicts_with_all = ["from", "to"])]
    month: Option<String>,
    /// 开始日期（含），如 2026-02-09；与 --to 一起使用
    #[arg(long, value_name = "YYYY-MM-DD", requires = "to")]
    from: Option<String>,
    /// 结束日期（含），如 2026-02-13
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from")]
    to: Option<String>,
}

impl PeriodArgs {
    fn period(&self) -> Result<Period> {
        match (&self.month, &self.from, &self.to) {
            (Some(m), _, _) => Period::month(m),
            (None, Some(from), Some(to)) => Period::days(from, to),
            _ => Err(Error::Invalid(
                "请用 --month 或 --from 与 --to 指定统计期间".into(),
            )),
        }
    }
}

/// `wenzheng export …`: exactly one of the formats, masked unless `--unmasked`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format.
    #[command(flatten)]
    pub format: ExportFormat,
    /// 导出完整的联系电话（仅限可查看个人信息的角色，记入办理记录）；Open311 从不含个人信息
    #[arg(long, conflicts_with = "open311")]
    pub unmasked: bool,
}

/// The format of `wenzheng export`.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ExportFormat {
    /// 案件台账（Excel）
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// 案件台账（CSV，UTF-8）
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Open311 GeoReport v2 格式的 JSON
    #[arg(long, value_name = "FILE")]
    pub open311: Option<PathBuf>,
}

/// `wenzheng import FILE`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Excel（.xlsx）或 CSV 文件
    pub file: PathBuf,
    /// 只导入正确的行，并报告有错误的行
    #[arg(long, conflicts_with = "preview")]
    pub valid_only: bool,
    /// 只检查，不导入
    #[arg(long)]
    pub preview: bool,
}

fn print_json<T: Serialize>(v: &T) {
    println!("{}", serde_json::to_string_pretty(v).unwrap_or_default());
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.2}%", v * 100.0))
}

fn report_text(r: &Report) -> String {
    let mut s = format!(
        "{} 至 {} 网络问政办理情况（截至 {}{}）\n",
        r.from,
        r.to,
        r.as_of,
        if r.provisional {
            "，期间未结束"
        } else {
            ""
        }
    );
    s.push_str(&format!(
        "收件 {} 件（重要 {}，敏感 {}，复杂 {}）；24小时内受理 {} 件，受理率 {}\n",
        r.received.total,
        r.received.important,
        r.received.sensitive,
        r.received.complex,
        r.acknowledged_in_24h,
        pct(r.ack_rate)
    ));
    s.push_str(&format!(
        "答复 {} 件，按期 {} 件，按期答复率 {}，平均用时 {} 个工作日\n",
        r.replied,
        r.replied_on_time,
        pct(r.on_time_rate),
        r.avg_reply_working_days
            .map_or("—".into(), |d| d.to_string())
    ));
    s.push_str(&format!(
        "应办结 {} 件，办结 {} 件，办结率 {}；答复率 {}；公开答复 {} 件\n",
        r.due,
        r.closed,
        pct(r.close_rate),
        pct(r.reply_rate),
        r.published
    ));
    s.push_str(&format!(
        "超期：截止时 {} 件，期内发生 {} 件；催办 {} 次（黄牌 {}，红牌 {}）；批示 {} 条，已落实 {} 条；延期 {} 次；重办 {} 次\n",
        r.overdue_now.len(),
        r.overdue_in_period.len(),
        r.urgings.total,
        r.urgings.yellow,
        r.urgings.red,
        r.instructions,
        r.instructions_done,
        r.extensions,
        r.reopened
    ));
    s.push_str(&format!(
        "回访 {} 次（满意 {}，基本满意 {}，不满意 {}），满意率 {}\n",
        r.satisfaction.total,
        r.satisfaction.satisfied,
        r.satisfaction.basic,
        r.satisfaction.unsatisfied,
        pct(r.satisfaction.rate)
    ));
    for o in &r.overdue_now {
        s.push_str(&format!(
            "  超期 {} {}（{}，期限 {}）\n",
            o.number, o.title, o.kind_name, o.reply_due
        ));
    }
    if !r.assessment.is_empty() {
        s.push_str("考核排名：\n");
        for a in &r.assessment {
            s.push_str(&format!(
                "  {}. {} {} 分（扣 {} 分）\n",
                a.rank, a.unit, a.score, a.deductions
            ));
        }
    }
    s
}

fn rule_text(rule: &AssessmentRule) -> String {
    let mut s = String::from("考核规则：\n");
    for i in &rule.indicators {
        let name = SCORED
            .iter()
            .find(|(k, _)| *k == i.key)
            .map_or(i.key.as_str(), |(_, n)| n);
        s.push_str(&format!(
            "  {name} {} 分（达到 {} 得满分，不高于 {} 不得分）\n",
            i.weight,
            pct(Some(i.full_at)),
            pct(Some(i.zero_at))
        ));
    }
    s.push_str(&format!(
        "  每张黄牌扣 {} 分，每张红牌扣 {} 分，截止时每件超期扣 {} 分\n",
        rule.yellow_deduction, rule.red_deduction, rule.overdue_deduction
    ));
    s
}

fn check_out(path: &Path) -> Result<()> {
    if path.as_os_str().is_empty() {
        return Err(Error::Invalid("输出文件不能为空".into()));
    }
    Ok(())
}

/// Runs `wenzheng report …`.
pub async fn report(svc: &Service, ctx: &Ctx, out: &Out, command: ReportCommand) -> Result<()> {
    match command {
        ReportCommand::Rule { set } => {
            let rule = match set {
                None => svc.assessment_rule(ctx).await?,
                Some(path) => {
                    let text = if path.as_os_str() == "-" {
                        std::io::read_to_string(std::io::stdin())?
                    } else {
                        tokio::fs::read_to_string(&path).await?
                    };
                    let rule: AssessmentRule = serde_json::from_str(&text)
                        .map_err(|e| Error::Invalid(format!("考核规则的 JSON 无法读取：{e}")))?;
                    svc.set_assessment_rule(ctx, rule).await?
                }
            };
            if out.json {
                print_json(&rule);
            } else {
                print!("{}", rule_text(&rule));
            }
            Ok(())
        }
        ReportCommand::Monthly { period, xlsx } => {
            let r = svc.report(ctx, period.period()?).await?;
            if let Some(path) = &xlsx {
                check_out(path)?;
                write_report_xlsx(&r, path)?;
            }
            if out.json {
                print_json(&r);
            } else {
                print!("{}", report_text(&r));
                if let Some(path) = &xlsx {
                    println!("已导出 Excel：{}", path.display());
                }
            }
            Ok(())
        }
    }
}

/// Runs `wenzheng export …`.
pub async fn export(svc: &Service, ctx: &Ctx, out: &Out, args: ExportArgs) -> Result<()> {
    let personal = if args.unmasked {
        Personal::Unmasked
    } else {
        Personal::Masked
    };
    let format = args.format;
    let (path, count, note) = if let Some(path) = format.open311 {
        check_out(&path)?;
        let requests = svc.open311_requests(ctx).await?;
        let text = serde_json::to_string_pretty(&requests)
            .map_err(|e| Error::Io(std::io::Error::other(e)))?;
        tokio::fs::write(&path, text).await?;
        (path, requests.len(), OPEN311_NOTE)
    } else {
        let (path, csv) = match (format.xlsx, format.csv) {
            (Some(p), _) => (p, false),
            (None, Some(p)) => (p, true),
            (None, None) => unreachable!("clap requires one format"),
        };
        check_out(&path)?;
        let rows = svc.register_export(ctx, personal).await?;
        if csv {
            write_register_csv_with(&rows, &path, personal)?;
        } else {
            write_register_xlsx_with(&rows, &path, personal)?;
        }
        (path, rows.len(), personal.note())
    };
    if out.json {
        print_json(&serde_json::json!({
            "file": path.display().to_string(),
            "cases": count,
            "personal_data": personal.contains_personal_data(),
            "note": note,
        }));
    } else {
        println!("已导出 {count} 件案件到 {}（{note}）", path.display());
    }
    Ok(())
}

/// Runs `wenzheng import FILE`.
pub async fn import(svc: &Service, ctx: &Ctx, out: &Out, args: ImportArgs) -> Result<()> {
    let mode = if args.preview {
        ImportMode::Preview
    } else if args.valid_only {
        ImportMode::ValidOnly
    } else {
        ImportMode::AllOrNothing
    };
    let r = svc.import_cases(ctx, &args.file, mode).await?;
    if out.json {
        print_json(&r);
        return Ok(());
    }
    let verb = if r.written { "已导入" } else { "可导入" };
    println!(
        "{}：共 {} 行，{verb} {} 件，重复跳过 {} 行，错误 {} 行",
        r.file,
        r.rows,
        r.imported.len(),
        r.duplicates.len(),
        r.errors.len()
    );
    for i in &r.imported {
        println!(
            "  第 {} 行 {} {}",
            i.row,
            i.number.as_deref().unwrap_or("（预览）"),
            i.title
        );
    }
    for d in &r.duplicates {
        println!("  第 {} 行已登记过（{}），跳过", d.row, d.existing);
    }
    for e in &r.errors {
        println!("  第 {} 行错误：{}", e.row, e.message);
    }
    Ok(())
}
