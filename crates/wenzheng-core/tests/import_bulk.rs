//! The import as a bulk write: a database error while its rows are written leaves nothing
//! behind (no case, event, import record or full-text row; the triggers back), and the
//! connection's page cache, raised for the write, is back to the usual size afterwards —
//! after a failed write and after an imported file.
mod common;

use common::{ctx_at, dump, fresh};
use sqlx::pool::PoolConnection;
use sqlx::Any;
use wenzheng_core::service::{ImportMode, NewCase, SearchFilter};
use wenzheng_core::Service;

const CSV: &str = "标题,留言内容,收到时间,问题类别,来源平台,链接\n\
路灯不亮,某村路灯坏了,2026-02-10 09:00,民生,网络问政平台,https://example.org/t/1\n\
垃圾清运,垃圾三天没运走,2026-02-11 10:00,,,\n\
噪音扰民,工地夜间施工,2026-02-12 22:00,,网络问政平台,https://example.org/t/3\n";

/// The page cache (`PRAGMA cache_size`) of every connection the pool holds: all of them
/// are taken at once, so the one the import used is among them.
async fn cache_sizes(svc: &Service) -> Vec<i64> {
    let pool = svc.db().pool();
    let mut held: Vec<PoolConnection<Any>> = Vec::new();
    while held.len() < usize::try_from(pool.size()).unwrap() {
        held.push(pool.acquire().await.unwrap());
    }
    let mut sizes = Vec::new();
    for conn in &mut held {
        sizes.push(
            sqlx::query_scalar("PRAGMA cache_size")
                .fetch_one(&mut **conn)
                .await
                .unwrap(),
        );
    }
    sizes
}

/// The full-text insert triggers present (and, on PostgreSQL, enabled).
async fn fts_triggers(svc: &Service) -> i64 {
    sqlx::query_scalar(if common::on_postgres() {
        "SELECT COUNT(*) FROM pg_trigger WHERE tgenabled = 'O'
         AND tgname IN ('cases_fts_insert', 'replies_fts_insert')"
    } else {
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'
         AND name IN ('cases_fts_insert', 'replies_fts_insert')"
    })
    .fetch_one(svc.db().pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_failed_write_leaves_nothing_and_the_page_cache_is_set_back() {
    let (dir, svc) = fresh().await;
    let ctx = ctx_at(&svc, "2026-02-21 09:00").await;
    let sqlite = !common::on_postgres();
    // The usual size, as each new connection sets it.
    let usual = if sqlite {
        cache_sizes(&svc).await[0]
    } else {
        0
    };
    svc.register(
        &ctx,
        NewCase {
            title: "已登记的留言".into(),
            content: "第一件".into(),
            received_at: Some("2026-02-09 08:00".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // The case counter set back: the import's second number is already taken, so the
    // insert of the cases fails inside the write (a UNIQUE number), after the full-text
    // triggers were suspended and the page cache raised.
    sqlx::query("UPDATE counters SET value = 0 WHERE name = 'case'")
        .execute(svc.db().pool())
        .await
        .unwrap();
    let before = dump(&svc).await;
    let csv = dir.path().join("留言.csv");
    std::fs::write(&csv, CSV).unwrap();
    let failed = svc.import_cases(&ctx, &csv, ImportMode::AllOrNothing).await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(dump(&svc).await, before);
    assert_eq!(fts_triggers(&svc).await, 2);
    if sqlite {
        let sizes = cache_sizes(&svc).await;
        assert!(sizes.iter().all(|s| *s == usual), "{sizes:?} ≠ {usual}");
    }

    // With the counter right again the same file is imported, found and searchable.
    sqlx::query("UPDATE counters SET value = 1 WHERE name = 'case'")
        .execute(svc.db().pool())
        .await
        .unwrap();
    let report = svc
        .import_cases(&ctx, &csv, ImportMode::AllOrNothing)
        .await
        .unwrap();
    assert!(report.written);
    let numbers: Vec<Option<String>> = report.imported.iter().map(|r| r.number.clone()).collect();
    assert_eq!(
        numbers,
        ["WZ-2026-000002", "WZ-2026-000003", "WZ-2026-000004"].map(|n| Some(n.to_string()))
    );
    if sqlite {
        let sizes = cache_sizes(&svc).await;
        assert!(sizes.iter().all(|s| *s == usual), "{sizes:?} ≠ {usual}");
    }
    let filter = SearchFilter {
        q: Some("工地夜间".into()),
        ..Default::default()
    };
    let found = svc.search_cases(&ctx, &filter).await.unwrap();
    let found: Vec<&str> = found.cases.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(found, ["WZ-2026-000004"]);
    assert_eq!(fts_triggers(&svc).await, 2);
    assert!(svc.verify().await.unwrap().ok);
}
