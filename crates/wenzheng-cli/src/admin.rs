//! The administrator's commands: users, verification.

use std::io::BufRead;

use wenzheng_core::service::{NewUser, UserChange};
use wenzheng_core::{Ctx, Error, Result, Service};

use crate::args::UserCommand;
use crate::output::Out;

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    if pw.is_empty() {
        return Err(Error::Invalid("没有从标准输入读到密码".into()));
    }
    Ok(pw)
}

/// `wenzheng user …`
pub async fn user(svc: &Service, ctx: &Ctx, out: &Out, command: UserCommand) -> Result<()> {
    match command {
        UserCommand::Add {
            login,
            name,
            role,
            unit,
            password_stdin,
        } => {
            let password = password_stdin.then(read_password).transpose()?;
            let input = NewUser {
                login,
                display_name: name,
                role,
                unit,
                password,
            };
            out.user(&svc.add_user(ctx, input).await?)
        }
        UserCommand::List => out.users(&svc.list_users(ctx).await?),
        UserCommand::Passwd { login } => {
            svc.set_password(ctx, &login, &read_password()?).await?;
            out.done(&format!("已设置用户 {login} 的密码"))
        }
        UserCommand::Role { login, role, unit } => out.user(
            &svc.change_user(ctx, &login, UserChange { role, unit })
                .await?,
        ),
        UserCommand::Disable { login } => {
            svc.set_user_active(ctx, &login, false).await?;
            out.done(&format!("已停用用户 {login}"))
        }
        UserCommand::Enable { login } => {
            svc.set_user_active(ctx, &login, true).await?;
            out.done(&format!("已启用用户 {login}"))
        }
    }
}

/// `wenzheng verify`: prints the report; problems are an [`Error::Corrupt`] (exit 4).
pub async fn verify(svc: &Service, out: &Out) -> Result<()> {
    let report = svc.verify().await?;
    out.verify(&report)?;
    if report.ok {
        Ok(())
    } else {
        Err(Error::Corrupt(format!(
            "发现 {} 处问题，请从备份恢复或联系管理员",
            report.problems.len()
        )))
    }
}
