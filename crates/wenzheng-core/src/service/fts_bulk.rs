//! Writing many cases in one transaction without the full-text index's cost per row.
//!
//! The insert triggers of migration 0013 write each case's `case_fts` row as the case is
//! inserted. Inside a long transaction FTS5 writes its pending terms out as a new segment
//! at every statement that opens a savepoint (every insert that fires a trigger), and its
//! automatic merging then works on the whole index for each of those one-row segments:
//! importing 2,000 rows into a 100,000-case database took 41 s, nearly all of it in FTS5
//! merges. While a bulk write runs, the insert triggers are dropped and the index rows
//! are written at the end in one statement (one segment per megabyte of terms), then
//! the triggers are re-created from their stored definitions — all in the same
//! transaction, so no other connection ever sees the database without them.

use sqlx::SqliteConnection;

use super::search::FTS_END;
use crate::error::Result;

/// The full-text triggers that fire on inserts into `cases` and `replies`.
const INSERT_TRIGGERS: [&str; 2] = ["cases_fts_insert", "replies_fts_insert"];

/// The insert triggers dropped by [`suspend`], to be re-created by [`Suspended::restore`].
#[must_use = "the full-text triggers must be restored in the same transaction"]
pub(crate) struct Suspended(Vec<String>);

/// Drops the full-text insert triggers inside the caller's transaction.
pub(crate) async fn suspend(conn: &mut SqliteConnection) -> Result<Suspended> {
    let mut defs = Vec::new();
    for name in INSERT_TRIGGERS {
        let sql: Option<String> = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1",
        )
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(sql) = sql {
            sqlx::query(&format!("DROP TRIGGER {name}"))
                .execute(&mut *conn)
                .await?;
            defs.push(sql);
        }
    }
    Ok(Suspended(defs))
}

impl Suspended {
    /// Re-creates the triggers (same transaction as [`suspend`]).
    pub(crate) async fn restore(self, conn: &mut SqliteConnection) -> Result<()> {
        for sql in self.0 {
            sqlx::query(&sql).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// Writes the full-text rows of the new cases `ids` (cases without replies yet), as the
/// insert trigger would have: title and content, each ending with [`FTS_END`].
pub(crate) async fn index_new_cases(conn: &mut SqliteConnection, ids: &[i64]) -> Result<()> {
    let ids = serde_json::to_string(ids).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
    sqlx::query(
        "INSERT INTO case_fts (rowid, title, content, replies)
         SELECT id, title || $2, content || $2, '' FROM cases
         WHERE id IN (SELECT value FROM json_each($1)) ORDER BY id",
    )
    .bind(ids)
    .bind(FTS_END)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
