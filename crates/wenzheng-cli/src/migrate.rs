//! `wenzheng migrate --from FILE --to postgres://…`: moves an office from its SQLite file to
//! a PostgreSQL server (the copying and checking are the core's `migrate_to_server`).

use std::path::PathBuf;

use clap::Args;
use wenzheng_core::db::{redact, Location};
use wenzheng_core::service::MigrateReport;
use wenzheng_core::{Error, Result, Service};

use crate::output::Out;

/// `wenzheng migrate …`
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// 源：单机数据库文件（只读取，不修改）
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// 目标：服务器上的空数据库，postgres://用户:密码@服务器:端口/库名[?sslmode=…]
    #[arg(long, value_name = "URL")]
    pub to: String,
}

/// Migrates and prints the summary; a copy that does not verify exits 4.
pub async fn run(out: &Out, args: &MigrateArgs) -> Result<()> {
    let to = Location::parse(&args.to);
    if !matches!(to, Location::Server(_)) {
        return Err(Error::Invalid(format!(
            "--to 必须是数据库服务器地址（postgres://…），而不是“{}”",
            args.to
        )));
    }
    let report = Service::migrate_to_server(&args.from, &to).await?;
    out.emit(&report, || text(&report))?;
    if report.ok {
        Ok(())
    } else {
        Err(Error::Corrupt(format!(
            "迁移后的核对发现 {} 处问题，请不要使用目标数据库：{}",
            report.problems.len(),
            redact(&args.to)
        )))
    }
}

fn text(r: &MigrateReport) -> String {
    let rows = |name: &str| {
        r.tables
            .iter()
            .find(|t| t.table == name)
            .map_or(0, |t| t.target_rows)
    };
    let mut s = format!(
        "已把 {} 迁移到 {}\n案件 {} 件，历史记录 {} 条，附件 {} 个（不同内容 {} 份），用户 {} 个，承办单位 {} 个\n",
        r.source,
        r.target,
        rows("cases"),
        rows("events"),
        rows("attachments"),
        r.attachments,
        rows("users"),
        rows("units"),
    );
    let same = r.tables.iter().chain(&r.derived).filter(|t| t.same).count();
    s.push_str(&format!(
        "核对：{} 张表的行数与内容一致（共 {} 张，含触发器重建的 {} 张派生表）；历史记录校验链 {} 条{}\n",
        same,
        r.tables.len() + r.derived.len(),
        r.derived.len(),
        r.events_checked,
        if r.ok { "完好" } else { "" }
    ));
    if r.ok {
        s.push_str("迁移完成。请把每台电脑的数据库设置改为服务器地址（见 docs/install.md），源文件可留作备份。\n");
    } else {
        for p in &r.problems {
            s.push_str(&format!("问题：{p}\n"));
        }
    }
    s
}
