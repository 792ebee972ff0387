//! The monthly report on a scenario computed by hand (Spring Festival 2026, an extension,
//! a reopen, two units), its XLSX read back, the register exports, and the import of cases.

mod common;

use calamine::{open_workbook_auto, Data, Reader};
use common::{ctx_at, dump, fresh, migrate_before, sqlite_only, sqlite_pool};
use wenzheng_core::report::export::{write_register_csv, write_register_xlsx, write_report_xlsx};
use wenzheng_core::report::{AssessmentRule, Period, Report};
use wenzheng_core::service::{Assignment, DayMode, ImportMode, NewCase};
use wenzheng_core::{Error, Service};

const A: &str = "镇城建办";
const B: &str = "镇农业农村办";

async fn case(svc: &Service, t: &str, title: &str, f: impl FnOnce(&mut NewCase)) -> String {
    let mut nc = NewCase {
        title: title.into(),
        content: format!("{title}的具体情况"),
        received_at: Some(t.into()),
        ..Default::default()
    };
    f(&mut nc);
    svc.register(&ctx_at(svc, t).await, nc)
        .await
        .unwrap()
        .number
}

async fn assign(svc: &Service, t: &str, id: &str, unit: &str) {
    let a = Assignment {
        units: vec![unit.into()],
        ..Default::default()
    };
    svc.assign(&ctx_at(svc, t).await, id, a).await.unwrap();
}

/// The February 2026 scenario; see the comments for the hand computation.
/// Working days around the Spring Festival: Feb 14 (Sat) works, Feb 15–23 are off,
/// Feb 28 (Sat) works.
async fn february(svc: &Service) -> [String; 4] {
    let c0 = ctx_at(svc, "2026-02-01 08:00").await;
    svc.add_unit(&c0, A).await.unwrap();
    svc.add_unit(&c0, B).await.unwrap();

    // C3: due Feb 11; replied on time Feb 9, citizen unsatisfied Feb 10 (reopen), red card,
    // replied again late Feb 13, closed Feb 24, follow-up 基本满意 Feb 25.
    let c3 = case(svc, "2026-02-02 09:00", "排水沟堵塞", |n| {
        n.category = Some("民生".into())
    })
    .await;
    svc.acknowledge(&ctx_at(svc, "2026-02-02 10:00").await, &c3, None)
        .await
        .unwrap();
    assign(svc, "2026-02-02 11:00", &c3, A).await;
    let v = svc
        .reply(
            &ctx_at(svc, "2026-02-09 10:00").await,
            &c3,
            "已清理",
            true,
            None,
        )
        .await
        .unwrap();
    assert_eq!(v.reply_due, "2026-02-11");
    svc.follow_up(&ctx_at(svc, "2026-02-10 09:00").await, &c3, "不满意", None)
        .await
        .unwrap();
    svc.urge(
        &ctx_at(svc, "2026-02-12 09:00").await,
        &c3,
        A,
        Some("红牌"),
        None,
    )
    .await
    .unwrap();
    svc.reply(
        &ctx_at(svc, "2026-02-13 16:00").await,
        &c3,
        "已彻底疏通",
        true,
        None,
    )
    .await
    .unwrap();
    svc.close(&ctx_at(svc, "2026-02-24 10:00").await, &c3, "已疏通")
        .await
        .unwrap();
    svc.follow_up(
        &ctx_at(svc, "2026-02-25 10:00").await,
        &c3,
        "基本满意",
        None,
    )
    .await
    .unwrap();

    // C1: important; due Feb 26 (11,12,13,14*,24,25,26); instruction; replied Feb 25 on
    // time (6 working days), published; 满意; closed.
    let c1 = case(svc, "2026-02-10 09:00", "村道路灯损坏", |n| {
        n.category = Some("民生".into());
        n.important = true;
    })
    .await;
    svc.acknowledge(&ctx_at(svc, "2026-02-10 15:00").await, &c1, None)
        .await
        .unwrap();
    svc.instruct(
        &ctx_at(svc, "2026-02-10 16:00").await,
        &c1,
        "张镇长",
        "尽快修复",
    )
    .await
    .unwrap();
    assign(svc, "2026-02-11 09:00", &c1, A).await;
    svc.report_progress(&ctx_at(svc, "2026-02-12 09:00").await, &c1, A, "已派人查看")
        .await
        .unwrap();
    let v = svc
        .reply(
            &ctx_at(svc, "2026-02-25 10:00").await,
            &c1,
            "已修复",
            true,
            Some("2026-02-25 12:00"),
        )
        .await
        .unwrap();
    assert_eq!(v.reply_due, "2026-02-26");
    svc.follow_up(&ctx_at(svc, "2026-02-26 10:00").await, &c1, "满意", None)
        .await
        .unwrap();
    svc.close(&ctx_at(svc, "2026-02-26 11:00").await, &c1, "已修复")
        .await
        .unwrap();

    // C2: sensitive, another platform; acknowledged after 25 hours; due Feb 28, extended by
    // 3 working days to Mar 4; yellow card; an instruction; replied only in March.
    let c2 = case(svc, "2026-02-12 10:00", "补贴未发放", |n| {
        n.source = Some("微信公众号".into());
        n.sensitive = true;
    })
    .await;
    svc.acknowledge(&ctx_at(svc, "2026-02-13 11:00").await, &c2, None)
        .await
        .unwrap();
    assign(svc, "2026-02-13 14:00", &c2, B).await;
    let v = svc
        .extend(&ctx_at(svc, "2026-02-26 09:00").await, &c2, 3, "需核实名单")
        .await
        .unwrap();
    assert_eq!(v.reply_due, "2026-03-04");
    svc.instruct(
        &ctx_at(svc, "2026-02-26 10:00").await,
        &c2,
        "李副镇长",
        "核实后答复",
    )
    .await
    .unwrap();
    svc.urge(
        &ctx_at(svc, "2026-02-27 09:00").await,
        &c2,
        B,
        Some("黄牌"),
        None,
    )
    .await
    .unwrap();

    // C4: complex, registered Feb 27 and not acknowledged in February.
    let c4 = case(svc, "2026-02-27 09:00", "企业用地审批", |n| {
        n.category = Some("经济".into());
        n.complex = true;
    })
    .await;
    [c1, c2, c3, c4]
}

async fn march(svc: &Service, [_, c2, _, c4]: &[String; 4]) {
    svc.acknowledge(&ctx_at(svc, "2026-03-02 09:00").await, c4, None)
        .await
        .unwrap();
    svc.reply(
        &ctx_at(svc, "2026-03-03 10:00").await,
        c2,
        "已发放",
        true,
        None,
    )
    .await
    .unwrap();
}

fn check_february(r: &Report) {
    assert_eq!(r.month.as_deref(), Some("2026-02"));
    assert_eq!(r.as_of, "2026-03-01T00:00:00+08:00");
    assert!(!r.provisional);
    assert_eq!(r.received.total, 4);
    let pairs = |v: &[wenzheng_core::report::figures::NamedCount]| -> Vec<(String, i64)> {
        v.iter().map(|c| (c.name.clone(), c.count)).collect()
    };
    assert_eq!(
        pairs(&r.received.by_source),
        [("网络问政平台".into(), 3), ("微信公众号".into(), 1)]
    );
    assert_eq!(
        pairs(&r.received.by_category),
        [
            ("民生".into(), 2),
            ("个人诉求".into(), 1),
            ("经济".into(), 1)
        ]
    );
    assert_eq!(
        (
            r.received.important,
            r.received.sensitive,
            r.received.complex
        ),
        (1, 1, 1)
    );
    // C1 and C3 within 24 h; C2 after 25 h; C4 not in February.
    assert_eq!((r.acknowledged_in_24h, r.ack_rate), (2, Some(0.5)));
    // C1 on time (6 working days), C3 late (its last reply, 9 working days).
    assert_eq!((r.replied, r.replied_on_time), (2, 1));
    assert_eq!(r.on_time_rate, Some(0.5));
    assert_eq!(r.avg_reply_working_days, Some(7.5));
    // Due in February: C1 (Feb 26) and C3 (Feb 11); C2 was extended into March.
    assert_eq!((r.due, r.closed, r.answered, r.published), (2, 2, 2, 1));
    assert_eq!((r.close_rate, r.reply_rate), (Some(1.0), Some(1.0)));
    let numbers = |v: &[wenzheng_core::report::figures::OverdueCase]| -> Vec<(String, String)> {
        v.iter()
            .map(|o| (o.title.clone(), o.kind.clone()))
            .collect()
    };
    assert_eq!(
        numbers(&r.overdue_now),
        [("企业用地审批".into(), "ack".into())]
    );
    // C3 from Feb 12 until its late reply; C2 for the hour before its late
    // acknowledgment; C4 from Feb 28 09:00.
    assert_eq!(
        numbers(&r.overdue_in_period),
        [
            ("排水沟堵塞".into(), "reply".into()),
            ("补贴未发放".into(), "ack".into()),
            ("企业用地审批".into(), "ack".into())
        ]
    );
    assert_eq!(
        (
            r.urgings.normal,
            r.urgings.yellow,
            r.urgings.red,
            r.urgings.total
        ),
        (0, 1, 1, 2)
    );
    assert_eq!((r.instructions, r.instructions_done), (2, 1));
    assert_eq!((r.extensions, r.extension_days), (1, 3));
    assert_eq!(r.reopened, 1);
    let s = &r.satisfaction;
    assert_eq!((s.satisfied, s.basic, s.unsatisfied, s.total), (1, 1, 1, 3));
    assert_eq!(s.rate, Some(0.6667));

    let names: Vec<&str> = r.units.iter().map(|u| u.unit.as_str()).collect();
    assert_eq!(names, [B, A]);
    let a = r.units.iter().find(|u| u.unit == A).unwrap();
    assert_eq!((a.assigned, a.replied, a.replied_on_time), (2, 2, 1));
    assert_eq!(
        (a.on_time_rate, a.avg_reply_working_days),
        (Some(0.5), Some(7.5))
    );
    assert_eq!(
        (a.due, a.closed, a.close_rate, a.overdue),
        (2, 2, Some(1.0), 0)
    );
    assert_eq!((a.urgings.red, a.urgings.yellow), (1, 0));
    assert_eq!(
        (a.satisfaction.total, a.satisfaction.rate),
        (3, Some(0.6667))
    );
    let b = r.units.iter().find(|u| u.unit == B).unwrap();
    assert_eq!((b.assigned, b.replied, b.due, b.overdue), (1, 0, 0, 0));
    assert_eq!(
        (b.on_time_rate, b.close_rate, b.satisfaction.rate),
        (None, None, None)
    );
    assert_eq!((b.urgings.yellow, b.urgings.red), (1, 0));

    // Default rule: A = 0 (on time 50% ≤ 60%) + 30 + 30 × (0.6667 − 0.6) / 0.35 − 5 (red);
    // B has nothing to measure (full marks) − 2 (yellow).
    let ranking: Vec<(u32, &str, f64)> = r
        .assessment
        .iter()
        .map(|s| (s.rank, s.unit.as_str(), s.score))
        .collect();
    assert_eq!(ranking, [(1, B, 98.0), (2, A, 30.72)]);

    assert_eq!(r.trend.len(), 12);
    assert_eq!(r.trend[0].month, "2025-03");
    let feb = &r.trend[11];
    assert_eq!(feb.month, "2026-02");
    assert_eq!((feb.received, feb.replied), (4, 2));
    assert_eq!(
        (feb.on_time_rate, feb.close_rate, feb.satisfaction_rate),
        (Some(0.5), Some(1.0), Some(0.6667))
    );
    assert_eq!(r.trend[10].received, 0);
    assert!(r.definitions.iter().any(|d| d.key == "close_rate"));
}

#[tokio::test]
async fn february_figures_match_the_hand_computation_and_do_not_change_later() {
    let (_dir, svc) = fresh().await;
    let ids = february(&svc).await;
    let early = svc
        .monthly_report(&ctx_at(&svc, "2026-03-01 08:00").await, "2026-02")
        .await
        .unwrap();
    check_february(&early);
    march(&svc, &ids).await;
    let later = svc
        .monthly_report(&ctx_at(&svc, "2026-03-20 08:00").await, "2026-02")
        .await
        .unwrap();
    check_february(&later);
    assert_eq!(early, later, "a past month recomputes exactly");

    // March sees C2's reply (on time, due Mar 4) and C4's late acknowledgment.
    let mar = svc
        .monthly_report(&ctx_at(&svc, "2026-03-20 08:00").await, "2026-03")
        .await
        .unwrap();
    assert!(mar.provisional);
    assert_eq!(
        (mar.received.total, mar.replied, mar.replied_on_time),
        (0, 1, 1)
    );
    // Due in March: C2 (Mar 4, answered) and C4 (complex, 15 working days from Feb 27:
    // Mar 19, still open and overdue on Mar 20).
    assert_eq!((mar.due, mar.answered), (2, 1));
    assert_eq!(mar.overdue_now.len(), 1);
    assert_eq!(mar.overdue_now[0].reply_due, "2026-03-19");

    // A mid-month report only sees what happened up to `now`.
    let mid = svc
        .monthly_report(&ctx_at(&svc, "2026-02-12 12:00").await, "2026-02")
        .await
        .unwrap();
    assert!(mid.provisional);
    assert_eq!((mid.received.total, mid.replied), (3, 1));
    assert_eq!(mid.overdue_now.len(), 1, "C3 is past its Feb 11 deadline");
}

/// The report of a month that is over is kept (`report_cache`) and read back with the
/// same bytes as a fresh computation; later workflow steps leave it in use; a calendar
/// edit, or an event dated inside the month (a clock set back), has it computed again.
#[tokio::test]
async fn a_kept_past_month_equals_a_fresh_one_until_the_calendar_or_its_events_change() {
    let (_dir, svc) = fresh().await;
    let ids = february(&svc).await;
    let pool = svc.db().pool();
    let json = |r: &Report| serde_json::to_string(r).unwrap();
    let kept = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM report_cache")
            .fetch_one(pool)
            .await
            .unwrap()
    };
    let ctx = ctx_at(&svc, "2026-03-01 08:00").await;
    assert_eq!(kept().await, 0);
    let computed = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(kept().await, 1, "a month that is over is kept");
    let read_back = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(json(&read_back), json(&computed));
    assert_eq!(read_back, computed);
    check_february(&read_back);
    // Not a month in progress.
    let mar = svc.monthly_report(&ctx, "2026-03").await.unwrap();
    assert!(mar.provisional);
    assert_eq!(kept().await, 1, "a month in progress is not kept");

    // Mark the kept copy, to see when it is used.
    let mark = || async {
        let kept: Vec<(String, String, String)> =
            sqlx::query_as("SELECT period_from, period_to, report FROM report_cache")
                .fetch_all(pool)
                .await
                .unwrap();
        for (from, to, report) in kept {
            let mut report: serde_json::Value = serde_json::from_str(&report).unwrap();
            report["received"]["total"] = 99.into();
            sqlx::query(
                "UPDATE report_cache SET report = $1 WHERE period_from = $2 AND period_to = $3",
            )
            .bind(report.to_string())
            .bind(from)
            .bind(to)
            .execute(pool)
            .await
            .unwrap();
        }
    };
    mark().await;
    assert_eq!(
        svc.monthly_report(&ctx, "2026-02")
            .await
            .unwrap()
            .received
            .total,
        99,
        "the kept copy is used"
    );
    // Steps in March leave February's report as it was: still the kept copy.
    march(&svc, &ids).await;
    let ctx = ctx_at(&svc, "2026-03-20 08:00").await;
    assert_eq!(
        svc.monthly_report(&ctx, "2026-02")
            .await
            .unwrap()
            .received
            .total,
        99
    );

    // A calendar edit: computed again, equal to a computation from nothing.
    svc.set_calendar_day(&ctx, "2026-02-27", DayMode::Holiday, Some("测试"))
        .await
        .unwrap();
    let recomputed = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(recomputed.received.total, 4, "not the marked copy");
    sqlx::query("DELETE FROM report_cache")
        .execute(pool)
        .await
        .unwrap();
    let from_nothing = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(json(&recomputed), json(&from_nothing));

    // An event dated inside February (a clock set back): computed again, and it counts.
    mark().await;
    case(&svc, "2026-02-26 09:00", "补录的留言", |_| {}).await;
    let with_late_entry = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(with_late_entry.received.total, 5);
}

/// What an earlier release kept under other definitions of the figures (as every row kept
/// before migration 0025 carries) is computed again, not read back: the report of a month
/// that is over, and the trend points of the months before.
#[tokio::test]
async fn reports_kept_under_other_definitions_are_computed_again() {
    let (_dir, svc) = fresh().await;
    february(&svc).await;
    let pool = svc.db().pool();
    let ctx = ctx_at(&svc, "2026-03-20 08:00").await;
    svc.monthly_report(&ctx, "2026-02").await.unwrap();
    // Mark what is kept (99 received), to see when it is used.
    let (report,): (String,) = sqlx::query_as("SELECT report FROM report_cache")
        .fetch_one(pool)
        .await
        .unwrap();
    let mut report: serde_json::Value = serde_json::from_str(&report).unwrap();
    report["received"]["total"] = 99.into();
    sqlx::query("UPDATE report_cache SET report = $1")
        .bind(report.to_string())
        .execute(pool)
        .await
        .unwrap();
    mark_months(&svc).await;
    let feb = || async { svc.monthly_report(&ctx, "2026-02").await.unwrap() };
    let march_trend = || async {
        received_in(
            &svc.monthly_report(&ctx, "2026-03").await.unwrap(),
            "2026-02",
        )
    };
    assert_eq!(feb().await.received.total, 99, "the kept report is used");
    assert_eq!(march_trend().await, 99, "the kept trend point is used");

    for table in ["report_cache", "report_months"] {
        sqlx::query(&format!("UPDATE {table} SET figures = 0"))
            .execute(pool)
            .await
            .unwrap();
    }
    let recomputed = feb().await;
    check_february(&recomputed);
    assert_eq!(march_trend().await, 4, "the point is computed again");
    for table in ["report_cache", "report_months"] {
        let old: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE figures = 0"))
                .fetch_one(pool)
                .await
                .unwrap();
        assert_eq!(
            old, 0,
            "{table} is kept again under the current definitions"
        );
    }
    assert_eq!(feb().await, recomputed, "and read back");
}

/// The watch prepares last month's report once it is over: computed and kept the first
/// time, then left alone while the kept copy is valid; what it kept is what a request
/// computes; a calendar edit has it prepared again.
#[tokio::test]
async fn last_months_report_is_prepared_once_and_kept() {
    let (_dir, svc) = fresh().await;
    february(&svc).await;
    let ctx = ctx_at(&svc, "2026-03-02 08:00").await;
    assert_eq!(
        svc.prepare_last_month(&ctx).await.unwrap().as_deref(),
        Some("2026-02")
    );
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_cache")
        .fetch_one(svc.db().pool())
        .await
        .unwrap();
    assert_eq!(kept, 1);
    assert_eq!(svc.prepare_last_month(&ctx).await.unwrap(), None);
    let prepared = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    check_february(&prepared);
    sqlx::query("DELETE FROM report_cache")
        .execute(svc.db().pool())
        .await
        .unwrap();
    let computed = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(
        serde_json::to_string(&prepared).unwrap(),
        serde_json::to_string(&computed).unwrap()
    );
    svc.set_calendar_day(&ctx, "2026-02-27", DayMode::Holiday, Some("测试"))
        .await
        .unwrap();
    assert_eq!(
        svc.prepare_last_month(&ctx).await.unwrap().as_deref(),
        Some("2026-02"),
        "a calendar edit has it computed again"
    );
}

/// An import registers its rows together (a few multi-row statements); the cases and
/// their events are exactly those of registering the same messages one by one, except
/// for the event's summary naming the file — and the chain stays valid.
#[tokio::test]
async fn an_import_writes_what_registering_each_row_writes() {
    let rows: Vec<NewCase> = (0..2500)
        .map(|i| NewCase {
            title: format!("第{i}号留言的标题"),
            content: format!("第{i}号留言：路灯、垃圾、噪音，情况{}", i % 7),
            received_at: Some(format!(
                "2026-02-{:02} {:02}:{:02}",
                1 + i % 20,
                i % 24,
                i % 60
            )),
            category: Some(["民生", "社会发展", "经济"][i % 3].into()),
            source: Some(["网络问政平台", "12345热线转办"][i % 2].into()),
            link: (i % 2 == 0).then(|| format!("https://example.org/t/{i}")),
            phone: (i % 5 == 0).then(|| format!("1380000{i:04}")),
            important: i % 11 == 0,
            sensitive: i % 13 == 0,
            complex: i % 4 == 0,
            ..Default::default()
        })
        .collect();
    let now = "2026-02-21 09:00";
    let (dir, imported) = fresh().await;
    let csv = dir.path().join("批量.csv");
    let mut text =
        String::from("标题,留言内容,收到时间,问题类别,来源平台,链接,联系电话,重要,敏感,复杂\n");
    let yes = |b: bool| if b { "是" } else { "" };
    for r in &rows {
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            r.title,
            r.content,
            r.received_at.as_deref().unwrap(),
            r.category.as_deref().unwrap(),
            r.source.as_deref().unwrap(),
            r.link.as_deref().unwrap_or(""),
            r.phone.as_deref().unwrap_or(""),
            yes(r.important),
            yes(r.sensitive),
            yes(r.complex)
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let ctx = ctx_at(&imported, now).await;
    // A case registered before, so that numbers and ids continue from it.
    case(&imported, "2026-02-01 08:00", "先登记的案件", |_| {}).await;
    let report = imported
        .import_cases(&ctx, &csv, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!(report.imported.len(), rows.len());
    assert_eq!(
        report.imported[2499].number.as_deref(),
        Some("WZ-2026-002501")
    );

    let (_dir2, one_by_one) = fresh().await;
    case(&one_by_one, "2026-02-01 08:00", "先登记的案件", |_| {}).await;
    let ctx2 = ctx_at(&one_by_one, now).await;
    for r in rows {
        one_by_one.register(&ctx2, r).await.unwrap();
    }
    let read = |svc: &Service, sql: &'static str| {
        let pool = svc.db().pool().clone();
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };
    // Portable SQL (the suite runs on both stores): COALESCE(CAST(…)) for SQLite's quote().
    let cases = "SELECT CAST(id AS TEXT) || '|' || number || '|' || source || '|'
                 || COALESCE(link, 'NULL') || '|'
                 || COALESCE(phone, 'NULL') || '|' || title || '|' || content || '|' || category || '|'
                 || important || sensitive || complexity || status || '|' || received_at || '|'
                 || registered_at || '|' || ack_due || '|' || reply_due || '|' || working_days
                 || calendar_complete || version FROM cases ORDER BY id";
    assert_eq!(read(&imported, cases).await, read(&one_by_one, cases).await);
    let events = "SELECT CAST(id AS TEXT) || '|' || COALESCE(CAST(case_id AS TEXT), 'NULL') || '|'
                  || actor_id || '|' || at || '|' || kind || '|' || COALESCE(before, 'NULL')
                  || '|' || COALESCE(after, 'NULL') || '|' || summary
                  FROM events WHERE kind = 'register' ORDER BY id";
    // The summaries differ before the case number (the import names its file).
    let from_number = |rows: Vec<String>| -> Vec<String> {
        rows.into_iter()
            .map(|r| {
                let (head, summary) = r.rsplit_once('|').unwrap();
                format!("{head}|{}", &summary[summary.find("WZ-").unwrap_or(0)..])
            })
            .collect()
    };
    assert_eq!(
        from_number(read(&imported, events).await),
        from_number(read(&one_by_one, events).await)
    );
    let fts = "SELECT rowid || '|' || title || content || replies FROM case_fts ORDER BY rowid";
    assert_eq!(read(&imported, fts).await, read(&one_by_one, fts).await);
    let counters = "SELECT name || year || value FROM counters";
    assert_eq!(
        read(&imported, counters).await,
        read(&one_by_one, counters).await
    );
    assert!(imported.verify().await.unwrap().ok);
}

/// A range of days, Feb 9 to Feb 13, of the same scenario, as of Feb 14 08:00.
#[tokio::test]
async fn a_range_of_days_counts_only_its_days() {
    let (_dir, svc) = fresh().await;
    february(&svc).await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let ctx = ctx_at(&svc, "2026-03-01 08:00").await;
    let r = svc
        .report(
            &ctx,
            Period::range(d("2026-02-09"), d("2026-02-13")).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(r.month, None);
    assert_eq!(r.as_of, "2026-02-14T00:00:00+08:00");
    // Registered Feb 9–13: C1 (Feb 10) and C2 (Feb 12); C3 (Feb 2) and C4 (Feb 27) not.
    assert_eq!(r.received.total, 2);
    // C1 acknowledged after 6 h; C2 after 25 h.
    assert_eq!((r.acknowledged_in_24h, r.ack_rate), (1, Some(0.5)));
    // Final replies in the range: C3's (two, Feb 9 and Feb 13: the last one counts, late,
    // due Feb 11; 9 working days: Feb 3,4,5,6,9,10,11,12,13).
    assert_eq!((r.replied, r.replied_on_time), (1, 0));
    assert_eq!(r.avg_reply_working_days, Some(9.0));
    // Due Feb 9–13: C3 (Feb 11), answered (replied Feb 13) but not closed before Feb 14.
    assert_eq!((r.due, r.answered, r.closed), (1, 1, 0));
    // C3 reopened Feb 10 by the unsatisfied follow-up; urged red Feb 12; one instruction
    // (C1, Feb 10), not carried out before Feb 14.
    assert_eq!(r.reopened, 1);
    assert_eq!((r.urgings.red, r.urgings.yellow), (1, 0));
    assert_eq!((r.instructions, r.instructions_done), (1, 0));
    // The one follow-up of the range: 不满意 on Feb 10.
    assert_eq!((r.satisfaction.total, r.satisfaction.rate), (1, Some(0.0)));
    // Overdue during the range: C3 (Feb 12–13, reply), C2 (Feb 13 10:00–11:00, ack).
    let kinds: Vec<(&str, &str)> = r
        .overdue_in_period
        .iter()
        .map(|o| (o.title.as_str(), o.kind.as_str()))
        .collect();
    assert_eq!(kinds, [("排水沟堵塞", "reply"), ("补贴未发放", "ack")]);
    assert!(
        r.overdue_now.is_empty(),
        "C3 replied Feb 13, C2 acknowledged"
    );
    // The trend still ends with the range's month.
    assert_eq!(r.trend.last().unwrap().month, "2026-02");
}

/// The report of a month replays only its window (the 12 months of its trend); a report
/// of a range reaching back to 2017 (before any case) replays the whole log. Their trends cover the same 12
/// months and must agree, month by month, on three years of synthetic cases.
#[tokio::test]
async fn the_windowed_replay_counts_like_the_whole_log() {
    let (_dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-20 10:00").await;
    svc.seed_demo(&ctx, 1500, 7).await.unwrap();
    for (month, last_day) in [
        ("2026-10", "2026-10-31"),
        ("2025-06", "2025-06-30"),
        ("2026-11", "2026-11-30"),
    ] {
        let windowed = svc
            .report(&ctx, Period::month(month).unwrap())
            .await
            .unwrap();
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let whole = svc
            .report(&ctx, Period::range(d("2017-01-01"), d(last_day)).unwrap())
            .await
            .unwrap();
        assert_eq!(windowed.trend, whole.trend, "{month}");
        assert!(windowed
            .trend
            .iter()
            .any(|t| t.received > 0 && t.replied > 0));
    }
}

/// The report of a month leaves out a case whose only event in it is its archiving
/// (归档, allowed from 已办结 only; migration 0024): such a case was 已办结 all month, and
/// every figure counts 已办结 and 已归档 alike. The report must come out the same as before
/// the archiving, for closed cases due before the month and due in it.
#[tokio::test]
async fn archiving_a_case_closed_before_the_month_changes_no_figure_of_it() {
    let (_dir, svc) = used(600, 5).await;
    // Closed in October, well before its deadline in November.
    let early = case(&svc, "2026-10-28 09:00", "路灯不亮", |_| {}).await;
    svc.acknowledge(&ctx_at(&svc, "2026-10-28 10:00").await, &early, None)
        .await
        .unwrap();
    assign(&svc, "2026-10-28 11:00", &early, A).await;
    let replied = ctx_at(&svc, "2026-10-29 10:00").await;
    svc.reply(&replied, &early, "已修复", true, None)
        .await
        .unwrap();
    svc.close(&ctx_at(&svc, "2026-10-30 10:00").await, &early, "已修复")
        .await
        .unwrap();
    let now = ctx_at(&svc, "2026-11-25 10:00").await;
    let closed: Vec<(String, String)> = sqlx::query_as(
        "SELECT number, reply_due FROM cases
         WHERE status = 'closed' AND closed_at < '2026-11-01T00:00:00+08:00'
         ORDER BY reply_due DESC LIMIT 40",
    )
    .fetch_all(svc.db().pool())
    .await
    .unwrap();
    assert!(
        closed.iter().any(|(_, due)| due.as_str() < "2026-11-01")
            && closed.iter().any(|(_, due)| due.as_str() >= "2026-11-01"),
        "closed cases due before November and in it: {closed:?}"
    );
    let before = svc.monthly_report(&now, "2026-11").await.unwrap();
    let archived_at = ctx_at(&svc, "2026-11-24 16:00").await;
    for (number, _) in &closed {
        svc.archive(&archived_at, number.as_str()).await.unwrap();
    }
    let after = svc.monthly_report(&now, "2026-11").await.unwrap();
    assert_eq!(before, after);
    assert!(after.due > 0 && after.closed > 0, "{after:?}");
}

/// A database used for a while: `cases` demo cases (seed `seed`) written in bulk, and one
/// case registered and acknowledged step by step.
async fn used(cases: u64, seed: u64) -> (common::TestDb, Service) {
    let (dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-20 10:00").await;
    svc.seed_demo(&ctx, cases, seed).await.unwrap();
    let id = case(&svc, "2026-11-21 09:00", "排水沟堵塞", |_| {}).await;
    svc.acknowledge(&ctx_at(&svc, "2026-11-21 10:00").await, &id, None)
        .await
        .unwrap();
    (dir, svc)
}

/// `case_histories` (the report's input, kept by a trigger on the event log) holds, for
/// each case, what each of its events sets, oldest first, and the moment of its latest event
/// other than archiving, in the demo data written in bulk and in steps taken one by one; an
/// event whose `after` is not JSON is still appended, moves that moment and sets nothing.
#[tokio::test]
async fn case_histories_hold_what_each_case_event_sets() {
    let (_dir, svc) = used(300, 3).await;
    let pool = svc.db().pool();
    type Row = (i64, String, String);
    let histories = || async {
        sqlx::query_as::<_, Row>(
            "SELECT case_id, counted_at, entries FROM case_histories ORDER BY case_id",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    let kept = histories().await;
    let events: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT case_id, id, at, kind, after FROM events WHERE case_id IS NOT NULL
         ORDER BY case_id, id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut expected: Vec<Row> = Vec::new();
    for (case_id, id, at, kind, after) in events {
        if expected.last().is_none_or(|r| r.0 != case_id) {
            expected.push((case_id, String::new(), String::new()));
        }
        let row = expected.last_mut().unwrap();
        if kind != "archive" && at > row.1 {
            row.1 = at.clone();
        }
        let after: serde_json::Value = after
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or_default();
        let member = |k: &str| after.get(k).and_then(|v| v.as_str()).map(String::from);
        let (status, due) = (member("status"), member("reply_due"));
        let listed = ["register", "acknowledge", "reply_final"].contains(&kind.as_str());
        if status.is_some() || due.is_some() || listed {
            if !row.2.is_empty() {
                row.2.push(',');
            }
            row.2.push_str(&format!(
                "{id} {at} {kind} {} {}",
                status.as_deref().unwrap_or("-"),
                due.as_deref().unwrap_or("-")
            ));
        }
    }
    assert!(expected.len() > 250, "{}", expected.len());
    assert_eq!(kept, expected);
    let last = kept.last().unwrap();
    assert!(last.2.contains(" acknowledge acknowledged "));
    assert!(
        kept.iter().any(|r| r.2.contains(" archive archived ")),
        "archived cases"
    );

    // Not JSON: appended (the chain is not the point here), nothing set, the moment moved.
    sqlx::query(
        "INSERT INTO events (id, case_id, actor_id, at, kind, summary, before, after, prev_hash,
                             hash)
         SELECT MAX(id) + 1, $1, 1, '2026-11-21T11:00:00+08:00', 'note', '备注', NULL,
                '不是 JSON', 'x', 'y' FROM events",
    )
    .bind(last.0)
    .execute(pool)
    .await
    .unwrap();
    let after = histories().await;
    let moved = after.last().unwrap();
    assert_eq!(after.len(), kept.len());
    assert_eq!(moved.2, last.2, "nothing set");
    assert_eq!(moved.1, "2026-11-21T11:00:00+08:00");
}

/// Migrations 0022 and 0026 fill `case_histories` from an existing event log as its trigger
/// fills it for new events: the log of a database used with demo data and steps, copied
/// into a database of the schema before 0022 and upgraded, gives the same table.
#[tokio::test]
async fn the_upgrade_fills_case_histories_as_the_trigger_does() {
    if sqlite_only(
        "the_upgrade_fills_case_histories_as_the_trigger_does",
        "SQLite 文件的升级",
    ) {
        return;
    }
    let (_dir, svc) = used(200, 5).await;
    let states = "SELECT case_id, counted_at, entries FROM case_histories ORDER BY case_id";
    type State = (i64, String, String);
    let kept: Vec<State> = sqlx::query_as(states)
        .fetch_all(svc.db().pool())
        .await
        .unwrap();
    type Event = (
        i64,
        Option<i64>,
        i64,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
    );
    let events: Vec<Event> = sqlx::query_as(
        "SELECT id, case_id, actor_id, at, kind, summary, before, after, prev_hash, hash
         FROM events ORDER BY id",
    )
    .fetch_all(svc.db().pool())
    .await
    .unwrap();
    svc.shutdown().await;

    let old_dir = tempfile::tempdir().unwrap();
    let old = old_dir.path().join("old.db");
    let pool = sqlite_pool(&old).await;
    migrate_before(&pool, 20261127000022).await;
    // Only the log is copied: the cases and users it refers to do not matter here.
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&pool)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for e in &events {
        sqlx::query(
            "INSERT INTO events (id, case_id, actor_id, at, kind, summary, before, after,
                                 prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(e.0)
        .bind(e.1)
        .bind(e.2)
        .bind(&e.3)
        .bind(&e.4)
        .bind(&e.5)
        .bind(&e.6)
        .bind(&e.7)
        .bind(&e.8)
        .bind(&e.9)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    pool.close().await;

    let upgraded = Service::open(&old).await.unwrap();
    let filled: Vec<State> = sqlx::query_as(states)
        .fetch_all(upgraded.db().pool())
        .await
        .unwrap();
    assert!(kept.len() > 150, "{}", kept.len());
    assert!(
        kept.iter().any(|k| k.2.matches(',').count() > 3),
        "histories of several entries"
    );
    assert!(
        kept.iter().any(|k| k.2.contains(" archive ")),
        "archived cases"
    );
    assert_eq!(filled, kept);
}

/// A report asked for in the same second as the last registration still counts it:
/// instants are stored to the second, `now` is not.
#[tokio::test]
async fn a_case_registered_in_the_same_second_counts() {
    let (_dir, svc) = fresh().await;
    let mut ctx = ctx_at(&svc, "2026-02-10 09:00").await;
    ctx.now += chrono::Duration::milliseconds(700);
    let nc = NewCase {
        title: "路灯不亮".into(),
        content: "某村路灯坏了".into(),
        ..Default::default()
    };
    svc.register(&ctx, nc).await.unwrap();
    let r = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(r.received.total, 1);
    // Received long before and registered in that second: overdue at the report's cutoff,
    // counted as received and as overdue alike (it was neither before this fix of the
    // last second: 39 of 101 cases registered just before the 统计 screen was opened).
    let late = NewCase {
        title: "补录的旧留言".into(),
        content: "一个月前的留言".into(),
        received_at: Some("2026-01-10 09:00".into()),
        ..Default::default()
    };
    svc.register(&ctx, late).await.unwrap();
    let r = svc.monthly_report(&ctx, "2026-02").await.unwrap();
    assert_eq!(r.received.total, 2);
    assert_eq!(r.overdue_now.len(), 1);
    assert_eq!(r.overdue_now[0].title, "补录的旧留言");
    assert_eq!(r.overdue_in_period.len(), 1);
}

/// A case registered just before a month's end whose 收到时间 is a few minutes into the
/// next month (a PC's clock ahead; registration allows 5 minutes) is one of the month's:
/// the report leaves out only cases received 5 minutes or more after its cutoff. One
/// received later than that is the next month's.
#[tokio::test]
async fn a_case_received_a_little_after_the_month_but_registered_in_it_counts() {
    let (_dir, svc) = fresh().await;
    case(&svc, "2026-10-31 23:58", "路灯不亮", |n| {
        n.received_at = Some("2026-11-01 00:02".into())
    })
    .await;
    case(&svc, "2026-11-01 00:10", "垃圾未清运", |_| {}).await;
    let now = ctx_at(&svc, "2026-11-02 09:00").await;
    let october = svc.monthly_report(&now, "2026-10").await.unwrap();
    assert_eq!(october.received.total, 1);
    let november = svc.monthly_report(&now, "2026-11").await.unwrap();
    assert_eq!(november.received.total, 1);
}

#[tokio::test]
async fn the_assessment_rule_is_configurable_and_checked() {
    let (_dir, svc) = fresh().await;
    february(&svc).await;
    let admin = ctx_at(&svc, "2026-03-02 08:00").await;
    let mut rule = AssessmentRule::default();
    rule.indicators[0].weight = 10.0;
    let err = svc
        .set_assessment_rule(&admin, rule.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    rule.indicators[1].weight = 60.0; // 10 + 60 + 30
    rule.red_deduction = 0.0;
    rule.yellow_deduction = 10.0;
    svc.set_assessment_rule(&admin, rule.clone()).await.unwrap();
    assert_eq!(svc.assessment_rule(&admin).await.unwrap(), rule);
    let r = svc.monthly_report(&admin, "2026-02").await.unwrap();
    // A: 0 + 60 + 5.72 − 0; B: 100 − 10.
    let ranking: Vec<(u32, &str, f64)> = r
        .assessment
        .iter()
        .map(|s| (s.rank, s.unit.as_str(), s.score))
        .collect();
    assert_eq!(ranking, [(1, B, 90.0), (2, A, 65.72)]);
    assert_eq!(r.rule, rule);
}

fn sheet(path: &std::path::Path, name: &str) -> Vec<Vec<String>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Float(f) => f.to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Empty => String::new(),
                    other => format!("{other:?}"),
                })
                .collect()
        })
        .collect()
}

fn value<'a>(rows: &'a [Vec<String>], key: &str) -> &'a str {
    &rows.iter().find(|r| r[0] == key).unwrap()[1]
}

#[tokio::test]
async fn the_report_and_the_register_read_back_from_xlsx_and_csv() {
    let (dir, svc) = fresh().await;
    let ids = february(&svc).await;
    let ctx = ctx_at(&svc, "2026-03-01 08:00").await;
    let r = svc
        .report(&ctx, Period::month("2026-02").unwrap())
        .await
        .unwrap();
    let path = dir.path().join("月报.xlsx");
    write_report_xlsx(&r, &path).unwrap();
    let wb = open_workbook_auto(&path).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "总体情况",
            "来源与类别",
            "承办单位",
            "考核排名",
            "截止时超期",
            "期内超期",
            "近12个月"
        ]
    );
    let summary = sheet(&path, "总体情况");
    assert_eq!(value(&summary, "收件数"), "4");
    assert_eq!(value(&summary, "24小时受理率"), "50.00%");
    assert_eq!(value(&summary, "平均答复用时（工作日）"), "7.5");
    assert_eq!(value(&summary, "满意率"), "66.67%");
    let units = sheet(&path, "承办单位");
    assert_eq!(units[0][0], "承办单位");
    assert_eq!(units[2][0], A);
    assert_eq!(units[2][4], "50.00%");
    let rank = sheet(&path, "考核排名");
    assert_eq!(rank[1][1], B);
    assert_eq!(rank[1].last().unwrap(), "98");
    assert_eq!(rank[2].last().unwrap(), "30.72");
    assert_eq!(sheet(&path, "期内超期").len(), 4);
    assert_eq!(sheet(&path, "近12个月").len(), 13);

    let rows = svc.case_register(&ctx).await.unwrap();
    assert_eq!(rows.len(), 4);
    let xlsx = dir.path().join("台账.xlsx");
    write_register_xlsx(&rows, &xlsx).unwrap();
    let reg = sheet(&xlsx, "案件台账");
    assert_eq!(reg[0][0], wenzheng_core::report::privacy::MASKED_NOTE);
    assert_eq!(reg[1][0], "案件编号");
    assert_eq!(reg.len(), 6);
    let c1 = reg.iter().find(|r| r[0] == ids[0]).unwrap();
    assert_eq!(c1[1], "村道路灯损坏");
    assert_eq!(c1[11], "已办结");
    assert_eq!(c1[18], A);
    let c4 = reg.iter().find(|r| r[0] == ids[3]).unwrap();
    assert_eq!(c4[20], "是", "C4 is overdue for acknowledgment");

    let csv = dir.path().join("台账.csv");
    write_register_csv(&rows, &csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("\u{feff}本文件已隐去个人信息"));
    assert!(text.lines().nth(1).unwrap().starts_with("案件编号,标题,"));
    assert_eq!(text.lines().count(), 6);

    let open311 = svc.open311_requests(&ctx).await.unwrap();
    let json = serde_json::to_value(&open311).unwrap();
    let first = &json[0];
    assert_eq!(first["service_request_id"], ids[2].as_str());
    assert_eq!(first["status"], "closed");
    assert_eq!(first["agency_responsible"], A);
    assert_eq!(first["expected_datetime"], "2026-02-11T23:59:59+08:00");
    assert_eq!(json[3]["agency_responsible"], "××镇网络问政工作办公室");
}

const GOOD_CSV: &str = "标题,留言内容,收到时间,问题类别,来源平台,链接,联系电话,重要\n\
路灯不亮,某村路灯坏了,2026-02-10 09:00,民生,网络问政平台,https://example.org/t/1,13800001234,是\n\
垃圾清运,垃圾三天没运走,2026-02-11 10:00,,,,,\n";

const BAD_CSV: &str = "标题,留言内容,收到时间,问题类别,重要\n\
路灯不亮,某村路灯坏了,2026-02-10 09:00,民生,是\n\
,没有标题,2026-02-10 09:00,,\n\
时间错误,内容,明天上午,,\n\
类别错误,内容,2026-02-10 09:00,天气,\n\
标志错误,内容,2026-02-10 09:00,,也许\n";

#[tokio::test]
async fn a_file_with_bad_rows_changes_nothing_unless_valid_rows_only_is_chosen() {
    let (dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-02-12 09:00").await;
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, BAD_CSV).unwrap();
    let before = dump(&svc).await;
    let err = svc
        .import_cases(&ctx, &path, ImportMode::AllOrNothing)
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Invalid(_)), "{msg}");
    for want in [
        "第 3 行：标题不能为空",
        "第 4 行：无法识别的时间",
        "第 5 行：问题类别“天气”无效",
        "第 6 行：“重要”应填“是”或“否”",
    ] {
        assert!(msg.contains(want), "{want} missing in {msg}");
    }
    assert_eq!(dump(&svc).await, before, "nothing written");

    let preview = svc
        .import_cases(&ctx, &path, ImportMode::Preview)
        .await
        .unwrap();
    assert_eq!(
        (preview.rows, preview.imported.len(), preview.errors.len()),
        (5, 1, 4)
    );
    assert!(!preview.written);
    assert_eq!(dump(&svc).await, before, "a preview writes nothing");

    let mut seen = Vec::new();
    let done = svc
        .import_cases_with_progress(&ctx, &path, ImportMode::ValidOnly, &mut |p| {
            seen.push((p.stage, p.done, p.total))
        })
        .await
        .unwrap();
    // Progress: each of the 5 rows checked, then the 1 valid row written.
    assert_eq!(seen.first(), Some(&("check", 0, 5)));
    assert!(seen.contains(&("check", 5, 5)));
    assert_eq!(seen.last(), Some(&("write", 1, 1)));
    assert!(done.written);
    assert_eq!(done.imported.len(), 1);
    assert_eq!(done.imported[0].row, 2);
    assert_eq!(done.imported[0].number.as_deref(), Some("WZ-2026-000001"));
    assert_eq!(done.errors.len(), 4);
    let case = svc.case(&ctx, "WZ-2026-000001").await.unwrap();
    assert!(case.important);
    assert_eq!(case.reply_due, "2026-02-26");
}

#[tokio::test]
async fn importing_the_same_file_again_adds_nothing() {
    let (dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-02-12 09:00").await;
    // An XLSX written by rust_xlsxwriter, and the same rows as CSV.
    let xlsx = dir.path().join("留言.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, line) in GOOD_CSV.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            if c == 6 && r > 0 && !cell.is_empty() {
                // A phone typed as a number, as clerks do.
                ws.write_number(r as u32, c as u16, cell.parse::<f64>().unwrap())
                    .unwrap();
            } else {
                ws.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    wb.save(&xlsx).unwrap();
    let first = svc
        .import_cases(&ctx, &xlsx, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!(first.imported.len(), 2, "{first:?}");
    let detail = svc.case_detail(&ctx, "WZ-2026-000001").await.unwrap();
    assert_eq!(detail.case.phone.as_deref(), Some("138****1234"));
    assert!(detail.events[0]
        .summary
        .contains("从文件“留言.xlsx”导入登记案件"));
    // The import writes the full-text rows in one statement at its end (the insert
    // triggers are suspended meanwhile): both cases are found, short and long words,
    // the triggers are back, and the index passes SQLite's and FTS5's checks.
    for (q, number) in [("路灯", "WZ-2026-000001"), ("三天没运走", "WZ-2026-000002")] {
        let filter = wenzheng_core::service::SearchFilter {
            q: Some(q.into()),
            ..Default::default()
        };
        let page = svc.search_cases(&ctx, &filter).await.unwrap();
        let found: Vec<&str> = page.cases.iter().map(|c| c.number.as_str()).collect();
        assert_eq!(found, [number], "{q}");
    }
    // The full-text insert triggers are back (and, on PostgreSQL, enabled).
    let triggers: i64 = sqlx::query_scalar(if common::on_postgres() {
        "SELECT COUNT(*) FROM pg_trigger WHERE tgenabled = 'O'
         AND tgname IN ('cases_fts_insert', 'replies_fts_insert')"
    } else {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'
         AND name IN ('cases_fts_insert', 'replies_fts_insert')"
    })
    .fetch_one(svc.db().pool())
    .await
    .unwrap();
    assert_eq!(triggers, 2);
    if !common::on_postgres() {
        sqlx::query("INSERT INTO case_fts (case_fts, rank) VALUES ('integrity-check', 1)")
            .execute(svc.db().pool())
            .await
            .unwrap();
    }
    assert!(svc.verify().await.unwrap().ok);
    let before = dump(&svc).await;

    let again = svc
        .import_cases(&ctx, &xlsx, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert!(again.imported.is_empty());
    assert!(!again.written);
    let existing: Vec<&str> = again
        .duplicates
        .iter()
        .map(|d| d.existing.as_str())
        .collect();
    assert_eq!(existing, ["WZ-2026-000001", "WZ-2026-000002"]);
    assert_eq!(dump(&svc).await, before);

    // The same messages as CSV (UTF-8 with BOM), and the exported register, are also known.
    let csv = dir.path().join("留言.csv");
    std::fs::write(&csv, format!("\u{feff}{GOOD_CSV}")).unwrap();
    let third = svc
        .import_cases(&ctx, &csv, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!((third.imported.len(), third.duplicates.len()), (0, 2));
    let reg = dir.path().join("台账.xlsx");
    write_register_xlsx(&svc.case_register(&ctx).await.unwrap(), &reg).unwrap();
    let fourth = svc
        .import_cases(&ctx, &reg, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert_eq!((fourth.imported.len(), fourth.duplicates.len()), (0, 2));
    assert_eq!(dump(&svc).await, before);
}

#[tokio::test]
async fn reports_and_imports_respect_roles() {
    let (dir, svc) = fresh().await;
    let admin = ctx_at(&svc, "2026-02-12 09:00").await;
    svc.add_unit(&admin, A).await.unwrap();
    let unit_user = wenzheng_core::service::NewUser {
        login: "cjb".into(),
        display_name: "城建办".into(),
        role: "unit".into(),
        unit: Some(A.into()),
        password: None,
    };
    svc.add_user(&admin, unit_user).await.unwrap();
    let ctx = wenzheng_core::Ctx {
        actor: svc.actor(Some("cjb")).await.unwrap(),
        now: admin.now,
    };
    let err = svc.monthly_report(&ctx, "2026-02").await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let path = dir.path().join("a.csv");
    std::fs::write(&path, GOOD_CSV).unwrap();
    let err = svc
        .import_cases(&ctx, &path, ImportMode::AllOrNothing)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)));
    let err = svc.monthly_report(&admin, "2026-2x").await.unwrap_err();
    assert!(err.to_string().contains("月份"), "{err}");
}

/// The months of 2025-11 … 2026-11 (the last one in progress at 2026-11-20).
fn thirteen_months() -> Vec<String> {
    (0..13)
        .map(|i| {
            let m = 10 + i;
            format!("{}-{:02}", 2025 + m / 12, m % 12 + 1)
        })
        .collect()
}

/// The report of `month` computed from nothing: nothing kept.
async fn from_nothing(svc: &Service, ctx: &wenzheng_core::service::Ctx, month: &str) -> String {
    for table in ["report_cache", "report_months"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(svc.db().pool())
            .await
            .unwrap();
    }
    serde_json::to_string(&svc.monthly_report(ctx, month).await.unwrap()).unwrap()
}

/// Marks every kept trend point (99 received), to see when one is used.
async fn mark_months(svc: &Service) {
    let pool = svc.db().pool();
    let kept: Vec<(String, String)> = sqlx::query_as("SELECT month, point FROM report_months")
        .fetch_all(pool)
        .await
        .unwrap();
    for (month, point) in kept {
        let mut point: serde_json::Value = serde_json::from_str(&point).unwrap();
        point["received"] = 99.into();
        sqlx::query("UPDATE report_months SET point = $1 WHERE month = $2")
            .bind(point.to_string())
            .bind(month)
            .execute(pool)
            .await
            .unwrap();
    }
}

fn received_in(r: &Report, month: &str) -> i64 {
    r.trend.iter().find(|t| t.month == month).unwrap().received
}

/// Reports that reuse kept trend points (asked in an order where every month finds some
/// kept: newest, then oldest first, then again) equal reports computed from nothing, on
/// two identical databases of 2,000 synthetic cases, for each of the last 13 months.
#[tokio::test]
async fn kept_trend_months_give_the_report_computed_from_nothing() {
    let (_a, fast) = fresh().await;
    let (_b, reference) = fresh().await;
    let ctx = ctx_at(&fast, "2026-11-20 10:00").await;
    let ref_ctx = ctx_at(&reference, "2026-11-20 10:00").await;
    fast.seed_demo(&ctx, 2000, 11).await.unwrap();
    reference.seed_demo(&ref_ctx, 2000, 11).await.unwrap();
    let months = thirteen_months();
    let mut order = vec!["2026-11".to_string(), "2026-10".to_string()];
    order.extend(months.iter().cloned());
    order.extend(months.iter().rev().cloned());
    for month in &order {
        let got = serde_json::to_string(&fast.monthly_report(&ctx, month).await.unwrap()).unwrap();
        assert_eq!(
            got,
            from_nothing(&reference, &ref_ctx, month).await,
            "{month}"
        );
    }
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_months")
        .fetch_one(fast.db().pool())
        .await
        .unwrap();
    assert_eq!(
        kept, 23,
        "every month over since 2024-12, not the one in progress"
    );
    // Kept points are used: a marked one shows.
    mark_months(&fast).await;
    let r = fast.monthly_report(&ctx, "2026-11").await.unwrap();
    assert_eq!(received_in(&r, "2026-03"), 99);
    assert_ne!(
        received_in(&r, "2026-11"),
        99,
        "the month in progress is computed"
    );
}

/// What the kept trend points rely on: a calendar edit and a rule edit leave them (a trend
/// point reads neither; the report around them is computed again and equals one from
/// nothing); an event dated inside a kept month, or of a kind that could change a past
/// month (a unit renamed), has them computed again.
#[tokio::test]
async fn kept_trend_months_survive_calendar_and_rule_edits_not_back_dated_events() {
    let (_a, fast) = fresh().await;
    let (_b, reference) = fresh().await;
    let ctx = ctx_at(&fast, "2026-11-20 10:00").await;
    let ref_ctx = ctx_at(&reference, "2026-11-20 10:00").await;
    for svc in [&fast, &reference] {
        svc.seed_demo(&ctx_at(svc, "2026-11-20 10:00").await, 1500, 5)
            .await
            .unwrap();
    }
    let same = |f: &Report, r: String| assert_eq!(serde_json::to_string(f).unwrap(), r);
    fast.monthly_report(&ctx, "2026-10").await.unwrap();

    // A calendar edit (in a kept month) changes the working-day averages, not the trend.
    for (svc, c) in [(&fast, &ctx), (&reference, &ref_ctx)] {
        svc.set_calendar_day(c, "2026-09-15", DayMode::Holiday, Some("测试"))
            .await
            .unwrap();
    }
    let r = fast.monthly_report(&ctx, "2026-10").await.unwrap();
    same(&r, from_nothing(&reference, &ref_ctx, "2026-10").await);
    mark_months(&fast).await;
    // (2026-10's whole report is kept now: the month in progress shows its trend.)
    let r = fast.monthly_report(&ctx, "2026-11").await.unwrap();
    assert_eq!(
        received_in(&r, "2026-09"),
        99,
        "kept across the calendar edit"
    );

    // A rule edit: the same.
    let mut rule = AssessmentRule::default();
    rule.yellow_deduction += 1.0;
    for (svc, c) in [(&fast, &ctx), (&reference, &ref_ctx)] {
        svc.set_assessment_rule(c, rule.clone()).await.unwrap();
    }
    let r = fast.monthly_report(&ctx, "2026-11").await.unwrap();
    assert_eq!(received_in(&r, "2026-09"), 99, "kept across the rule edit");
    sqlx::query("DELETE FROM report_months")
        .execute(fast.db().pool())
        .await
        .unwrap();
    let r = fast.monthly_report(&ctx, "2026-11").await.unwrap();
    same(&r, from_nothing(&reference, &ref_ctx, "2026-11").await);

    // An event dated inside September (a clock set back): September and the months after
    // it are computed again; August stays kept.
    mark_months(&fast).await;
    for svc in [&fast, &reference] {
        case(svc, "2026-09-28 09:00", "补录的留言", |_| {}).await;
    }
    let r = fast.monthly_report(&ctx, "2026-11").await.unwrap();
    assert_eq!(received_in(&r, "2026-08"), 99, "August cannot change");
    assert_ne!(received_in(&r, "2026-09"), 99);
    sqlx::query("DELETE FROM report_months WHERE month <= '2026-08'")
        .execute(fast.db().pool())
        .await
        .unwrap();
    let r = fast.monthly_report(&ctx, "2026-11").await.unwrap();
    same(&r, from_nothing(&reference, &ref_ctx, "2026-11").await);

    // A unit renamed (unit names are not in the trend, but the kind is not one known to
    // leave a past month): computed again.
    mark_months(&fast).await;
    let unit = fast.list_units().await.unwrap()[0].id;
    fast.rename_unit(&ctx, unit, "改名后的单位").await.unwrap();
    let r = fast.monthly_report(&ctx, "2026-11").await.unwrap();
    assert!(r.trend.iter().all(|t| t.received != 99));
}
