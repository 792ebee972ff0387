//! Helpers shared by the integration tests: a fresh database file, a context at a given
//! time, and a full dump of the database to compare before and after.

#![allow(dead_code)]

use chrono::{DateTime, FixedOffset};
use tempfile::TempDir;
use wenzheng_core::clock::parse_local;
use wenzheng_core::{Ctx, Service};

/// A new database file in a temporary directory (kept alive by the returned `TempDir`).
pub async fn fresh() -> (TempDir, Service) {
    let dir = tempfile::tempdir().unwrap();
    let svc = Service::open(&dir.path().join("test.db")).await.unwrap();
    (dir, svc)
}

/// A local time.
pub fn at(t: &str) -> DateTime<FixedOffset> {
    parse_local(t).unwrap()
}

/// The administrator acting at `t`.
pub async fn ctx_at(svc: &Service, t: &str) -> Ctx {
    Ctx {
        actor: svc.actor(None).await.unwrap(),
        now: at(t),
    }
}

/// Every row of every table, rendered with `quote()`, in a stable order.
pub async fn dump(svc: &Service) -> Vec<String> {
    let pool = svc.db().pool();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(&t)
            .fetch_all(pool)
            .await
            .unwrap();
        let expr: Vec<String> = cols.iter().map(|c| format!("quote(\"{c}\")")).collect();
        let sql = format!("SELECT {} FROM \"{t}\"", expr.join(" || '|' || "));
        let mut rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(pool).await.unwrap();
        // Sorted here: also works for WITHOUT ROWID and FTS shadow tables.
        rows.sort();
        out.extend(rows.into_iter().map(|r| format!("{t}: {r}")));
    }
    out
}
