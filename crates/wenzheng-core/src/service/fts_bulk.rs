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
//!
//! On SQLite a bulk write also runs with a large page cache ([`raise_cache`]), and the
//! full-text rows are written with an in-memory term table large enough for all of them
//! (`hashsize`), so they become one index segment, written once.

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

/// The page cache of a connection during a bulk write (`PRAGMA cache_size`, KiB), so that
/// the pages a large transaction changes stay in memory until its commit instead of being
/// spilled to the WAL and read back: an import of 20,000 rows changes ~14,000 pages at
/// 1,000,000 cases (the `case_imports` key, a SHA-256, lands at random places; until
/// migration 0023 the event log's UNIQUE `hash` did too, with 26,000 pages more).
const BULK_CACHE_KIB: i64 = 512 * 1024;

/// The full-text index's in-memory term table while [`index_new_cases`] runs (bytes),
/// and FTS5's default, set back afterwards: with the default FTS5 writes a segment per
/// megabyte of terms and merges them as it goes.
const BULK_HASHSIZE: (i64, i64) = (256 << 20, 1 << 20);

/// Raises the connection's page cache to [`BULK_CACHE_KIB`] for a bulk write (SQLite),
/// returning the size to set back with [`set_cache`] before the transaction ends.
pub(crate) async fn raise_cache(conn: &mut AnyConnection, backend: Backend) -> Result<Option<i64>> {
    if backend != Backend::Sqlite {
        return Ok(None);
    }
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
        .fetch_one(&mut *conn)
        .await?;
    set_cache(conn, -BULK_CACHE_KIB).await?;
    Ok(Some(cache))
}

/// Sets the connection's page cache (`PRAGMA cache_size`: pages, or KiB when negative).
pub(crate) async fn set_cache(conn: &mut AnyConnection, size: i64) -> Result<()> {
    sqlx::query(&format!("PRAGMA cache_size = {size}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sets the full-text index's term table size (SQLite; a setting stored in the index,
/// so it follows the transaction).
async fn set_hashsize(conn: &mut AnyConnection, bytes: i64) -> Result<()> {
    sqlx::query("INSERT INTO case_fts (case_fts, rank) VALUES ('hashsize', $1)")
        .bind(bytes)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes the full-text rows of the new cases `ids` (cases without replies yet), as the
/// insert trigger would have: title and content, each ending with [`FTS_END`].
pub(crate) async fn index_new_cases(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<()> {
    let sqlite = backend == Backend::Sqlite;
    if sqlite {
        set_hashsize(conn, BULK_HASHSIZE.0).await?;
    }
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
    if sqlite {
        set_hashsize(conn, BULK_HASHSIZE.1).await?;
    }
    Ok(())
}
