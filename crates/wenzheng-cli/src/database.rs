//! `wenzheng database show | check | set | reset`: which database this PC uses (the choice
//! the desktop's 数据库 screen also writes; `wenzheng_core::db_choice`).

use clap::Subcommand;
use serde::Serialize;
use wenzheng_core::db::Location;
use wenzheng_core::db_choice::{self, Check, Setting, Source};
use wenzheng_core::Result;

use crate::output::Out;

/// `wenzheng database …`
#[derive(Debug, Subcommand)]
pub enum DatabaseCommand {
    /// 显示本机使用的数据库（密码不显示）及其来源：环境变量 WENZHENG_DB、已保存的设置或默认文件
    Show,
    /// 检查一个数据库能否使用（不做任何修改）：默认检查本机当前使用的数据库；连不上时退出码为 6
    Check {
        /// 数据库文件路径或 postgres://用户:密码@服务器:端口/库名[?sslmode=…]
        location: Option<String>,
    },
    /// 检查后保存为本机的数据库（桌面程序下次启动时和命令行工具使用它）
    Set {
        /// 数据库文件路径或 postgres://用户:密码@服务器:端口/库名[?sslmode=…]
        location: String,
    },
    /// 删除已保存的设置，改回默认的本机数据库文件
    Reset,
}

/// What `set` and `reset` print: the check (for `set`) and the setting now in force.
#[derive(Debug, Serialize)]
struct Saved {
    check: Option<Check>,
    setting: Setting,
}

/// Runs a `database` command; `global` is the `--db` / `$WENZHENG_DB` given, if any.
pub async fn run(out: &Out, command: &DatabaseCommand, global: Option<&str>) -> Result<()> {
    match command {
        DatabaseCommand::Show => {
            let s = db_choice::setting();
            out.emit(&s, || setting_text(&s))
        }
        DatabaseCommand::Check { location } => {
            let location = match location.as_deref().or(global) {
                Some(text) => Location::parse(text),
                None => db_choice::chosen().0,
            };
            let c = db_choice::check(&location).await?;
            out.emit(&c, || format!("{}：{}\n", c.location, c.summary))
        }
        DatabaseCommand::Set { location } => {
            let location = Location::parse(location);
            let check = db_choice::check(&location).await?;
            db_choice::save(&location)?;
            let saved = Saved {
                check: Some(check),
                setting: db_choice::setting(),
            };
            out.emit(&saved, || {
                let c = saved.check.as_ref().map_or("", |c| c.summary.as_str());
                format!(
                    "{c}\n已保存：本机今后使用 {}（设置文件 {}）\n{}",
                    saved.setting.location,
                    saved.setting.config_file,
                    env_note(&saved.setting)
                )
            })
        }
        DatabaseCommand::Reset => {
            let had = db_choice::forget()?;
            let saved = Saved {
                check: None,
                setting: db_choice::setting(),
            };
            out.emit(&saved, || {
                format!(
                    "{}本机今后使用默认数据库文件 {}\n{}",
                    if had {
                        "已删除保存的数据库设置。"
                    } else {
                        "没有保存的数据库设置。"
                    },
                    saved.setting.default_file,
                    env_note(&saved.setting)
                )
            })
        }
    }
}

fn setting_text(s: &Setting) -> String {
    let source = match s.source {
        Source::Env => "环境变量 WENZHENG_DB",
        Source::Saved => "已保存的设置",
        Source::Default => "默认",
    };
    let kind = if s.kind == "server" {
        "数据库服务器"
    } else {
        "本机数据库文件"
    };
    format!(
        "{kind}：{}\n来源：{source}（设置文件 {}）\n",
        s.location, s.config_file
    )
}

/// A reminder when `$WENZHENG_DB` overrides what was just saved.
fn env_note(s: &Setting) -> String {
    if s.source == Source::Env {
        format!(
            "注意：环境变量 WENZHENG_DB 已设置，它优先于保存的设置（现在使用 {}）\n",
            s.location
        )
    } else {
        String::new()
    }
}
