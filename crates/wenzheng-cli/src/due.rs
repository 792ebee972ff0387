//! `wenzheng due`: what the desktop app's deadline watch would notify at `--now` (nothing is
//! recorded, so the app still raises it), and the thresholds of the reminders.

use clap::{Args, Subcommand};
use wenzheng_core::due::Thresholds;
use wenzheng_core::service::notify::ThresholdsPatch;
use wenzheng_core::{Ctx, Error, Result, Service};

use crate::output::Out;

/// `wenzheng due [settings …]`
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DueArgs {
    /// 不带子命令时列出提醒
    #[command(subcommand)]
    pub command: Option<DueCommand>,
}

/// `wenzheng due settings`
#[derive(Debug, Subcommand)]
pub enum DueCommand {
    /// 查看或修改（管理员）到期提醒设置
    Settings {
        /// 受理期限前多少小时提醒（1–24，默认 4）
        #[arg(long)]
        ack_hours: Option<u32>,
        /// 答复期限前多少个工作日提醒（0–5，默认 1）
        #[arg(long)]
        reply_days: Option<u32>,
        /// 催办达到多少次时提醒（0 为不提醒，默认 3）
        #[arg(long)]
        urge_limit: Option<u32>,
        /// 一次超过多少条新提醒时合并为一条桌面通知（1–50，默认 5）
        #[arg(long)]
        flood_limit: Option<u32>,
    },
}

fn json<T: serde::Serialize>(value: &T) -> Result<()> {
    let s = serde_json::to_string_pretty(value)
        .map_err(|e| Error::Corrupt(format!("无法输出 JSON：{e}")))?;
    println!("{s}");
    Ok(())
}

fn print_thresholds(out: &Out, t: &Thresholds) -> Result<()> {
    if out.json {
        return json(t);
    }
    println!(
        "受理期限前 {} 小时提醒\n答复期限前 {} 个工作日提醒\n催办 {} 次提醒{}\n一次超过 {} 条新提醒时合并为一条桌面通知",
        t.ack_hours,
        t.reply_working_days,
        t.urge_limit,
        if t.urge_limit == 0 {
            "（已关闭）"
        } else {
            ""
        },
        t.flood_limit
    );
    Ok(())
}

/// Runs `wenzheng due …`.
pub async fn run(svc: &Service, ctx: &Ctx, out: &Out, args: DueArgs) -> Result<()> {
    match args.command {
        Some(DueCommand::Settings {
            ack_hours,
            reply_days,
            urge_limit,
            flood_limit,
        }) => {
            let patch = ThresholdsPatch {
                ack_hours,
                reply_working_days: reply_days,
                urge_limit,
                flood_limit,
            };
            let t = if ack_hours.is_some()
                || reply_days.is_some()
                || urge_limit.is_some()
                || flood_limit.is_some()
            {
                svc.set_notify_settings(ctx, patch).await?
            } else {
                svc.notify_settings().await?
            };
            print_thresholds(out, &t)
        }
        None => {
            let report = svc.due_report(ctx).await?;
            if out.json {
                return json(&report);
            }
            let c = report.counts;
            println!(
                "今日到期 {} 件，已超期 {} 件，待受理 {} 件",
                c.due_today, c.overdue, c.pending
            );
            if report.notices.is_empty() {
                println!("此刻没有需要发出的提醒");
            }
            for n in &report.notices {
                println!("· {}", n.summary);
                for line in n.body.lines() {
                    println!("    {line}");
                }
            }
            Ok(())
        }
    }
}
