//! `seed_demo`: deterministic for a seed, and the database it writes keeps every
//! invariant the services keep (hash chain, full-text index, deadlines, case numbers).

mod common;

use common::{ctx_at, dump, fresh};
use wenzheng_core::service::SearchFilter;
use wenzheng_core::Error;

const NOW: &str = "2026-11-27 10:00";

/// Every row, leaving out the migrations' bookkeeping (when and how fast they ran).
async fn data(svc: &wenzheng_core::Service) -> Vec<String> {
    let mut rows = dump(svc).await;
    rows.retain(|r| !r.starts_with("_sqlx_migrations:"));
    rows
}

#[tokio::test]
async fn the_same_seed_gives_the_same_database_and_it_verifies() {
    let (_d1, a) = fresh().await;
    let (_d2, b) = fresh().await;
    let (_d3, c) = fresh().await;
    let sa = a.seed_demo(&ctx_at(&a, NOW).await, 300, 42).await.unwrap();
    b.seed_demo(&ctx_at(&b, NOW).await, 300, 42).await.unwrap();
    c.seed_demo(&ctx_at(&c, NOW).await, 300, 43).await.unwrap();
    let (da, db, dc) = (data(&a).await, data(&b).await, data(&c).await);
    if let Some((x, y)) = da.iter().zip(&db).find(|(x, y)| x != y) {
        panic!("same seed, other data: {x} ≠ {y}");
    }
    assert_eq!(da.len(), db.len(), "same seed, same data");
    assert_ne!(da, dc, "another seed, other data");

    assert_eq!(sa.cases, 300);
    assert_eq!(sa.by_status.values().sum::<u64>(), 300);
    assert!(
        sa.by_status.len() >= 3,
        "a mix of states: {:?}",
        sa.by_status
    );
    let verify = a.verify().await.unwrap();
    assert!(verify.ok, "{:?}", verify.problems);
    assert_eq!(verify.events_checked as u64, sa.events);

    let pool = a.db().pool();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(n, 300);
    // The full-text index holds exactly each case's title, content and replies, each
    // followed by two line feeds as the triggers write them (migration 0013).
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cases c LEFT JOIN case_fts f ON f.rowid = c.id
         WHERE f.rowid IS NULL OR f.title <> c.title || $1
            OR f.content <> c.content || $1
            OR f.replies <> COALESCE((SELECT string_agg(r.text, $2 ORDER BY r.id)
                                      FROM replies r WHERE r.case_id = c.id) || $1, '')",
    )
    .bind("\n\n")
    .bind("\n")
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    // The FTS triggers are back: a case registered afterwards is found by its words.
    let ctx = ctx_at(&a, NOW).await;
    a.register(
        &ctx,
        wenzheng_core::service::NewCase {
            title: "演示后登记的独特标题甲乙丙".into(),
            content: "内容".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let page = a
        .search_cases(
            &ctx,
            &SearchFilter {
                q: Some("独特标题甲乙丙".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.cases.len(), 1);
    // Case numbers continue after the generated ones.
    assert!(page.cases[0].number.starts_with("WZ-2026-"));
    let dupes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT number FROM cases GROUP BY number HAVING COUNT(*) > 1) AS d",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(dupes, 0);

    // Searching the demo data finds what a plain scan finds, for short and long queries.
    for q in ["路灯", "垃圾清运", "自来水水质差"] {
        let like = format!("%{q}%");
        let want: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM cases c WHERE c.title LIKE $1 OR c.content LIKE $1
               OR EXISTS (SELECT 1 FROM replies r WHERE r.case_id = c.id AND r.text LIKE $1)",
        )
        .bind(&like)
        .fetch_one(pool)
        .await
        .unwrap();
        assert!(want > 0, "{q} occurs in the demo data");
        let page = a
            .search_cases(
                &ctx,
                &SearchFilter {
                    q: Some(q.into()),
                    limit: Some(500),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(page.cases.len() as i64, want, "{q}");
    }
}

#[tokio::test]
async fn only_an_empty_database_is_seeded_and_only_by_an_administrator() {
    let (_d, svc) = fresh().await;
    let ctx = ctx_at(&svc, NOW).await;
    assert!(matches!(
        svc.seed_demo(&ctx, 0, 1).await,
        Err(Error::Invalid(_))
    ));
    svc.seed_demo(&ctx, 20, 1).await.unwrap();
    let before = dump(&svc).await;
    let err = svc.seed_demo(&ctx, 20, 1).await.unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    assert!(err.to_string().contains("已有 20 件案件"), "{err}");
    assert_eq!(dump(&svc).await, before, "a refusal writes nothing");
}
