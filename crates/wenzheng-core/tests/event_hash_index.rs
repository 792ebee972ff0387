//! Migration 0023 on a database written before it: the event log's `hash` loses its UNIQUE
//! index (SQLite cannot drop the constraint; the migration edits the stored definition and
//! drops the automatic index as an ordinary one) and `cases_received` goes. The file stays
//! sound (`integrity_check`: no page of the dropped index left unaccounted for), the chain
//! still verifies, and events are appended after it as before.

mod common;

use std::path::Path;

use common::{ctx_at, migrate_before, sqlite_only, sqlite_pool};
use wenzheng_core::integrity::{EventFields, GENESIS_HASH};
use wenzheng_core::service::NewCase;
use wenzheng_core::Service;

/// The first migration this test upgrades through.
const VERSION: i64 = 20261127000023;

/// A database migrated up to (not including) [`VERSION`], holding a chain of `n` events.
async fn before_0023(path: &Path, n: i64) {
    let pool = sqlite_pool(path).await;
    migrate_before(&pool, VERSION).await;
    let mut prev = GENESIS_HASH.to_string();
    for id in 1..=n {
        let fields = EventFields {
            id,
            case_id: None,
            actor_id: 1,
            at: "2026-11-02T09:00:00+08:00".into(),
            kind: "setting".into(),
            summary: format!("设置第 {id} 次"),
            before: None,
            after: Some(format!("{{\"n\":{id}}}")),
        };
        let hash = fields.hash(&prev);
        sqlx::query(
            "INSERT INTO events (id, case_id, actor_id, at, kind, summary, before, after,
                prev_hash, hash) VALUES ($1, NULL, $2, $3, $4, $5, NULL, $6, $7, $8)",
        )
        .bind(id)
        .bind(fields.actor_id)
        .bind(&fields.at)
        .bind(&fields.kind)
        .bind(&fields.summary)
        .bind(&fields.after)
        .bind(&prev)
        .bind(&hash)
        .execute(&pool)
        .await
        .unwrap();
        prev = hash;
    }
    pool.close().await;
}

#[tokio::test]
async fn the_event_hash_index_goes_and_the_file_and_chain_stay_sound() {
    if sqlite_only(
        "the_event_hash_index_goes_and_the_file_and_chain_stay_sound",
        "SQLite 的表定义与自动索引",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    before_0023(&path, 3000).await;

    let svc = Service::open(&path).await.unwrap();
    let ctx = ctx_at(&svc, "2026-11-27 10:00").await;
    // Events are appended after the migration as before.
    svc.register(
        &ctx,
        NewCase {
            title: "迁移之后登记".into(),
            content: "某村主干道路灯已坏一个月，夜间出行不便。".into(),
            received_at: Some("2026-11-27 09:00".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let verified = svc.verify().await.unwrap();
    assert!(verified.ok, "{:?}", verified.problems);
    assert!(verified.integrity_ok);
    assert_eq!(verified.events_checked, 3001);
    svc.shutdown().await;

    let pool = sqlite_pool(&path).await;
    let check: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(check, ["ok"]);
    let table: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'events'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(table.contains("hash      TEXT NOT NULL\n"), "{table}");
    assert!(!table.contains("UNIQUE"), "{table}");
    let on_hash: Vec<String> = sqlx::query_scalar(
        "SELECT il.name FROM pragma_index_list('events') il, pragma_index_info(il.name) ii
         WHERE ii.name = 'hash'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(on_hash.is_empty(), "{on_hash:?}");
    let gone: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema
         WHERE name IN ('sqlite_autoindex_events_1', 'events_hash_retired', 'cases_received')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(gone.is_empty(), "{gone:?}");
    pool.close().await;
}
