//! The services on a real database (a SQLite file, or PostgreSQL: see `common`) with the
//! real migrations.

mod common;

use common::{at, ctx_at, dump, fresh, table_names};
use wenzheng_core::db::Backend;
use wenzheng_core::service::{Assignment, ListFilter, NewCase};
use wenzheng_core::Error;

#[tokio::test]
async fn migrates_an_empty_file_and_reopens_it() {
    let (dir, svc) = fresh().await;
    let tables = table_names(&svc).await;
    for t in [
        "assignments",
        "calendar_days",
        "calendar_years",
        "cases",
        "events",
        "extensions",
        "feedbacks",
        "instructions",
        "progress_reports",
        "replies",
        "units",
        "urgings",
        "users",
    ] {
        assert!(
            tables.iter().any(|n| n == t),
            "table {t} missing: {tables:?}"
        );
    }
    if svc.db().backend() == Backend::Sqlite {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(svc.db().pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(svc.db().pool())
            .await
            .unwrap();
        assert_eq!(fk, 1);
    }
    let years: Vec<i64> = sqlx::query_scalar("SELECT year FROM calendar_years ORDER BY year")
        .fetch_all(svc.db().pool())
        .await
        .unwrap();
    assert_eq!(years, [2024, 2025, 2026]);
    let before = dump(&svc).await;
    svc.shutdown().await;
    // Opening again runs no migration and seeds nothing twice.
    let again = dir.reopen().await;
    assert_eq!(dump(&again).await, before);
}

#[tokio::test]
async fn a_case_goes_from_registration_to_archive_with_every_step_logged() {
    let (_dir, svc) = fresh().await;
    let c = ctx_at(&svc, "2026-02-13 10:30").await;
    svc.add_unit(&c, "镇城建办").await.unwrap();
    svc.add_unit(&c, "镇农业农村办").await.unwrap();
    let case = svc
        .register(
            &c,
            NewCase {
                title: "村道路灯损坏".into(),
                content: "某村主干道路灯已坏一个月，夜间出行不便。".into(),
                received_at: Some("2026-02-13 10:00".into()),
                phone: Some("138-0000-1234".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(case.number, "WZ-2026-000001");
    assert_eq!(case.status_name, "待受理");
    assert_eq!(case.reply_due, "2026-03-02");
    assert_eq!(case.ack_due, "2026-02-14T10:30:00+08:00");
    let n = case.number.as_str();

    let c = ctx_at(&svc, "2026-02-13 11:00").await;
    assert_eq!(
        svc.acknowledge(&c, n, None).await.unwrap().status,
        "acknowledged"
    );
    svc.instruct(&c, n, "张镇长", "请城建办牵头，三日内修复。")
        .await
        .unwrap();
    let v = svc
        .assign(
            &c,
            n,
            Assignment {
                units: vec!["镇城建办".into()],
                lead: None,
                requirements: Some("尽快修复".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!((v.status.as_str(), v.working_days), ("assigned", 7));
    // A second unit makes it a 15-working-day case.
    let v = svc
        .assign(
            &c,
            n,
            Assignment {
                units: vec!["镇农业农村办".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!((v.working_days, v.reply_due.as_str()), (15, "2026-03-12"));
    assert_eq!(
        v.units
            .iter()
            .map(|u| (u.unit.as_str(), u.role.as_str()))
            .collect::<Vec<_>>(),
        [("镇城建办", "lead"), ("镇农业农村办", "assist")]
    );
    let v = svc
        .return_unit(&c, n, "镇农业农村办", "不属于本单位职责")
        .await
        .unwrap();
    assert_eq!(v.working_days, 7);
    let c = ctx_at(&svc, "2026-02-26 09:00").await;
    svc.urge(&c, n, "镇城建办", Some("黄牌"), None)
        .await
        .unwrap();
    assert_eq!(
        svc.report_progress(&c, n, "镇城建办", "已联系供电所")
            .await
            .unwrap()
            .status,
        "in_progress"
    );
    let v = svc.extend(&c, n, 3, "需更换线路").await.unwrap();
    assert_eq!((v.working_days, v.reply_due.as_str()), (10, "2026-03-05"));
    svc.reply(
        &c,
        n,
        "正在维修，预计下周完成。",
        false,
        Some("2026-02-26 10:00"),
    )
    .await
    .unwrap();
    let v = svc
        .reply(&c, n, "路灯已修复，感谢您的监督。", true, None)
        .await
        .unwrap();
    assert_eq!(v.status_name, "已答复");
    svc.feedback(&c, n).await.unwrap();
    let c = ctx_at(&svc, "2026-03-03 09:00").await;
    svc.close(&c, n, "已修复").await.unwrap();
    svc.feedback(&c, n).await.unwrap();
    assert_eq!(svc.archive(&c, n).await.unwrap().status_name, "已归档");

    let d = svc.case_detail(&c, n).await.unwrap();
    let kinds: Vec<&str> = d.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "register",
            "acknowledge",
            "instruct",
            "assign",
            "assign",
            "return",
            "urge",
            "progress",
            "extend",
            "reply_interim",
            "reply_final",
            "feedback",
            "close",
            "feedback",
            "archive"
        ]
    );
    assert!(d
        .events
        .iter()
        .all(|e| e.actor == "系统管理员" && e.after.is_some()));
    assert_eq!(
        d.feedbacks.iter().map(|f| f.seq).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(d.replies.len(), 3);
    assert_eq!(
        d.replies[1].published_at.as_deref(),
        Some("2026-02-26T10:00:00+08:00")
    );
    assert_eq!(d.urgings[0].level, "黄牌");
    assert_eq!(
        d.assignments[1].return_reason.as_deref(),
        Some("不属于本单位职责")
    );
    assert_eq!(d.case.version, 15);

    // Archived is final.
    let err = svc.reopen(&c, n, "网民不满意").await.unwrap_err();
    assert!(matches!(err, Error::IllegalStep(_)), "{err}");
}

#[tokio::test]
async fn returning_the_lead_returns_the_case_to_the_office() {
    let (_dir, svc) = fresh().await;
    let c = ctx_at(&svc, "2026-11-27 09:00").await;
    for u in ["甲办", "乙办"] {
        svc.add_unit(&c, u).await.unwrap();
    }
    let id = svc
        .register(
            &c,
            NewCase {
                title: "t".into(),
                content: "c".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
        .to_string();
    svc.acknowledge(&c, &id, None).await.unwrap();
    svc.assign(
        &c,
        &id,
        Assignment {
            units: vec!["甲办".into(), "乙办".into()],
            lead: Some("乙办".into()),
            requirements: None,
        },
    )
    .await
    .unwrap();
    let err = svc
        .assign(
            &c,
            &id,
            Assignment {
                units: vec!["甲办".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("已在承办"), "{err}");
    let v = svc
        .return_unit(&c, &id, "乙办", "不是本单位职责")
        .await
        .unwrap();
    assert_eq!((v.status_name.as_str(), v.units.len()), ("已受理", 0));
}

#[tokio::test]
async fn lists_filter_by_status_unit_and_overdue() {
    let (_dir, svc) = fresh().await;
    let c = ctx_at(&svc, "2026-02-13 10:00").await;
    svc.add_unit(&c, "镇城建办").await.unwrap();
    for i in 0..3 {
        svc.register(
            &c,
            NewCase {
                title: format!("案件{i}"),
                content: "内容".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    svc.acknowledge(&c, "1", None).await.unwrap();
    svc.assign(
        &c,
        "1",
        Assignment {
            units: vec!["镇城建办".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    svc.acknowledge(&c, "2", None).await.unwrap();
    let f = |status: Option<&str>, overdue, unit: Option<&str>| ListFilter {
        status: status.map(Into::into),
        overdue,
        unit: unit.map(Into::into),
        limit: None,
    };
    let numbers =
        |v: Vec<wenzheng_core::view::CaseView>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    assert_eq!(
        numbers(svc.list_cases(&c, &f(None, false, None)).await.unwrap()),
        [3, 2, 1]
    );
    assert_eq!(
        numbers(
            svc.list_cases(&c, &f(Some("已受理"), false, None))
                .await
                .unwrap()
        ),
        [2]
    );
    assert_eq!(
        numbers(
            svc.list_cases(&c, &f(None, false, Some("镇城建办")))
                .await
                .unwrap()
        ),
        [1]
    );
    assert!(svc
        .list_cases(&c, &f(None, true, None))
        .await
        .unwrap()
        .is_empty());
    // Next day at 10:01: case 3 missed its acknowledgment; none missed the reply yet.
    let later = ctx_at(&svc, "2026-02-14 10:01").await;
    assert_eq!(
        numbers(svc.list_cases(&later, &f(None, true, None)).await.unwrap()),
        [3]
    );
    // After the reply day (2 Mar) all three are overdue.
    let later = ctx_at(&svc, "2026-03-03 00:00").await;
    assert_eq!(
        numbers(svc.list_cases(&later, &f(None, true, None)).await.unwrap()),
        [3, 2, 1]
    );
    let err = svc
        .list_cases(&c, &f(Some("飞了"), false, None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("案件状态“飞了”无效"), "{err}");
}

#[tokio::test]
async fn bad_input_is_refused_in_chinese_and_writes_nothing() {
    let (_dir, svc) = fresh().await;
    let c = ctx_at(&svc, "2026-11-27 09:00").await;
    let before = dump(&svc).await;
    let cases = [
        (
            NewCase {
                title: " ".into(),
                content: "c".into(),
                ..Default::default()
            },
            "标题不能为空",
        ),
        (
            NewCase {
                title: "t".into(),
                content: "".into(),
                ..Default::default()
            },
            "留言内容不能为空",
        ),
        (
            NewCase {
                title: "t".repeat(201),
                content: "c".into(),
                ..Default::default()
            },
            "标题不能超过 200 个字",
        ),
        (
            NewCase {
                title: "t".into(),
                content: "c".into(),
                phone: Some("电话号码".into()),
                ..Default::default()
            },
            "联系电话“电话号码”格式不正确",
        ),
        (
            NewCase {
                title: "t".into(),
                content: "c".into(),
                link: Some("javascript:alert(1)".into()),
                ..Default::default()
            },
            "不是网址",
        ),
        (
            NewCase {
                title: "t".into(),
                content: "c".into(),
                category: Some("八卦".into()),
                ..Default::default()
            },
            "问题类别“八卦”无效",
        ),
        (
            NewCase {
                title: "t".into(),
                content: "c".into(),
                received_at: Some("2026-12-01 09:00".into()),
                ..Default::default()
            },
            "晚于当前时间",
        ),
        (
            NewCase {
                title: "t".into(),
                content: "c".into(),
                received_at: Some("昨天".into()),
                ..Default::default()
            },
            "无法识别的时间",
        ),
    ];
    for (input, want) in cases {
        let err = svc.register(&c, input).await.unwrap_err();
        assert!(
            err.is_refusal() && err.to_string().contains(want),
            "{err} / {want}"
        );
    }
    let err = svc
        .acknowledge(&c, "WZ-2026-999999", None)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "找不到案件“WZ-2026-999999”");
    let err = svc.add_unit(&c, "").await.unwrap_err();
    assert_eq!(err.to_string(), "单位名称不能为空");
    assert_eq!(dump(&svc).await, before);
}

#[tokio::test]
async fn imports_a_new_year_and_refuses_an_empty_one() {
    let (_dir, svc) = fresh().await;
    let c = ctx_at(&svc, "2026-12-01 09:00").await;
    // Before 2027 is known, a deadline into it is an estimate.
    let d = svc.deadline(at("2026-12-28 10:00"), false).await.unwrap();
    assert_eq!(
        (d.reply_due.as_str(), d.calendar_complete),
        ("2027-01-06", false)
    );
    let empty = r#"{"year":2027,"papers":[],"days":[]}"#;
    assert!(svc
        .import_calendar(&c, empty, "test")
        .await
        .unwrap_err()
        .to_string()
        .contains("空的"));
    let json = r#"{"year":2027,"papers":[],"days":[
        {"name":"元旦","date":"2027-01-01","isOffDay":true},
        {"name":"元旦","date":"2027-01-04","isOffDay":true}]}"#;
    let y = svc.import_calendar(&c, json, "test").await.unwrap();
    assert_eq!((y.year, y.days.len()), (2027, 2));
    assert_eq!(y.working_days, 261 - 2);
    let d = svc.deadline(at("2026-12-28 10:00"), false).await.unwrap();
    // 29, 30, 31 Dec, 5, 6, 7, 8 Jan (1 and 4 Jan are off in this schedule).
    assert_eq!(
        (d.reply_due.as_str(), d.calendar_complete),
        ("2027-01-08", true)
    );
}

#[tokio::test]
async fn the_event_log_refuses_update_and_delete() {
    let (_dir, svc) = fresh().await;
    let c = ctx_at(&svc, "2026-11-27 09:00").await;
    svc.add_unit(&c, "甲办").await.unwrap();
    let err = sqlx::query("UPDATE events SET summary = 'x'")
        .execute(svc.db().pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("只能追加"), "{err}");
    let err = sqlx::query("DELETE FROM events")
        .execute(svc.db().pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("只能追加"), "{err}");
}
