//! The desk services on a real SQLite file: search (1-, 2- and 3+-character Chinese
//! queries), filters and keyset paging, the dashboard's queues, the allowed actions,
//! reply templates and similar-case suggestions.

mod common;

use common::{ctx_at, dump, fresh};
use wenzheng_core::model::{CaseStatus, Role};
use wenzheng_core::service::desk::allowed_actions;
use wenzheng_core::service::{Assignment, NewCase, NewTemplate, SearchFilter};
use wenzheng_core::{Error, Service};

async fn add(svc: &Service, now: &str, title: &str, content: &str) -> String {
    let ctx = ctx_at(svc, now).await;
    svc.register(
        &ctx,
        NewCase {
            title: title.into(),
            content: content.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .number
}

async fn numbers(svc: &Service, now: &str, filter: SearchFilter) -> Vec<String> {
    let ctx = ctx_at(svc, now).await;
    let mut n: Vec<String> = svc
        .search_cases(&ctx, &filter)
        .await
        .unwrap()
        .cases
        .into_iter()
        .map(|c| c.number)
        .collect();
    n.sort();
    n
}

fn q(text: &str) -> SearchFilter {
    SearchFilter {
        q: Some(text.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn search_finds_one_two_and_three_character_chinese_queries() {
    let (_d, svc) = fresh().await;
    let now = "2026-03-02 09:00";
    let a = add(&svc, now, "村道路灯损坏", "主干道路灯已坏一个月，晚上很黑").await;
    let b = add(&svc, now, "建议增加公交班次", "早班车太少，请督办公交公司").await;
    let c = add(&svc, now, "垃圾清运不及时", "小区垃圾堆了三天").await;

    // 3+ characters: the trigram index.
    assert_eq!(numbers(&svc, now, q("路灯损坏")).await, vec![a.clone()]);
    assert_eq!(numbers(&svc, now, q("公交班次")).await, vec![b.clone()]);
    // 2 characters: MATCH alone would find nothing.
    assert_eq!(numbers(&svc, now, q("督办")).await, vec![b.clone()]);
    assert_eq!(numbers(&svc, now, q("路灯")).await, vec![a.clone()]);
    // 1 character.
    assert_eq!(numbers(&svc, now, q("黑")).await, vec![a.clone()]);
    assert_eq!(numbers(&svc, now, q("车")).await, vec![b.clone()]);
    // Several words must all occur; LIKE wildcards are literal.
    assert_eq!(numbers(&svc, now, q("垃圾 三天")).await, vec![c.clone()]);
    assert!(numbers(&svc, now, q("垃圾 路灯")).await.is_empty());
    assert!(numbers(&svc, now, q("%")).await.is_empty());
    assert!(numbers(&svc, now, q("_")).await.is_empty());

    // Replies are searched too, as soon as they are written (trigger-maintained index).
    let ctx = ctx_at(&svc, now).await;
    svc.acknowledge(&ctx, &c, None).await.unwrap();
    svc.reply(&ctx, &c, "环卫所已安排清运车辆", false, None)
        .await
        .unwrap();
    assert_eq!(numbers(&svc, now, q("环卫所")).await, vec![c.clone()]);
    assert_eq!(numbers(&svc, now, q("环卫")).await, vec![c.clone()]);
    // The standard acknowledgment text is a reply of every acknowledged case.
    assert_eq!(numbers(&svc, now, q("受理")).await, vec![c.clone()]);
}

#[tokio::test]
async fn filters_sorting_and_keyset_pages() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-03-20 09:00").await;
    svc.add_unit(&ctx, "镇城建办").await.unwrap();
    let mut all = Vec::new();
    for (i, day) in [
        "03-02", "03-03", "03-04", "03-05", "03-06", "03-09", "03-10",
    ]
    .iter()
    .enumerate()
    {
        let c = svc
            .register(
                &ctx,
                NewCase {
                    title: format!("留言{i}"),
                    content: "内容".into(),
                    received_at: Some(format!("2026-{day} 10:00")),
                    category: Some(if i % 2 == 0 { "民生" } else { "经济" }.into()),
                    sensitive: i == 3,
                    complex: i == 4,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        all.push(c.number);
    }
    svc.acknowledge(&ctx, &all[1], None).await.unwrap();
    svc.assign(
        &ctx,
        &all[1],
        Assignment {
            units: vec!["镇城建办".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // Newest received first, pages of 3 chained by the cursor, nothing lost or repeated.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = svc
            .search_cases(
                &ctx,
                &SearchFilter {
                    limit: Some(3),
                    cursor: cursor.clone(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(page.cases.len() <= 3);
        seen.extend(page.cases.into_iter().map(|c| c.number));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let mut newest_first = all.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // By due date, earliest first (the complex case is due last).
    let due = svc
        .search_cases(
            &ctx,
            &SearchFilter {
                sort: Some("due".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .cases;
    assert!(due.windows(2).all(|w| w[0].reply_due <= w[1].reply_due));

    let f = |filter: SearchFilter| numbers(&svc, "2026-03-20 09:00", filter);
    assert_eq!(
        f(SearchFilter {
            category: Some("经济".into()),
            ..Default::default()
        })
        .await
        .len(),
        3
    );
    assert_eq!(
        f(SearchFilter {
            sensitive: true,
            ..Default::default()
        })
        .await,
        vec![all[3].clone()]
    );
    assert_eq!(
        f(SearchFilter {
            complex: true,
            ..Default::default()
        })
        .await,
        vec![all[4].clone()]
    );
    assert_eq!(
        f(SearchFilter {
            unit: Some("镇城建办".into()),
            ..Default::default()
        })
        .await,
        vec![all[1].clone()]
    );
    assert_eq!(
        f(SearchFilter {
            status: Some("已交办".into()),
            ..Default::default()
        })
        .await,
        vec![all[1].clone()]
    );
    assert_eq!(
        f(SearchFilter {
            from: Some("2026-03-04".into()),
            to: Some("2026-03-05".into()),
            ..Default::default()
        })
        .await,
        vec![all[2].clone(), all[3].clone()]
    );
    // On 2026-03-20 every case is past its 7 working days, except the complex one (15).
    assert_eq!(
        f(SearchFilter {
            overdue: true,
            ..Default::default()
        })
        .await
        .len(),
        6
    );

    let bad = svc
        .search_cases(
            &ctx,
            &SearchFilter {
                from: Some("3月4日".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::Invalid(_)), "{bad}");
    assert!(bad.to_string().contains("YYYY-MM-DD"), "{bad}");
    let bad = svc
        .search_cases(
            &ctx,
            &SearchFilter {
                cursor: Some("nonsense".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(bad.to_string().contains("分页"), "{bad}");
}

#[tokio::test]
async fn dashboard_counts_match_the_queues_lists() {
    let (_d, svc) = fresh().await;
    let reg = ctx_at(&svc, "2026-03-02 09:00").await;
    svc.add_unit(&reg, "镇城建办").await.unwrap();
    let a = add(&svc, "2026-03-02 09:00", "甲", "内容").await;
    let b = add(&svc, "2026-03-02 09:00", "乙", "内容").await;
    let _c = add(&svc, "2026-03-10 09:00", "丙", "内容").await;
    // Registered yesterday afternoon: its acknowledgment falls due today at 14:00.
    let e = add(&svc, "2026-03-10 14:00", "戊", "内容").await;
    svc.register(
        &reg,
        NewCase {
            title: "丁".into(),
            content: "舆情".into(),
            sensitive: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    svc.acknowledge(&reg, &a, None).await.unwrap();
    svc.instruct(
        &ctx_at(&svc, "2026-03-10 08:00").await,
        &a,
        "张镇长",
        "抓紧办理",
    )
    .await
    .unwrap();
    svc.acknowledge(&reg, &b, None).await.unwrap();
    svc.reply(&reg, &b, "已处理", true, None).await.unwrap();

    // 2026-03-02 + 7 working days = 2026-03-11: due today on 03-11, overdue after.
    let now = "2026-03-11 10:00";
    let ctx = ctx_at(&svc, now).await;
    let d = svc.dashboard(&ctx).await.unwrap();
    let count = |code: &str| d.queues.iter().find(|q| q.queue == code).unwrap().count;
    assert_eq!(d.today, "2026-03-11");
    assert_eq!(count("awaiting_ack"), 3, "{d:?}");
    // 丁's reply is due today too, but it was not acknowledged within 24 h: it is overdue
    // and counted there only, as the watch (tray, desktop summary) counts it.
    assert_eq!(count("due_today"), 2, "甲 and 戊: {d:?}");
    assert_eq!(
        count("overdue"),
        2,
        "丙 and 丁 not acknowledged in 24 h: {d:?}"
    );
    assert_eq!(count("awaiting_feedback"), 1);
    assert_eq!(count("new_instructions"), 1);
    assert_eq!(count("unbriefed"), 1);
    let status = |code: &str| d.by_status.iter().find(|s| s.status == code).unwrap().count;
    assert_eq!(status("pending"), 3);
    // The watch's counts are the dashboard's.
    let watch = svc.due_report(&ctx).await.unwrap().counts;
    assert_eq!(
        (watch.due_today, watch.overdue, watch.pending),
        (2, 2, 3),
        "{watch:?}"
    );
    assert_eq!(status("acknowledged"), 1);
    assert_eq!(status("replied"), 1);
    assert_eq!(status("archived"), 0);
    assert!(d.next_ack_due.is_some());

    // One click into each list: the register's `queue` filter gives the same cases.
    for qc in &d.queues {
        let listed = numbers(
            &svc,
            now,
            SearchFilter {
                queue: Some(qc.queue.into()),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(listed.len() as i64, qc.count, "queue {}", qc.queue);
    }
    assert_eq!(
        numbers(
            &svc,
            now,
            SearchFilter {
                queue: Some("due_today".into()),
                ..Default::default()
            }
        )
        .await,
        vec![a.clone(), e]
    );
    // Written feedback takes the case off its queue.
    svc.feedback(&ctx, &b).await.unwrap();
    let d = svc.dashboard(&ctx).await.unwrap();
    assert_eq!(
        d.queues
            .iter()
            .find(|q| q.queue == "awaiting_feedback")
            .unwrap()
            .count,
        0
    );
}

#[tokio::test]
async fn actions_follow_the_state_machine_and_the_role() {
    let codes = |s, r, has| -> Vec<&str> {
        allowed_actions(s, r, has)
            .into_iter()
            .map(|a| a.code)
            .collect()
    };
    assert_eq!(
        codes(CaseStatus::Pending, Role::Clerk, false),
        vec!["acknowledge", "instruct", "merge"]
    );
    assert_eq!(
        codes(CaseStatus::Acknowledged, Role::Clerk, true),
        vec![
            "instruct",
            "assign",
            "extend",
            "reply_interim",
            "reply_final",
            "feedback",
            "merge"
        ]
    );
    assert!(!codes(CaseStatus::Acknowledged, Role::Clerk, false).contains(&"feedback"));
    assert_eq!(
        codes(CaseStatus::Replied, Role::Clerk, true),
        vec!["instruct", "feedback", "followup", "close", "reopen"]
    );
    assert_eq!(codes(CaseStatus::Closed, Role::Admin, true), {
        vec!["feedback", "followup", "archive", "reopen"]
    });
    assert!(codes(CaseStatus::Archived, Role::Admin, true).is_empty());
    assert_eq!(
        codes(CaseStatus::InProgress, Role::Leader, true),
        vec!["instruct", "extend"]
    );
    assert_eq!(
        codes(CaseStatus::Assigned, Role::Unit, false),
        vec!["return", "progress"]
    );

    // The service gives the same for a stored case, with its detail and labels.
    let (_d, svc) = fresh().await;
    let n = add(&svc, "2026-03-02 09:00", "甲", "内容").await;
    let ctx = ctx_at(&svc, "2026-03-02 10:00").await;
    let desk = svc.case_desk(&ctx, &n).await.unwrap();
    let labels: Vec<&str> = desk.actions.iter().map(|a| a.label).collect();
    assert_eq!(labels, vec!["受理", "领导批示", "合并为重复件"]);
    assert_eq!(desk.detail.events.len(), 1);
    let json = serde_json::to_value(&desk).unwrap();
    assert_eq!(json["number"], n.as_str());
    assert_eq!(json["actions"][0]["code"], "acknowledge");
}

#[tokio::test]
async fn assignment_preview_shows_the_due_date_before_confirming() {
    let (_d, svc) = fresh().await;
    let n = add(&svc, "2026-03-02 09:00", "甲", "内容").await;
    let ctx = ctx_at(&svc, "2026-03-02 10:00").await;
    let one = svc.assign_preview(&ctx, &n, 1).await.unwrap();
    let two = svc.assign_preview(&ctx, &n, 2).await.unwrap();
    assert_eq!(
        (one.working_days, one.reply_due.as_str()),
        (7, "2026-03-11")
    );
    assert_eq!(
        (two.working_days, two.reply_due.as_str()),
        (15, "2026-03-23")
    );
    assert!(svc.assign_preview(&ctx, &n, 0).await.is_err());
}

#[tokio::test]
async fn reply_templates_crud_with_events_and_refusals() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-03-02 09:00").await;
    let seeded = svc.list_templates().await.unwrap();
    assert_eq!(seeded.len(), 3);
    assert_eq!(seeded[0].kind, "acknowledgment");
    assert_eq!(seeded[0].text, wenzheng_core::model::STANDARD_ACK_TEXT);

    let t = svc
        .add_template(
            &ctx,
            &NewTemplate {
                name: "路灯维修答复".into(),
                kind: "最终答复".into(),
                text: "路灯已修复。".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (t.kind.as_str(), t.kind_name.as_str()),
        ("final", "最终答复")
    );
    let dup = svc
        .add_template(
            &ctx,
            &NewTemplate {
                name: "路灯维修答复".into(),
                kind: "final".into(),
                text: "x".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(dup.to_string().contains("已存在"), "{dup}");

    // A refused change writes nothing.
    let before = dump(&svc).await;
    let empty = svc
        .update_template(
            &ctx,
            t.id,
            &NewTemplate {
                name: "路灯维修答复".into(),
                kind: "final".into(),
                text: "  ".into(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(empty.to_string(), "模板内容不能为空");
    assert_eq!(dump(&svc).await, before);

    let u = svc
        .update_template(
            &ctx,
            t.id,
            &NewTemplate {
                name: "路灯维修答复".into(),
                kind: "interim".into(),
                text: "正在维修。".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(u.text, "正在维修。");
    svc.delete_template(&ctx, t.id).await.unwrap();
    assert_eq!(svc.list_templates().await.unwrap().len(), 3);
    assert!(matches!(
        svc.delete_template(&ctx, t.id).await.unwrap_err(),
        Error::NotFound(_)
    ));
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM events WHERE kind LIKE 'template_%' ORDER BY id")
            .fetch_all(svc.db().pool())
            .await
            .unwrap();
    assert_eq!(
        kinds,
        ["template_add", "template_update", "template_delete"]
    );
    assert!(svc.verify().await.unwrap().ok);
}

#[tokio::test]
async fn similar_cases_are_suggested_at_intake() {
    let (_d, svc) = fresh().await;
    let now = "2026-03-02 09:00";
    let a = add(&svc, now, "幸福路路灯不亮", "幸福路12号门口路灯坏了两周").await;
    add(&svc, now, "公交早班车太少", "建议增加班次").await;
    let ctx = ctx_at(&svc, now).await;
    let similar = svc
        .similar_cases(&ctx, "幸福路的路灯又不亮了", "")
        .await
        .unwrap();
    assert_eq!(similar.first().map(|c| c.number.as_str()), Some(a.as_str()));
    assert_eq!(similar.len(), 1);
    assert!(svc.similar_cases(&ctx, "好", "").await.unwrap().is_empty());
}

#[tokio::test]
async fn units_can_be_switched_off_and_on() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-03-02 09:00").await;
    let u = svc.add_unit(&ctx, "镇农业办").await.unwrap();
    let off = svc.set_unit_active(&ctx, u.id, false).await.unwrap();
    assert!(!off.active);
    let n = add(&svc, "2026-03-02 09:00", "甲", "内容").await;
    svc.acknowledge(&ctx, &n, None).await.unwrap();
    let err = svc
        .assign(
            &ctx,
            &n,
            Assignment {
                units: vec!["镇农业办".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("已停用"), "{err}");
    assert!(svc.set_unit_active(&ctx, u.id, true).await.unwrap().active);
    assert!(matches!(
        svc.set_unit_active(&ctx, 999, true).await.unwrap_err(),
        Error::NotFound(_)
    ));
}
