//! The database: one SQLite file, opened in WAL mode with foreign keys on, migrated with
//! the embedded migrations, and seeded with the bundled working-day schedules.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

use crate::calendar::{YearSchedule, BUNDLED};
use crate::error::Result;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// The application identifier: the folder name of the data dir, shared with the desktop app.
pub const APP_ID: &str = "cn.gov.wenzheng";

/// Environment variable that overrides the database path (app and CLI alike).
pub const DB_ENV: &str = "WENZHENG_DB";

/// The default database file: `$WENZHENG_DB`, else `wenzheng.db` in the OS per-user data
/// dir (`~/.local/share/cn.gov.wenzheng/` on Linux, `%APPDATA%\cn.gov.wenzheng\` on Windows).
pub fn default_path() -> PathBuf {
    if let Some(path) = std::env::var_os(DB_ENV).filter(|p| !p.is_empty()) {
        return PathBuf::from(path);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join("wenzheng.db")
}

/// Bytes of the database file each connection maps into memory (`PRAGMA mmap_size`).
/// Address space, not memory: pages are read from the OS page cache only when touched.
const MMAP_SIZE: i64 = 1 << 30;

/// Each connection's page cache (`PRAGMA cache_size`, negative = KiB): 16 MiB.
const CACHE_SIZE: i64 = -16 * 1024;

/// An open, migrated database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: SqlitePool,
    path: PathBuf,
    upgrade_backup: Option<PathBuf>,
}

impl Db {
    /// Opens (creating if missing) and migrates the database at `path`. When an existing
    /// database has migrations pending, a copy of it is written first (see
    /// [`upgrade_backup_path`]); if that copy cannot be written, nothing is migrated.
    pub async fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // Desktop tuning (docs/performance.md): read the file through a memory map
            // (no copy into SQLite's cache, no read() per page), a larger page cache for
            // what is written, and sorts / temporary indexes in memory.
            .pragma("mmap_size", MMAP_SIZE.to_string())
            .pragma("cache_size", CACHE_SIZE.to_string())
            .pragma("temp_store", "memory");
        let pool_options = SqlitePoolOptions::new().max_connections(4);
        // With encryption, an encrypted file gets `PRAGMA key` first on every connection.
        #[cfg(feature = "encryption")]
        let pool = crate::crypt::connect(pool_options, options, path, path).await?;
        #[cfg(not(feature = "encryption"))]
        let pool = pool_options.connect_with(options).await?;
        let upgrade_backup = backup_before_upgrade(&pool, path).await?;
        MIGRATOR.run(&pool).await?;
        let db = Db {
            pool,
            path: path.to_path_buf(),
            upgrade_backup,
        };
        db.seed_bundled_calendar().await?;
        Ok(db)
    }

    /// The connection pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The copy written before this open migrated an existing database, if it did.
    pub fn upgrade_backup(&self) -> Option<&Path> {
        self.upgrade_backup.as_deref()
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so two
    /// writers queue on the busy timeout instead of failing half-way.
    pub async fn write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Closes the pool: first refreshes the planner's statistics where they have gone stale
    /// (`PRAGMA optimize`, cheap when nothing changed), then checkpoints the WAL, so that once
    /// this returns the main file holds everything (closing the last connection also
    /// checkpoints, but sqlx may finish that after `close` has returned, so a copy or rename
    /// right after could miss it).
    pub async fn close(self) {
        if let Err(e) = sqlx::query("PRAGMA optimize").execute(&self.pool).await {
            tracing::warn!("PRAGMA optimize 失败：{e}");
        }
        // A failed checkpoint leaves the log in place; SQLite replays it on the next open.
        let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await;
        self.pool.close().await;
    }

    /// Inserts each bundled year that the database does not have yet. Years an
    /// administrator imported or edited are left as they are.
    async fn seed_bundled_calendar(&self) -> Result<()> {
        let mut tx = self.write().await?;
        for (year, json) in BUNDLED {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT year FROM calendar_years WHERE year = ?")
                    .bind(year)
                    .fetch_optional(&mut *tx)
                    .await?;
            if known.is_none() {
                let schedule = YearSchedule::parse(json)?;
                insert_year(&mut tx, &schedule, "随程序附带（holiday-cn）", None).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Where the copy taken before upgrading `db` goes: `<db>.before-upgrade-<version>.db`
/// beside it (`version` being this program's), or `…-<version>-2.db`, `-3` … when an
/// earlier copy of that name exists. Existing copies are never overwritten.
pub fn upgrade_backup_path(db: &Path) -> PathBuf {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "wenzheng.db".to_owned());
    let version = env!("CARGO_PKG_VERSION");
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let candidate = db.with_file_name(format!("{name}.before-upgrade-{version}{suffix}.db"));
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}

/// The versions of the embedded migrations that an existing database has not applied yet.
/// Empty for a new database (no migration table, or an empty one) and for a database
/// written by a newer program (which the migrator then refuses, untouched).
pub async fn pending_migrations(pool: &SqlitePool) -> Result<Vec<i64>> {
    let has_table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await?;
    if !has_table {
        return Ok(Vec::new());
    }
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations")
        .fetch_all(pool)
        .await?;
    let known: Vec<i64> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    if applied.is_empty() || applied.iter().any(|v| !known.contains(v)) {
        return Ok(Vec::new());
    }
    Ok(known.into_iter().filter(|v| !applied.contains(v)).collect())
}

/// Copies an existing database with `VACUUM INTO` before its pending migrations run (an
/// encrypted database's copy is encrypted with the same key: SQLCipher gives the target
/// of `VACUUM INTO` the main database's key).
async fn backup_before_upgrade(pool: &SqlitePool, path: &Path) -> Result<Option<PathBuf>> {
    let pending = pending_migrations(pool).await?;
    if pending.is_empty() {
        return Ok(None);
    }
    let out = upgrade_backup_path(path);
    sqlx::query("VACUUM INTO ?")
        .bind(out.to_string_lossy().into_owned())
        .execute(pool)
        .await?;
    tracing::info!(
        "升级数据库前已备份到 {}（待执行的升级：{pending:?}）",
        out.display()
    );
    Ok(Some(out))
}

/// Replaces a year's schedule inside `tx`.
pub(crate) async fn insert_year(
    tx: &mut Transaction<'static, Sqlite>,
    schedule: &YearSchedule,
    source: &str,
    at: Option<&str>,
) -> Result<()> {
    sqlx::query("DELETE FROM calendar_days WHERE year = ?")
        .bind(schedule.year)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO calendar_years (year, source, imported_at) VALUES (?, ?, ?)
         ON CONFLICT (year) DO UPDATE SET source = excluded.source, imported_at = excluded.imported_at",
    )
    .bind(schedule.year)
    .bind(source)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    for day in &schedule.days {
        sqlx::query("INSERT INTO calendar_days (day, year, name, is_off_day) VALUES (?, ?, ?, ?)")
            .bind(day.date.format("%Y-%m-%d").to_string())
            .bind(schedule.year)
            .bind(&day.name)
            .bind(day.is_off_day)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
