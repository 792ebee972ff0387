//! The speed-ups of `docs/performance.md` give the same answers as the slow paths they
//! replace, on a real database (a SQLite file, or PostgreSQL: see `common`): search
//! (the trigram index, short queries, LIKE) against a scan of every text, the trigger-kept
//! status counts and 待书面反馈 list against the queries they replace, and the in-memory
//! calendar against changes made by another process.

mod common;

use std::collections::HashMap;

use common::{at, ctx_at, fresh};
use wenzheng_core::service::{NewCase, SearchFilter};
use wenzheng_core::{Ctx, Service};

/// Every case number the register lists for `q`, following the pages, in its order.
async fn search_all(svc: &Service, ctx: &Ctx, q: &str, sort: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = svc
            .search_cases(
                ctx,
                &SearchFilter {
                    q: Some(q.into()),
                    sort: Some(sort.into()),
                    cursor: cursor.clone(),
                    limit: Some(500),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        out.extend(page.cases.into_iter().map(|c| c.number));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// The same list computed the slow way, outside the database: every case whose title,
/// content or a reply contains each term (case folded), sorted as the register sorts.
async fn brute_force(svc: &Service, terms: &[&str], sort: &str) -> Vec<String> {
    let pool = svc.db().pool();
    let cases: Vec<(i64, String, String, String, String, String)> =
        sqlx::query_as("SELECT id, number, title, content, received_at, reply_due FROM cases")
            .fetch_all(pool)
            .await
            .unwrap();
    let replies: Vec<(i64, String)> = sqlx::query_as("SELECT case_id, text FROM replies")
        .fetch_all(pool)
        .await
        .unwrap();
    let mut texts: HashMap<i64, Vec<String>> = HashMap::new();
    for (case, text) in replies {
        texts.entry(case).or_default().push(text.to_lowercase());
    }
    let terms: Vec<String> = terms.iter().map(|t| t.to_lowercase()).collect();
    let mut found: Vec<_> = cases
        .into_iter()
        .filter(|(id, _, title, content, _, _)| {
            let (title, content) = (title.to_lowercase(), content.to_lowercase());
            let replies = texts.get(id).map(Vec::as_slice).unwrap_or_default();
            terms.iter().all(|t| {
                title.contains(t.as_str())
                    || content.contains(t.as_str())
                    || replies.iter().any(|r| r.contains(t.as_str()))
            })
        })
        .collect();
    match sort {
        "due" => found.sort_by(|a, b| (&a.5, a.0).cmp(&(&b.5, b.0))),
        _ => found.sort_by(|a, b| (&b.4, b.0).cmp(&(&a.4, a.0))),
    }
    found.into_iter().map(|c| c.1).collect()
}

#[tokio::test]
async fn short_and_long_queries_find_exactly_what_like_finds() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-27 10:00").await;
    // 2,500 demo cases: “受理” and “尽快给您” (the standard acknowledgment, a reply of
    // nearly every case) match more than the 2,000 cases above which the register walks
    // its sort index; rarer words are read by id.
    svc.seed_demo(&ctx, 2_500, 7).await.unwrap();
    // Words at the very end of a title, a content and a reply (no character after them),
    // a two-character title, ASCII in both cases, and a character followed by more than
    // 400 different characters (looked for with LIKE instead of the index).
    let many: String = (0..450u32)
        .map(|i| format!("的{}", char::from_u32(0x4E00 + 7 * i).unwrap()))
        .collect();
    for (title, content) in [
        ("反映噪音扰民问题", "夜间施工，请查处工地"),
        ("桥梁", "河上的桥有裂缝Ab"),
        ("关于村口水井", many.as_str()),
    ] {
        let c = svc
            .register(
                &ctx,
                NewCase {
                    title: title.into(),
                    content: content.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        svc.acknowledge(&ctx, &c.number, None).await.unwrap();
        svc.reply(&ctx, &c.number, "已转交相关部门核实水井", false, None)
            .await
            .unwrap();
    }
    for q in [
        "受理",
        "尽快给您",
        "路灯",
        "垃圾",
        "垃圾桶",
        "自来水水质差",
        "工地",
        "桥梁",
        "水井",
        "井",
        "ab",
        "AB",
        "的",
        "灯",
        "噪音 工地",
        "路灯 垃圾",
        "夻夻",
        "%",
    ] {
        let terms: Vec<&str> = q.split_whitespace().collect();
        for sort in ["received", "due"] {
            let found = search_all(&svc, &ctx, q, sort).await;
            let expected = brute_force(&svc, &terms, sort).await;
            assert_eq!(found, expected, "search “{q}”, sort {sort}");
        }
    }
    // The dense path was taken at least once, and the rare words found something.
    assert!(search_all(&svc, &ctx, "受理", "received").await.len() > 2_000);
    assert!(!search_all(&svc, &ctx, "桥梁", "received").await.is_empty());
}

#[tokio::test]
async fn kept_counts_and_the_feedback_list_match_the_queries_they_replace() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-11-27 10:00").await;
    svc.seed_demo(&ctx, 1_500, 3).await.unwrap();
    let pool = svc.db().pool();
    let check = || async {
        let kept: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, n FROM case_status_counts WHERE n > 0 ORDER BY status")
                .fetch_all(pool)
                .await
                .unwrap();
        let counted: Vec<(String, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM cases GROUP BY status ORDER BY status")
                .fetch_all(pool)
                .await
                .unwrap();
        assert_eq!(kept, counted);
        let kept: Vec<i64> =
            sqlx::query_scalar("SELECT case_id FROM cases_awaiting_feedback ORDER BY case_id")
                .fetch_all(pool)
                .await
                .unwrap();
        let computed: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM cases c WHERE EXISTS (SELECT 1 FROM replies r
               WHERE r.case_id = c.id AND r.kind <> 'acknowledgment'
               AND NOT EXISTS (SELECT 1 FROM feedbacks f
                               WHERE f.case_id = c.id AND f.reply_id >= r.id)) ORDER BY c.id",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert_eq!(kept, computed);
        kept.len()
    };
    let before = check().await;

    // A new case through its steps: each changes the counts or the list.
    let c = svc
        .register(
            &ctx,
            NewCase {
                title: "路面塌陷".into(),
                content: "村口路面塌陷，请尽快修复".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    check().await;
    svc.acknowledge(&ctx, &c.number, None).await.unwrap();
    assert_eq!(
        check().await,
        before,
        "an acknowledgment needs no written feedback"
    );
    svc.reply(&ctx, &c.number, "已安排修复", false, None)
        .await
        .unwrap();
    assert_eq!(check().await, before + 1);
    svc.feedback(&ctx, &c.number).await.unwrap();
    assert_eq!(check().await, before);

    // The dashboard shows the kept numbers.
    let dash = svc.dashboard(&ctx).await.unwrap();
    let total: i64 = dash.by_status.iter().map(|s| s.count).sum();
    assert_eq!(total, 1_501);
    let awaiting = dash
        .queues
        .iter()
        .find(|q| q.queue == "awaiting_feedback")
        .unwrap();
    let listed = svc
        .search_cases(
            &ctx,
            &SearchFilter {
                queue: Some("awaiting_feedback".into()),
                limit: Some(500),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(awaiting.count as usize, listed.cases.len());
}

#[tokio::test]
async fn the_cached_calendar_follows_an_import_by_another_process() {
    let (dir, app) = fresh().await;
    let received = at("2026-12-28 10:00");
    // The desktop app computes a deadline into 2027 (no schedule yet: an estimate)…
    let d = app.deadline(received, false).await.unwrap();
    assert_eq!(
        (d.reply_due.as_str(), d.calendar_complete),
        ("2027-01-06", false)
    );
    // …the CLI, another process on the same file, imports 2027…
    let cli = dir.reopen().await;
    let ctx = ctx_at(&cli, "2026-12-01 09:00").await;
    let json = r#"{"year":2027,"papers":[],"days":[
        {"name":"元旦","date":"2027-01-01","isOffDay":true},
        {"name":"元旦","date":"2027-01-04","isOffDay":true}]}"#;
    cli.import_calendar(&ctx, json, "test").await.unwrap();
    // …and the app's next call uses it, without being told.
    let d = app.deadline(received, false).await.unwrap();
    assert_eq!(
        (d.reply_due.as_str(), d.calendar_complete),
        ("2027-01-08", true)
    );
    // A change made behind the services (here: SQL) is seen as well: the triggers raise
    // the calendar's version.
    sqlx::query("UPDATE calendar_days SET is_off_day = 0 WHERE day = '2027-01-04'")
        .execute(cli.db().pool())
        .await
        .unwrap();
    let d = app.deadline(received, false).await.unwrap();
    assert_eq!(d.reply_due.as_str(), "2027-01-07");
    // The explicit hook drops the cached calendar (the next call reloads the same).
    app.invalidate_calendar();
    let d = app.deadline(received, false).await.unwrap();
    assert_eq!(d.reply_due.as_str(), "2027-01-07");
}
