//! Checking the record: SQLite's own integrity check and the event chain.

use super::Service;
use crate::error::Result;
use futures_util::TryStreamExt;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{Connection, SqliteConnection};

use crate::integrity::{ChainCheck, StoredEvent};
use crate::view::VerifyView;

/// How much of a SQLite file's structure is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageCheck {
    /// `PRAGMA integrity_check`: every page, and every index against its table.
    Full,
    /// `PRAGMA quick_check`: every page, without comparing indexes with their tables.
    Quick,
}

impl PageCheck {
    fn pragma(self) -> &'static str {
        match self {
            PageCheck::Full => "PRAGMA integrity_check",
            PageCheck::Quick => "PRAGMA quick_check",
        }
    }
}

impl Service {
    /// Runs `PRAGMA integrity_check` (on a SQLite file) and checks the hash chain of the
    /// event log. On a PostgreSQL server, the server keeps its own pages sound (checksums,
    /// WAL); the chain is checked the same way.
    pub async fn verify(&self) -> Result<VerifyView> {
        self.verify_with(PageCheck::Full).await
    }

    /// The check the desktop app runs at every start, in the background: the whole event
    /// chain, as [`Service::verify`], but SQLite's `quick_check` instead of its
    /// `integrity_check` — every page of the file is read and its structure checked (a
    /// damaged page, a broken b-tree, a bad record), only the comparison of each index with
    /// its table is left out, which on a large file is most of the time (9.0 s of 11.3 s at
    /// 100,000 cases) and most of the memory. `wenzheng verify` runs the full check.
    pub async fn verify_at_start(&self) -> Result<VerifyView> {
        self.verify_with(PageCheck::Quick).await
    }

    async fn verify_with(&self, pages: PageCheck) -> Result<VerifyView> {
        match self.db.native_options() {
            Some(options) => verify_native(options, pages).await,
            None => {
                let rows = sqlx::query_as(EVENTS_IN_ORDER).fetch(self.db.pool());
                let chain = check_chain(rows).await?;
                Ok(summary(true, Vec::new(), chain))
            }
        }
    }
}

/// The same checks on any open SQLite pool (also used on a backup before restoring it).
pub(crate) async fn verify_pool(pool: &SqlitePool) -> Result<VerifyView> {
    verify_native(&pool.connect_options(), PageCheck::Full).await
}

/// Both checks on a new native connection to a SQLite file.
async fn verify_native(options: &SqliteConnectOptions, pages: PageCheck) -> Result<VerifyView> {
    // On a new connection, not one of the pool's: SQLite 3.46's `integrity_check` reads an
    // FTS5 index through the structure the connection cached, and on a connection that
    // used the index before another one changed it, it reports a sound index as
    // "malformed inverted index" (tests/fts_integrity.rs). The connection reads the file
    // without a memory map (unlike the pool's), so a check that reads every page leaves
    // none of them in the process: they stay in the OS's file cache only.
    let options = options.clone().pragma("mmap_size", "0");
    let mut conn = SqliteConnection::connect_with(&options).await?;
    let integrity: Vec<String> = sqlx::query_scalar(pages.pragma())
        .fetch_all(&mut conn)
        .await?;
    let integrity_ok = integrity.len() == 1 && integrity[0] == "ok";
    let chain = check_chain(sqlx::query_as(EVENTS_IN_ORDER).fetch(&mut conn)).await?;
    conn.close().await?;
    Ok(summary(integrity_ok, integrity, chain))
}

/// The event log in chain order.
const EVENTS_IN_ORDER: &str =
    "SELECT id, case_id, actor_id, at, kind, summary, before, after, prev_hash, hash
     FROM events ORDER BY id";

/// Streams the event log through the chain check: the log of a large office does not fit
/// in memory comfortably.
async fn check_chain(
    rows: impl futures_util::Stream<Item = sqlx::Result<StoredEvent>>,
) -> Result<ChainCheck> {
    let mut rows = std::pin::pin!(rows);
    let mut chain = ChainCheck::default();
    while let Some(e) = rows.try_next().await? {
        chain.push(&e);
    }
    Ok(chain)
}

fn summary(integrity_ok: bool, integrity: Vec<String>, chain: ChainCheck) -> VerifyView {
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
    VerifyView {
        ok: problems.is_empty(),
        integrity_ok,
        events_checked,
        problems,
    }
}
