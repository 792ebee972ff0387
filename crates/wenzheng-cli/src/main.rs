//! `wenzheng`: the command-line face of 网络问政办理系统, over the same services as the
//! desktop app. Exit codes: 0 done, 1 failed, 2 bad usage, 3 refused (nothing written),
//! 4 the database or its history is damaged (`verify` found problems), 5 the case changed
//! since the version given with `--expect-version` (nothing written).

mod admin;
mod args;
mod database;
mod demo;
mod dossier;
mod due;
mod migrate;
mod output;
mod print;
mod report;
mod run;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = args::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::from(match e {
                // 6: the database server cannot be reached or refused the connection.
                wenzheng_core::Error::Unavailable(_) => 6,
                _ if e.is_refusal() => 3,
                wenzheng_core::Error::Conflict(_) => 5,
                wenzheng_core::Error::Corrupt(_) => 4,
                _ => 1,
            })
        }
    }
}
