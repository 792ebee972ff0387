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

use sqlx::AnyConnection;

use super::search::FTS_END;
use crate::db::Backend;
use crate::dialect;
use crate::error::Result;

/// The full-text triggers that fire on inserts into `cases` and `replies` (table, trigger).
const INSERT_TRIGGERS: [(&str, &str); 2] = [
    ("cases", "cases_fts_insert"),
    ("replies", "replies_fts_insert"),
];

/// What [`Suspended::restore`] runs to switch the triggers of [`suspend`] on again.
#[must_use = "the full-text triggers must be restored in the same transaction"]
pub(crate) struct Suspended(Vec<String>);

/// Switches the full-text insert triggers off inside the caller's transaction (SQLite drops
/// them, PostgreSQL disables them: `dialect::suspend_triggers`).
pub(crate) async fn suspend(conn: &mut AnyConnection, backend: Backend) -> Result<Suspended> {
    Ok(Suspended(
        dialect::suspend_triggers(conn, backend, &INSERT_TRIGGERS).await?,
    ))
}

impl Suspended {
    /// Switches the triggers on again (same transaction as [`suspend`]).
    pub(crate) async fn restore(self, conn: &mut AnyConnection) -> Result<()> {
        for sql in self.0 {
            sqlx::query(&sql).execute(&mut *conn).await?;
        }
        Ok(())
    }
}

/// Writes the full-text rows of the new cases `ids` (cases without replies yet), as the
/// insert trigger would have: title and content, each ending with [`FTS_END`].
pub(crate) async fn index_new_cases(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<()> {
    let ids = serde_json::to_string(ids).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
    sqlx::query(&format!(
        "INSERT INTO case_fts (rowid, title, content, replies)
         SELECT id, title || $2, content || $2, '' FROM cases
         WHERE id IN ({}) ORDER BY id",
        dialect::ids_of_json(backend, "$1")
    ))
    .bind(ids)
    .bind(FTS_END)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
