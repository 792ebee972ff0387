//! `wenzheng seed-demo`: fills an empty database with synthetic cases for demonstrations
//! and benchmarks (see `docs/performance.md`).

use std::time::Instant;

use clap::Args;
use wenzheng_core::service::demo::DemoSummary;
use wenzheng_core::{Ctx, Result, Service};

use crate::output::Out;

/// `wenzheng seed-demo …`
#[derive(Debug, Args)]
pub struct SeedDemoArgs {
    /// 生成的案件数
    #[arg(long, default_value_t = 1000)]
    pub cases: u64,
    /// 随机种子：同一种子（与同一 --now）生成完全相同的数据
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Generates the demo data and prints what was written.
pub async fn run(svc: &Service, ctx: &Ctx, out: &Out, args: SeedDemoArgs) -> Result<()> {
    let started = Instant::now();
    let summary = svc.seed_demo(ctx, args.cases, args.seed).await?;
    let seconds = started.elapsed().as_secs_f64();
    out.emit(&summary, || text(&summary, seconds))
}

fn text(s: &DemoSummary, seconds: f64) -> String {
    let states: Vec<String> = s
        .by_status
        .iter()
        .map(|(code, n)| {
            let name = code
                .parse::<wenzheng_core::model::CaseStatus>()
                .map_or(code.as_str(), |st| st.label());
            format!("{name} {n}")
        })
        .collect();
    format!(
        "已生成演示数据：案件 {} 件，操作记录 {} 条，新增承办单位 {} 个（种子 {}，用时 {seconds:.1} 秒）\n收到时间：{} 至 {}\n状态：{}\n",
        s.cases,
        s.events,
        s.units,
        s.seed,
        s.first_received,
        s.last_received,
        states.join("，")
    )
}
