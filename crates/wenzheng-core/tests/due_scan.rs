//! The due scan (`Service::due_report`) against a straightforward reference computed here:
//! every case, urging, active assignment, instruction and sent key read as plain rows, and
//! `due::decide` run over all the cases. The service reads only the cases that can give a
//! notice, counts through the indexes and looks up the sent keys of its notices only; the
//! two must agree exactly, counts and notices, at every moment of five weeks of office life
//! in which every kind of notice occurs: pending cases that become overdue, cases with
//! several units, a returned assignment, urgings up to and beyond the limit, extensions,
//! instructions in the last 24 hours (also on a replied case), replied and archived cases,
//! notices recorded as sent (as the watch does) and not, thresholds changed and a day of
//! the calendar edited. Real database (SQLite file, or PostgreSQL: see `common`).

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset};
use common::{at, fresh};
use wenzheng_core::clock::{format_instant, parse_stored, parse_stored_date};
use wenzheng_core::due::{self, DueCase, DueCounts, Instruction, Notice};
use wenzheng_core::service::notify::ThresholdsPatch;
use wenzheng_core::service::{Assignment, DayMode, NewCase};
use wenzheng_core::{Ctx, Service};

const UNITS: [&str; 4] = ["镇城建办", "镇农业农村办", "镇交通办", "镇司法所"];

/// What happens at a moment of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    /// Register case `i`.
    Register(usize),
    /// Step `n` of case `i`'s plan.
    Step(usize, usize),
    /// Compare the service with the reference; record what it raised when `true`.
    Check(bool),
    /// Lower the urging limit to 2 and look 3 working days ahead.
    Thresholds,
    /// Make a weekday in the coming reply window a day off.
    DayOff,
}

/// The steps of case `i` (hours after its registration, what): eight kinds of history.
fn plan(i: usize) -> Vec<(i64, &'static str)> {
    match i % 8 {
        // Never acknowledged.
        0 => vec![],
        // Acknowledged, never assigned.
        1 => vec![(2, "ack")],
        // One unit, urged three times.
        2 => vec![
            (1, "ack"),
            (3, "assign1"),
            (50, "urge"),
            (74, "urge"),
            (98, "urge"),
            (99, "progress"),
        ],
        // Two units (lead and assist), urged twice, a leader's instruction.
        3 => vec![
            (2, "ack"),
            (3, "assign2"),
            (26, "instruct"),
            (60, "urge"),
            (90, "urge"),
        ],
        // Three units, one returned, urged four times.
        4 => vec![
            (1, "ack"),
            (2, "assign3"),
            (24, "return"),
            (48, "urge"),
            (72, "urge"),
            (96, "urge"),
            (120, "urge"),
        ],
        // Replied, then an instruction on the replied case.
        5 => vec![
            (1, "ack"),
            (2, "assign1"),
            (40, "instruct"),
            (70, "reply"),
            (80, "instruct"),
        ],
        // Replied, closed and archived after an instruction.
        6 => vec![
            (1, "ack"),
            (2, "assign2"),
            (20, "instruct"),
            (30, "reply"),
            (31, "close"),
            (32, "archive"),
        ],
        // Acknowledged late, two units, extended, urged once.
        _ => vec![(30, "ack"), (31, "assign2"), (60, "extend"), (70, "urge")],
    }
}

async fn run_step(svc: &Service, ctx: &Ctx, number: &str, what: &str, i: usize) {
    let assign = |units: &[&str]| Assignment {
        units: units.iter().map(|u| u.to_string()).collect(),
        // The lead is not always the first one assigned: the units are listed lead first.
        lead: Some(units[units.len() / 2].to_string()),
        requirements: None,
    };
    let lead = UNITS[i % UNITS.len()];
    let second = UNITS[(i + 1) % UNITS.len()];
    let third = UNITS[(i + 2) % UNITS.len()];
    let done = match what {
        "ack" => svc.acknowledge(ctx, number, None).await,
        "assign1" => svc.assign(ctx, number, assign(&[lead])).await,
        "assign2" => svc.assign(ctx, number, assign(&[second, lead])).await,
        "assign3" => {
            svc.assign(ctx, number, assign(&[third, lead, second]))
                .await
        }
        "return" => {
            svc.return_unit(ctx, number, third, "不属于本单位职责")
                .await
        }
        "urge" => svc.urge(ctx, number, lead, Some("黄牌"), None).await,
        "progress" => svc.report_progress(ctx, number, lead, "已到现场").await,
        "instruct" => {
            svc.instruct(ctx, number, "张镇长", "请尽快办理并报告结果")
                .await
        }
        "reply" => svc.reply(ctx, number, "已办理完毕。", true, None).await,
        "close" => svc.close(ctx, number, "已解决").await,
        "archive" => svc.archive(ctx, number).await,
        "extend" => svc.extend(ctx, number, 5, "需协调多个部门").await,
        other => unreachable!("{other}"),
    };
    done.unwrap_or_else(|e| panic!("{number} {what}: {e}"));
}

/// The report computed the plain way: everything read, `due::decide` over all the cases;
/// and the kinds of the notices it left out because they were sent.
async fn reference(
    svc: &Service,
    now: DateTime<FixedOffset>,
) -> (DueCounts, Vec<Notice>, Vec<&'static str>) {
    let pool = svc.db().pool();
    let rows: Vec<(i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, number, title, status, ack_due, reply_due FROM cases ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let urged: Vec<i64> = sqlx::query_scalar("SELECT case_id FROM urgings")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut active: Vec<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT a.case_id, a.role, u.name, a.id FROM assignments a
         JOIN units u ON u.id = a.unit_id WHERE a.returned_at IS NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    // The lead unit first, then the assisting ones in the order they were assigned.
    active.sort_by_key(|(case, role, _, id)| (*case, role == "assist", *id));
    let mut units: HashMap<i64, Vec<String>> = HashMap::new();
    for (case, _, name, _) in active {
        units.entry(case).or_default().push(name);
    }
    let cases: Vec<DueCase> = rows
        .into_iter()
        .map(|(id, number, title, status, ack_due, reply_due)| DueCase {
            id,
            number,
            title,
            status: status.parse().unwrap(),
            ack_due: parse_stored(&ack_due).unwrap(),
            reply_due: parse_stored_date(&reply_due).unwrap(),
            urgings: urged.iter().filter(|c| **c == id).count() as u32,
            units: units.get(&id).map(|u| u.join("、")).unwrap_or_default(),
        })
        .collect();
    let rows: Vec<(i64, i64, String, String, String, String, String)> = sqlx::query_as(
        "SELECT i.id, i.case_id, c.number, i.leader, i.text, i.created_at, c.status
         FROM instructions i JOIN cases c ON c.id = i.case_id ORDER BY i.id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let instructions: Vec<Instruction> = rows
        .into_iter()
        .filter(|r| r.6 != "archived")
        .map(
            |(id, case_id, case_number, leader, text, created_at, _)| Instruction {
                id,
                case_id,
                case_number,
                leader,
                text,
                created_at: parse_stored(&created_at).unwrap(),
            },
        )
        .collect();
    let sent: HashSet<String> = sqlx::query_scalar("SELECT key FROM notifications_sent")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let calendar = svc.calendar().await.unwrap();
    let thresholds = svc.notify_settings().await.unwrap();
    let notices = due::decide(&cases, &instructions, &calendar, &thresholds, now, &sent);
    let all = due::decide(
        &cases,
        &instructions,
        &calendar,
        &thresholds,
        now,
        &HashSet::new(),
    );
    let left_out = all
        .iter()
        .filter(|n| sent.contains(&n.key))
        .map(|n| n.kind.code())
        .collect();
    (due::counts(&cases, now), notices, left_out)
}

#[tokio::test]
async fn the_due_report_equals_the_reference_at_every_moment() {
    let (_dir, svc) = fresh().await;
    let start = at("2026-11-02 08:17");
    let admin = Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: start,
    };
    for unit in UNITS {
        svc.add_unit(&admin, unit).await.unwrap();
    }

    // The timeline: a case every 5 hours for four weeks, each with its plan; a look every
    // 2 hours 10 minutes for five weeks, recording what was raised at every third look.
    let mut timeline: Vec<(DateTime<FixedOffset>, Action)> = Vec::new();
    let cases = 4 * 7 * 24 / 5;
    for i in 0..cases {
        let registered =
            start + Duration::hours(5 * i as i64) + Duration::minutes(i as i64 * 7 % 50);
        timeline.push((registered, Action::Register(i)));
        for (n, (hours, _)) in plan(i).into_iter().enumerate() {
            timeline.push((registered + Duration::hours(hours), Action::Step(i, n)));
        }
    }
    let mut look = start + Duration::days(2);
    let mut looks = 0;
    while look < start + Duration::days(36) {
        timeline.push((look, Action::Check(looks % 3 == 0)));
        looks += 1;
        look += Duration::minutes(130);
    }
    timeline.push((at("2026-11-23 08:05"), Action::Thresholds));
    timeline.push((at("2026-11-30 08:10"), Action::DayOff));
    timeline.sort();

    let mut numbers: Vec<Option<String>> = vec![None; cases];
    let mut kinds = BTreeSet::new();
    let mut checks = 0;
    let mut left_out = BTreeSet::new();
    let mut longest_summary_list = false;
    for (now, action) in timeline {
        let ctx = Ctx {
            actor: admin.actor.clone(),
            now,
        };
        match action {
            Action::Register(i) => {
                let case = svc
                    .register(
                        &ctx,
                        NewCase {
                            title: format!("第{i}号留言：村道路灯损坏"),
                            content: "某村主干道路灯已坏一个月，夜间出行不便。".into(),
                            complex: i % 3 == 0,
                            ..NewCase::default()
                        },
                    )
                    .await
                    .unwrap();
                numbers[i] = Some(case.number);
            }
            Action::Step(i, n) => {
                let number = numbers[i].clone().unwrap();
                run_step(&svc, &ctx, &number, plan(i)[n].1, i).await;
            }
            Action::Thresholds => {
                let patch = ThresholdsPatch {
                    urge_limit: Some(2),
                    reply_working_days: Some(3),
                    ack_hours: Some(12),
                    ..ThresholdsPatch::default()
                };
                svc.set_notify_settings(&ctx, patch).await.unwrap();
            }
            Action::DayOff => {
                svc.set_calendar_day(&ctx, "2026-12-02", DayMode::Holiday, Some("停电检修"))
                    .await
                    .unwrap();
            }
            Action::Check(record) => {
                let report = svc.due_report(&ctx).await.unwrap();
                let (counts, notices, sent) = reference(&svc, now).await;
                assert_eq!(report.counts, counts, "counts at {}", format_instant(&now));
                assert_eq!(
                    report.notices,
                    notices,
                    "notices at {}",
                    format_instant(&now)
                );
                assert_eq!(report.now, format_instant(&now));
                kinds.extend(report.notices.iter().map(|n| n.kind.code()));
                longest_summary_list |= report.notices.iter().any(|n| n.body.contains(" 等"));
                left_out.extend(sent);
                checks += 1;
                if record {
                    svc.record_notified(&ctx, &report.notices).await.unwrap();
                }
            }
        }
    }
    assert!(checks > 350, "{checks}");
    assert_eq!(
        kinds.iter().copied().collect::<Vec<_>>(),
        [
            "ack_overdue",
            "ack_soon",
            "instruction",
            "reply_overdue",
            "reply_soon",
            "summary",
            "urge_limit"
        ]
    );
    assert!(
        longest_summary_list,
        "no summary listed more than five overdue cases"
    );
    // Notices of every kind were also left out because they had been recorded as sent.
    assert_eq!(left_out, kinds);
    svc.shutdown().await;
}
