//! Helpers shared by the integration tests: a fresh database, a context at a given time,
//! and a full dump of the database to compare before and after.
//!
//! One switch picks the store: by default each test gets a new SQLite file in a temporary
//! directory; with `WENZHENG_TEST_STORE=postgres` (and `WENZHENG_TEST_PG_URL`, the admin
//! URL `scripts/pg-test-server start` prints) each test gets a new PostgreSQL database with
//! a random name `wz_t_…`, dropped when the test ends, also when it fails. Tests about
//! SQLite files only (backups, faults of the file, encryption) call [`sqlite_only`] first.

#![allow(dead_code)]

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, Executor, PgConnection};
use tempfile::TempDir;
use wenzheng_core::clock::parse_local;
use wenzheng_core::db::{Backend, Location};
use wenzheng_core::{Ctx, Service};

/// The environment variable that picks the store: `postgres`, or unset / `sqlite`.
pub const STORE_ENV: &str = "WENZHENG_TEST_STORE";

/// The environment variable with the admin URL of the PostgreSQL test server.
pub const PG_URL_ENV: &str = "WENZHENG_TEST_PG_URL";

/// Whether this run is on PostgreSQL (`WENZHENG_TEST_STORE=postgres`).
pub fn on_postgres() -> bool {
    match std::env::var(STORE_ENV).as_deref() {
        Ok("postgres") => true,
        Ok("" | "sqlite") | Err(_) => false,
        Ok(other) => panic!("{STORE_ENV}={other}: 只能是 sqlite 或 postgres"),
    }
}

/// `true` (after printing why) when this run is on PostgreSQL and `test` is about SQLite
/// files only, so the caller returns without checking anything.
pub fn sqlite_only(test: &str, why: &str) -> bool {
    if on_postgres() {
        eprintln!("跳过 {test}（仅 SQLite）：{why}");
        return true;
    }
    false
}

/// A test's database and its scratch directory (exports, backups): a temporary SQLite file,
/// or a PostgreSQL database on the test server that is dropped with this.
pub struct TestDb {
    dir: TempDir,
    pg: Option<PgDb>,
}

impl TestDb {
    /// The scratch directory (on SQLite it also holds the database file `test.db`).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Where the database is.
    pub fn location(&self) -> Location {
        match &self.pg {
            Some(pg) => Location::Server(pg.url.clone()),
            None => Location::File(self.dir.path().join("test.db")),
        }
    }

    /// A second, independent opening of the same database (as another process would).
    pub async fn reopen(&self) -> Service {
        Service::connect(&self.location()).await.unwrap()
    }
}

/// A new, migrated database (kept alive, and on PostgreSQL dropped, by the returned
/// [`TestDb`]).
pub async fn fresh() -> (TestDb, Service) {
    let dir = tempfile::tempdir().unwrap();
    let pg = if on_postgres() {
        Some(PgDb::create().await)
    } else {
        None
    };
    let db = TestDb { dir, pg };
    let svc = db.reopen().await;
    (db, svc)
}

/// The admin URL of the PostgreSQL test server, or `None` after printing why `test` (which
/// needs a server whatever the store of this run) is skipped.
pub fn pg_admin_url(test: &str) -> Option<String> {
    match std::env::var(PG_URL_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("跳过 {test}: 未设置 {PG_URL_ENV}（scripts/pg-test-server start 会给出）");
            None
        }
    }
}

/// A database of its own on the PostgreSQL test server, dropped on `Drop`.
pub struct PgDb {
    admin: PgConnectOptions,
    name: String,
    url: String,
}

impl PgDb {
    async fn create() -> PgDb {
        let admin_url = std::env::var(PG_URL_ENV)
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| {
                panic!(
                    "{STORE_ENV}=postgres 需要 {PG_URL_ENV}（scripts/pg-test-server start 会给出）"
                )
            });
        PgDb::create_on(&admin_url).await
    }

    /// An empty database `wz_t_…` on the server of `admin_url`.
    pub async fn create_on(admin_url: &str) -> PgDb {
        let admin = PgConnectOptions::from_str(admin_url).expect(PG_URL_ENV);
        let name = format!(
            "wz_t_{}_{:016x}",
            std::process::id(),
            RandomState::new().build_hasher().finish()
        );
        let mut conn = PgConnection::connect_with(&admin).await.unwrap();
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        conn.close().await.unwrap();
        let mut url = url::Url::parse(admin_url).expect(PG_URL_ENV);
        url.set_path(&name);
        PgDb {
            admin,
            name,
            url: url.to_string(),
        }
    }
}

impl PgDb {
    /// The URL of this database (the admin URL with its database replaced).
    pub fn url(&self) -> String {
        self.url.clone()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop may run inside the test's runtime, which must not block on itself: a thread
        // of its own with its own runtime.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(async move {
                    let mut conn = PgConnection::connect_with(&admin).await?;
                    conn.execute(sql.as_str()).await?;
                    conn.close().await
                })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("测试数据库 {} 未能删除: {dropped:?}", self.name);
        }
    }
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

/// Every row of every table as `table: row`, sorted (SQLite: `quote()` of each column;
/// PostgreSQL: the row as a record literal, all tables in one statement: the property test
/// dumps after every step).
pub async fn dump(svc: &Service) -> Vec<String> {
    let pool = svc.db().pool();
    let mut out = Vec::new();
    match svc.db().backend() {
        Backend::Postgres => {
            let tables = table_names(svc).await;
            let selects: Vec<String> = tables
                .iter()
                .map(|t| format!("SELECT '{t}: ' || CAST(t AS TEXT) FROM \"{t}\" t"))
                .collect();
            out = sqlx::query_scalar(&selects.join(" UNION ALL "))
                .fetch_all(pool)
                .await
                .unwrap();
        }
        Backend::Sqlite => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM pragma_table_list
                  WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for t in &tables {
                let cols: Vec<String> =
                    sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                        .bind(t)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                let expr: Vec<String> = cols.iter().map(|c| format!("quote(\"{c}\")")).collect();
                let sql = format!(
                    "SELECT '{t}: ' || {} FROM \"{t}\"",
                    expr.join(" || '|' || ")
                );
                out.extend(
                    sqlx::query_scalar::<_, String>(&sql)
                        .fetch_all(pool)
                        .await
                        .unwrap(),
                );
            }
        }
    }
    // Sorted here: also works for WITHOUT ROWID and FTS shadow tables.
    out.sort();
    out
}

/// The tables of the database, by name.
pub async fn table_names(svc: &Service) -> Vec<String> {
    let sql = match svc.db().backend() {
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
              WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        }
        Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    };
    sqlx::query_scalar(sql)
        .fetch_all(svc.db().pool())
        .await
        .unwrap()
}

/// A pool of one connection on the SQLite file at `path` (created if missing, WAL), outside
/// the app: for writing a database as an older program left it.
pub async fn sqlite_pool(path: &Path) -> sqlx::SqlitePool {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap()
}

/// Applies the app's migrations older than `version` to `pool`: the schema an older program
/// left.
pub async fn migrate_before(pool: &sqlx::SqlitePool, version: i64) {
    let older: Vec<_> = wenzheng_core::db::MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && m.version < version)
        .cloned()
        .collect();
    let migrator = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(older),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    migrator.run(pool).await.unwrap();
}
