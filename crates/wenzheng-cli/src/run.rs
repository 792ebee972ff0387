//! Runs a parsed command against the services.

use wenzheng_core::clock::{self, parse_local};
use wenzheng_core::service::{Assignment, CaseRef, DayMode, ListFilter, NewCase};
use wenzheng_core::{db, Ctx, Result, Service};

use crate::admin;
use crate::args::{CalendarCommand, CaseArgs, CaseCommand, Cli, Command, UnitCommand};
use crate::output::Out;

/// Runs `cli`, printing its result.
pub async fn run(cli: Cli) -> Result<()> {
    let g = &cli.global;
    let now = match &g.now {
        Some(t) => parse_local(t)?,
        None => clock::now(),
    };
    let location = match &g.db {
        Some(text) => db::Location::parse(text),
        None => db::default_location(),
    };
    let out = Out { json: g.json };
    if let Command::Restore { file } = &cli.command {
        // The database may be damaged: restore works on the files, without opening it.
        let db::Location::File(path) = &location else {
            return Err(wenzheng_core::Error::Invalid(
                "恢复只适用于本机数据库文件；服务器数据库请由管理员在服务器上用 pg_dump 备份与恢复"
                    .into(),
            ));
        };
        return out.restore(&Service::restore(file, path, now).await?);
    }
    if let Command::Database(command) = &cli.command {
        // Works on the PC's choice (and the database it names), without opening it.
        return crate::database::run(&out, command, g.db.as_deref()).await;
    }
    if let Command::Migrate(args) = &cli.command {
        // Works on the two databases it names, not on --db.
        return crate::migrate::run(&out, args).await;
    }
    let svc = Service::connect(&location).await?;
    let result = async {
        let ctx = Ctx {
            actor: svc.actor(g.as_user.as_deref()).await?,
            now,
        };
        dispatch(&svc, &ctx, &out, cli.command).await
    }
    .await;
    svc.shutdown().await;
    result
}

async fn dispatch(svc: &Service, ctx: &Ctx, out: &Out, command: Command) -> Result<()> {
    match command {
        Command::Deadline { received, complex } => {
            out.deadline(&svc.deadline(parse_local(&received)?, complex).await?)
        }
        Command::Calendar(CalendarCommand::Show { year }) => {
            out.calendar_year(&svc.calendar_year(year).await?)
        }
        Command::Calendar(CalendarCommand::Import { file }) => {
            let text = tokio::fs::read_to_string(&file).await?;
            let source = format!("导入自 {}", file.display());
            out.calendar_year(&svc.import_calendar(ctx, &text, &source).await?)
        }
        Command::Calendar(CalendarCommand::SetDay {
            day,
            holiday,
            workday,
            official: _,
            note,
        }) => {
            let mode = match (holiday, workday) {
                (true, _) => DayMode::Holiday,
                (_, true) => DayMode::Workday,
                _ => DayMode::Official,
            };
            out.day_edit(
                &svc.set_calendar_day(ctx, &day, mode, note.as_deref())
                    .await?,
            )
        }
        Command::Unit(UnitCommand::Add { name }) => out.unit(&svc.add_unit(ctx, &name).await?),
        Command::Unit(UnitCommand::Rename { name, new_name }) => {
            let id = svc.unit_id(&name).await?;
            out.unit_changed(&svc.rename_unit(ctx, id, &new_name).await?)
        }
        Command::Unit(UnitCommand::Deactivate { name }) => {
            let id = svc.unit_id(&name).await?;
            out.unit_changed(&svc.set_unit_active(ctx, id, false).await?)
        }
        Command::Unit(UnitCommand::Activate { name }) => {
            let id = svc.unit_id(&name).await?;
            out.unit_changed(&svc.set_unit_active(ctx, id, true).await?)
        }
        Command::Unit(UnitCommand::List) => out.units(&svc.list_units().await?),
        Command::Case(c) => case(svc, ctx, out, c).await,
        Command::Print(p) => crate::print::run(svc, ctx, out, p).await,
        Command::User(c) => admin::user(svc, ctx, out, c).await,
        Command::Verify => admin::verify(svc, out).await,
        Command::Due(a) => crate::due::run(svc, ctx, out, a).await,
        Command::Backup { out: file } => out.backup(&svc.backup_to(ctx, &file).await?),
        Command::Report(c) => crate::report::report(svc, ctx, out, c).await,
        Command::Export(a) => crate::report::export(svc, ctx, out, a).await,
        Command::Import(a) => crate::report::import(svc, ctx, out, a).await,
        Command::Archive(a) => crate::dossier::archive(svc, ctx, out, a).await,
        Command::SeedDemo(a) => crate::demo::run(svc, ctx, out, a).await,
        #[cfg(feature = "encryption")]
        Command::Encrypt {
            key_env,
            remove_plaintext,
        } => {
            let source = if key_env {
                wenzheng_core::service::KeySource::Env
            } else {
                wenzheng_core::service::KeySource::Generate
            };
            out.encrypted(&svc.encrypt(ctx, source, remove_plaintext).await?)
        }
        Command::Restore { .. } | Command::Migrate(_) | Command::Database(_) => {
            unreachable!("restore, migrate and database run before the database is opened")
        }
    }
}

async fn case(svc: &Service, ctx: &Ctx, out: &Out, args: CaseArgs) -> Result<()> {
    let seen = args.expect_version;
    if seen.is_some() && !changes_case(&args.command) {
        return Err(wenzheng_core::Error::Invalid(
            "--expect-version 只用于修改案件的命令（如 ack、assign、reply、close、link、merge）"
                .into(),
        ));
    }
    let view = match args.command {
        CaseCommand::Add(f) => {
            let input = NewCase {
                title: f.title,
                content: f.content,
                received_at: f.received,
                category: f.category,
                source: f.source,
                link: f.link,
                poster: f.poster,
                phone: f.phone,
                important: f.important,
                sensitive: f.sensitive,
                complex: f.complex,
            };
            svc.register(ctx, input).await?
        }
        CaseCommand::Show { id } => return out.detail(&svc.case_detail(ctx, &id).await?),
        CaseCommand::List {
            status,
            overdue,
            unit,
            limit,
        } => {
            let filter = ListFilter {
                status,
                overdue,
                unit,
                limit,
            };
            return out.list(&svc.list_cases(ctx, &filter).await?);
        }
        CaseCommand::Ack { id, text } => {
            svc.acknowledge(ctx, CaseRef::at(&id, seen), text.as_deref())
                .await?
        }
        CaseCommand::Instruct { id, leader, text } => {
            svc.instruct(ctx, CaseRef::at(&id, seen), &leader, &text)
                .await?
        }
        CaseCommand::Assign {
            id,
            units,
            lead,
            requirement,
        } => {
            let a = Assignment {
                units,
                lead,
                requirements: requirement,
            };
            svc.assign(ctx, CaseRef::at(&id, seen), a).await?
        }
        CaseCommand::Return { id, unit, reason } => {
            svc.return_unit(ctx, CaseRef::at(&id, seen), &unit, &reason)
                .await?
        }
        CaseCommand::Urge {
            id,
            unit,
            level,
            text,
        } => {
            svc.urge(
                ctx,
                CaseRef::at(&id, seen),
                &unit,
                level.as_deref(),
                text.as_deref(),
            )
            .await?
        }
        CaseCommand::Progress { id, unit, text } => {
            svc.report_progress(ctx, CaseRef::at(&id, seen), &unit, &text)
                .await?
        }
        CaseCommand::Extend { id, days, reason } => {
            svc.extend(ctx, CaseRef::at(&id, seen), days, &reason)
                .await?
        }
        CaseCommand::Reply {
            id,
            text,
            is_final,
            published,
        } => {
            svc.reply(
                ctx,
                CaseRef::at(&id, seen),
                &text,
                is_final,
                published.as_deref(),
            )
            .await?
        }
        CaseCommand::Feedback { id } => svc.feedback(ctx, CaseRef::at(&id, seen)).await?,
        CaseCommand::Close { id, result } => {
            svc.close(ctx, CaseRef::at(&id, seen), &result).await?
        }
        CaseCommand::Archive { id } => svc.archive(ctx, CaseRef::at(&id, seen)).await?,
        CaseCommand::Reopen { id, reason } => {
            svc.reopen(ctx, CaseRef::at(&id, seen), &reason).await?
        }
        CaseCommand::Attach { id, file } => {
            let bytes = tokio::fs::read(&file).await?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let a = svc.attach(ctx, &id, &name, &bytes).await?;
            return out.attachment(&a, None);
        }
        CaseCommand::Attachment {
            attachment,
            out: file,
        } => {
            let (a, bytes) = svc.attachment(ctx, attachment).await?;
            tokio::fs::write(&file, bytes).await?;
            return out.attachment(&a, Some(&file));
        }
        CaseCommand::Followup { id, result, note } => {
            svc.follow_up(ctx, CaseRef::at(&id, seen), &result, note.as_deref())
                .await?
        }
        CaseCommand::Link { id, other, note } => {
            svc.link_cases(ctx, CaseRef::at(&id, seen), &other, note.as_deref())
                .await?
        }
        CaseCommand::Merge { id, into, reply } => {
            svc.merge_case(ctx, CaseRef::at(&id, seen), &into, reply.as_deref())
                .await?
        }
        CaseCommand::Reveal { id } => return out.phone(svc.reveal_phone(ctx, &id).await?),
    };
    out.case(&view)
}

/// Whether `command` changes a case (and so may carry `--expect-version`).
fn changes_case(command: &CaseCommand) -> bool {
    !matches!(
        command,
        CaseCommand::Add(_)
            | CaseCommand::Show { .. }
            | CaseCommand::List { .. }
            | CaseCommand::Attach { .. }
            | CaseCommand::Attachment { .. }
            | CaseCommand::Reveal { .. }
    )
}
