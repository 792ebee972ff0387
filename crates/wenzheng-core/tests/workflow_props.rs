//! Property: any sequence of workflow commands, legal or not, keeps a case in a consistent
//! state, and every refused command leaves the database byte for byte as it was (on
//! PostgreSQL: row for row).

mod common;

use chrono::Duration;
use common::{at, dump, fresh};
use proptest::prelude::*;
use wenzheng_core::service::{Assignment, NewCase};
use wenzheng_core::{Ctx, Service};

const UNITS: [&str; 4] = ["甲办", "乙办", "丙办", "不存在的单位"];

#[derive(Debug, Clone)]
enum Cmd {
    Ack,
    Instruct(bool),
    Assign(Vec<usize>, Option<usize>),
    Return(usize),
    Urge(usize, u8),
    Progress(usize),
    Extend(u32),
    Reply(bool, bool),
    Feedback,
    Close(bool),
    Archive,
    Reopen,
    FollowUp(u8),
}

fn cmd() -> impl Strategy<Value = Cmd> {
    let unit = 0..UNITS.len();
    prop_oneof![
        3 => Just(Cmd::Ack),
        1 => any::<bool>().prop_map(Cmd::Instruct),
        3 => (prop::collection::vec(0..UNITS.len(), 0..3), prop::option::of(0..UNITS.len()))
            .prop_map(|(u, l)| Cmd::Assign(u, l)),
        1 => unit.clone().prop_map(Cmd::Return),
        1 => (unit.clone(), 0u8..4).prop_map(|(u, l)| Cmd::Urge(u, l)),
        2 => unit.prop_map(Cmd::Progress),
        1 => (0u32..35).prop_map(Cmd::Extend),
        2 => (any::<bool>(), any::<bool>()).prop_map(|(f, t)| Cmd::Reply(f, t)),
        1 => Just(Cmd::Feedback),
        2 => any::<bool>().prop_map(Cmd::Close),
        1 => Just(Cmd::Archive),
        1 => Just(Cmd::Reopen),
        1 => (0u8..4).prop_map(Cmd::FollowUp),
    ]
}

async fn apply(svc: &Service, ctx: &Ctx, cmd: &Cmd) -> wenzheng_core::Result<()> {
    let id = "1";
    let text = |ok: bool| if ok { "内容" } else { "  " };
    match cmd {
        Cmd::Ack => svc.acknowledge(ctx, id, None).await,
        Cmd::Instruct(ok) => svc.instruct(ctx, id, "镇长", text(*ok)).await,
        Cmd::Assign(units, lead) => {
            let a = Assignment {
                units: units.iter().map(|&u| UNITS[u].to_string()).collect(),
                lead: lead.map(|l| UNITS[l].to_string()),
                requirements: None,
            };
            svc.assign(ctx, id, a).await
        }
        Cmd::Return(u) => svc.return_unit(ctx, id, UNITS[*u], "不属本单位职责").await,
        Cmd::Urge(u, l) => {
            let level = ["普通", "黄牌", "红牌", "紫牌"][*l as usize];
            svc.urge(ctx, id, UNITS[*u], Some(level), None).await
        }
        Cmd::Progress(u) => svc.report_progress(ctx, id, UNITS[*u], "正在办理").await,
        Cmd::Extend(d) => svc.extend(ctx, id, *d, "需要协调").await,
        Cmd::Reply(is_final, ok) => svc.reply(ctx, id, text(*ok), *is_final, None).await,
        Cmd::Feedback => svc.feedback(ctx, id).await,
        Cmd::Close(ok) => svc.close(ctx, id, text(*ok)).await,
        Cmd::Archive => svc.archive(ctx, id).await,
        Cmd::Reopen => svc.reopen(ctx, id, "网民不满意").await,
        Cmd::FollowUp(r) => {
            let result = ["满意", "基本满意", "不满意", "很生气"][*r as usize];
            svc.follow_up(ctx, id, result, None).await
        }
    }
    .map(|_| ())
}

/// The database file and its log, byte for byte (`None` on a server, where only the rows
/// are compared).
fn files(svc: &Service) -> Option<(Vec<u8>, Vec<u8>)> {
    let path = svc.db().file()?;
    let wal = path.with_extension("db-wal");
    Some((
        std::fs::read(path).unwrap(),
        std::fs::read(wal).unwrap_or_default(),
    ))
}

async fn check_invariants(svc: &Service, ctx: &Ctx) {
    let c = svc.case_detail(ctx, "1").await.unwrap();
    let v = &c.case;
    let leads = v.units.iter().filter(|u| u.role == "lead").count();
    match v.status.as_str() {
        "pending" => assert!(v.acknowledged_at.is_none() && v.units.is_empty()),
        "acknowledged" => assert!(v.acknowledged_at.is_some() && v.units.is_empty(), "{v:?}"),
        "assigned" | "in_progress" => {
            assert!(v.acknowledged_at.is_some());
            assert_eq!(leads, 1, "an assigned case has exactly one lead: {v:?}");
        }
        "replied" => assert!(v.replied_at.is_some() && v.closed_at.is_none()),
        "closed" => assert!(v.closed_at.is_some() && v.result.is_some()),
        "archived" => assert!(v.archived_at.is_some() && v.closed_at.is_some()),
        other => panic!("unknown status {other}"),
    }
    assert!(leads <= 1);
    let base = if v.complexity == "complex" || v.units.len() >= 2 {
        15
    } else {
        7
    };
    assert_eq!(v.working_days, base + v.extension_days);
    // One event per successful change, and the version counts them.
    assert_eq!(c.events.len() as i64, v.version);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn random_workflows_stay_consistent(cmds in prop::collection::vec(cmd(), 1..30)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let (_dir, svc) = fresh().await;
            let mut ctx = Ctx { actor: svc.actor(None).await.unwrap(), now: at("2026-02-10 09:00") };
            for u in &UNITS[..3] {
                svc.add_unit(&ctx, u).await.unwrap();
            }
            svc.register(&ctx, NewCase { title: "路灯".into(), content: "坏了".into(), ..Default::default() })
                .await
                .unwrap();
            for cmd in &cmds {
                ctx.now += Duration::hours(5);
                let rows = dump(&svc).await;
                let bytes = files(&svc);
                match apply(&svc, &ctx, cmd).await {
                    Ok(()) => {}
                    Err(e) => {
                        assert!(e.is_refusal(), "{cmd:?} failed instead of being refused: {e}");
                        assert!(!e.to_string().is_empty());
                        assert_eq!(dump(&svc).await, rows, "{cmd:?} was refused but changed rows");
                        assert!(files(&svc) == bytes, "{cmd:?} was refused but changed the file");
                    }
                }
                check_invariants(&svc, &ctx).await;
            }
        });
    }
}
