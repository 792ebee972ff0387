//! Checking the record: SQLite's own integrity check and the event chain.

use super::Service;
use crate::error::Result;
use futures_util::TryStreamExt;
use sqlx::{Connection, SqliteConnection};

use crate::integrity::{ChainCheck, StoredEvent};
use crate::view::VerifyView;

impl Service {
    /// Runs `PRAGMA integrity_check` and checks the hash chain of the event log.
    pub async fn verify(&self) -> Result<VerifyView> {
        verify_pool(self.db.pool()).await
    }
}

/// The same checks on any open pool (also used on a backup before restoring it).
pub(crate) async fn verify_pool(pool: &sqlx::SqlitePool) -> Result<VerifyView> {
    // On a new connection, not one of the pool's: SQLite 3.46's `integrity_check` reads an
    // FTS5 index through the structure the connection cached, and on a connection that
    // used the index before another one changed it, it reports a sound index as
    // "malformed inverted index" (tests/fts_integrity.rs).
    let mut conn = SqliteConnection::connect_with(&pool.connect_options()).await?;
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut conn)
        .await?;
    let integrity_ok = integrity.len() == 1 && integrity[0] == "ok";
    // Streamed: the log of a large office does not fit in memory comfortably.
    let mut chain = ChainCheck::default();
    let mut rows = sqlx::query_as::<_, StoredEvent>(
        "SELECT id, case_id, actor_id, at, kind, summary, before, after, prev_hash, hash
         FROM events ORDER BY id",
    )
    .fetch(&mut conn);
    while let Some(e) = rows.try_next().await? {
        chain.push(&e);
    }
    drop(rows);
    conn.close().await?;
    let mut problems: Vec<String> = if integrity_ok {
        Vec::new()
    } else {
        integrity
            .iter()
            .map(|m| format!("数据库文件损坏：{m}"))
            .collect()
    };
    let events_checked = chain.checked();
    problems.extend(chain.finish());
    Ok(VerifyView {
        ok: problems.is_empty(),
        integrity_ok,
        events_checked,
        problems,
    })
}
