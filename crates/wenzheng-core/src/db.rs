//! The database: by default one SQLite file, opened in WAL mode with foreign keys on; for an
//! office with several PCs, a PostgreSQL server on the LAN. Either is reached through
//! sqlx's `Any` driver, so the services run the same SQL on both; migrated with the
//! embedded migrations of its kind, and seeded with the bundled working-day schedules.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Any, AnyPool, ConnectOptions, Connection, Executor, SqliteConnection, Transaction};

use crate::calendar::{YearSchedule, BUNDLED};
use crate::error::{Error, Result};

/// The SQLite migrations in `migrations/sqlite/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// The PostgreSQL migrations in `migrations/postgres/`: the same versions, the same schema.
pub static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// The application identifier: the folder name of the data dir, shared with the desktop app.
pub const APP_ID: &str = "cn.gov.wenzheng";

/// Environment variable that overrides the database (a file path or a `postgres://` URL;
/// app and CLI alike).
pub const DB_ENV: &str = "WENZHENG_DB";

/// The database file of this PC ([`default_location`]); when that is a server, the default
/// file: `wenzheng.db` in the OS per-user data dir (`~/.local/share/cn.gov.wenzheng/` on
/// Linux, `%APPDATA%\cn.gov.wenzheng\` on Windows).
pub fn default_path() -> PathBuf {
    match default_location() {
        Location::File(path) => path,
        Location::Server(_) => default_file(),
    }
}

/// The embedded default: `wenzheng.db` in the OS per-user data dir.
pub fn default_file() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join("wenzheng.db")
}

/// The database of this PC: `$WENZHENG_DB` (a path, `sqlite:` or `postgres://` URL), else
/// the choice saved on the 数据库 screen or by `wenzheng database set`
/// ([`crate::db_choice`]), else the SQLite file of [`default_file`].
pub fn default_location() -> Location {
    crate::db_choice::chosen().0
}

/// Where a database is: a SQLite file on this PC, or a PostgreSQL server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded default: one SQLite file.
    File(PathBuf),
    /// A PostgreSQL server: the full `postgres://` URL (password included; shown only
    /// through [`Location::display`]).
    Server(String),
}

impl Location {
    /// Reads a database argument: `postgres://…` / `postgresql://…` is a server, `sqlite:…`
    /// or anything else a file path.
    pub fn parse(text: &str) -> Location {
        let t = text.trim();
        if t.starts_with("postgres://") || t.starts_with("postgresql://") {
            return Location::Server(t.to_owned());
        }
        let path = t
            .strip_prefix("sqlite://")
            .or_else(|| t.strip_prefix("sqlite:"))
            .unwrap_or(t);
        Location::File(PathBuf::from(path))
    }

    /// The location for people and logs: a server URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::File(path) => path.display().to_string(),
            Location::Server(url) => redact(url),
        }
    }
}

/// A `postgres://` URL with its password replaced by `***`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        Err(_) => "postgres://（地址无法解析）".to_owned(),
    }
}

/// Why a connection to the server at `url` failed, in Chinese, with the password hidden
/// ([`Error::Unavailable`]).
pub fn explain_connect(e: sqlx::Error, url: &str) -> Error {
    let place = redact(url);
    let code = e.as_database_error().and_then(|d| d.code());
    let why = match (&e, code.as_deref()) {
        // invalid_password, invalid_authorization_specification
        (_, Some("28P01" | "28000")) => {
            "用户名或密码不正确，或服务器不允许该用户从这台电脑登录（pg_hba.conf）".to_owned()
        }
        (_, Some("3D000")) => "服务器上没有这个数据库，请先创建它（见 docs/install.md）".to_owned(),
        (sqlx::Error::Tls(inner), _) => tls_refused(inner),
        // rustls reports a refused certificate as an I/O error of the handshake.
        (sqlx::Error::Io(inner), _) if is_tls_failure(inner) => tls_refused(inner),
        (sqlx::Error::Io(inner), _) => format!(
            "连不上服务器（{inner}）。请检查服务器是否已开启、地址和端口是否正确、网络与防火墙"
        ),
        (sqlx::Error::PoolTimedOut, _) => {
            "服务器长时间没有响应。请检查服务器是否已开启、网络是否通畅".to_owned()
        }
        (other, _) => format!("{other}"),
    };
    // sqlx's own text never carries the password; the URL is shown redacted.
    Error::Unavailable(format!("无法连接数据库服务器 {place}：{why}"))
}

/// The Chinese explanation of a TLS connection that failed.
fn tls_refused(inner: &dyn std::fmt::Display) -> String {
    format!(
        "加密连接（TLS）失败（{inner}）。使用 sslmode=verify-full 时，请检查 sslrootcert 是否指向签发服务器证书的根证书（CA），以及地址是否与证书上的一致；服务器未开启 TLS 时请联系管理员"
    )
}

/// Whether an I/O error is the TLS handshake refusing the server (rustls's error inside).
fn is_tls_failure(e: &std::io::Error) -> bool {
    let text = e.to_string().to_lowercase();
    ["certificate", "tls", "handshake", "ssl"]
        .iter()
        .any(|w| text.contains(w))
}

/// Which kind of store a [`Db`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// How a process reads a SQLite file: what it trades between speed and resident memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Footprint {
    /// Each connection maps up to 1 GiB of the file (`PRAGMA mmap_size`) and keeps a
    /// 16 MiB page cache: scans read the OS page cache without a copy. Every page touched
    /// stays mapped in the process (counted in its RSS) until the connection closes — for
    /// the CLI and the benchmark, which run one command and exit.
    #[default]
    Mapped,
    /// No memory map and a 2 MiB page cache per connection (SQLite's default): pages are
    /// copied from the OS page cache into SQLite's cache, which is bounded. For the desktop app, which runs
    /// all day: a scan of many cases (the deadline watch's) must not leave hundreds of MB
    /// of the file resident in it.
    Small,
}

impl Footprint {
    /// `PRAGMA mmap_size` (bytes).
    fn mmap_size(self) -> i64 {
        match self {
            Footprint::Mapped => 1 << 30,
            Footprint::Small => 0,
        }
    }

    /// `PRAGMA cache_size` (negative = KiB).
    fn cache_size(self) -> i64 {
        match self {
            Footprint::Mapped => -16 * 1024,
            Footprint::Small => -2 * 1024,
        }
    }
}

/// The PostgreSQL advisory lock key that write transactions take (any fixed number; the
/// ASCII of "WZ" with a version).
pub const WRITE_LOCK: i64 = 0x575A_0001;

/// Connections to a PostgreSQL server per app or CLI process.
const PG_CONNECTIONS: u32 = 5;

/// An open, migrated database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    store: Store,
    upgrade_backup: Option<PathBuf>,
}

/// What a [`Db`] knows about its store beyond the pool.
#[derive(Debug, Clone)]
enum Store {
    /// A SQLite file, with the options of a native connection to it (integrity check,
    /// backups), the key already set on an encrypted one.
    File {
        path: PathBuf,
        native: Box<SqliteConnectOptions>,
    },
    /// A PostgreSQL server, by its URL.
    Server { url: String },
}

impl Db {
    /// Opens (creating if missing) and migrates the SQLite database at `path`. When an
    /// existing database has migrations pending, a copy of it is written first (see
    /// [`upgrade_backup_path`]); if that copy cannot be written, nothing is migrated.
    pub async fn open(path: &Path) -> Result<Self> {
        Db::open_with(path, Footprint::default()).await
    }

    /// [`Db::open`], reading the file with the given memory [`Footprint`].
    pub async fn open_with(path: &Path, footprint: Footprint) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await?;
        }
        sqlx::any::install_default_drivers();
        #[cfg(feature = "encryption")]
        let key = crate::crypt::key_for(path, path)?;
        #[cfg(not(feature = "encryption"))]
        let key: Option<String> = None;
        #[cfg(feature = "encryption")]
        let key_value = key.as_ref().map(|k| k.pragma_value());
        #[cfg(not(feature = "encryption"))]
        let key_value = key;
        let mut native = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(k) = &key_value {
            native = native.pragma("key", k.clone());
        }
        // The pool reaches the file through the Any driver, which takes only a URL: the
        // settings a URL cannot carry run as PRAGMAs on every new connection, the key
        // first (SQLCipher wants it before anything reads the file). Desktop tuning
        // (docs/performance.md): read the file through a memory map, a larger page cache
        // for what is written, and sorts / temporary indexes in memory.
        let mut pragmas = String::new();
        if let Some(k) = &key_value {
            pragmas.push_str(&format!("PRAGMA key = {k};"));
        }
        pragmas.push_str(&format!(
            "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL; PRAGMA mmap_size = {};
             PRAGMA cache_size = {}; PRAGMA temp_store = memory;",
            footprint.mmap_size(),
            footprint.cache_size()
        ));
        // One native connection first: a damaged file, a file that is not a database or a
        // wrong key is told at once, rather than as a pool that never gets a connection.
        let keyed = key_value.is_some();
        let mut probe = SqliteConnection::connect_with(&native)
            .await
            .map_err(|e| explain_open(e, keyed, path))?;
        sqlx::query("SELECT count(*) FROM sqlite_master")
            .execute(&mut probe)
            .await
            .map_err(|e| explain_open(e, keyed, path))?;
        probe.close().await?;
        let options = AnyConnectOptions::from_url(&sqlite_url(path)?)?;
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(move |conn, _| {
                let pragmas = pragmas.clone();
                Box::pin(async move {
                    conn.execute(pragmas.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| explain_open(e, keyed, path))?;
        let upgrade_backup = backup_before_upgrade(&pool, path).await?;
        MIGRATOR.run(&pool).await?;
        let db = Db {
            pool,
            store: Store::File {
                path: path.to_path_buf(),
                native: Box::new(native),
            },
            upgrade_backup,
        };
        db.seed_bundled_calendar().await?;
        Ok(db)
    }

    /// Opens the database at `location`: a SQLite file ([`Db::open`]) or a PostgreSQL
    /// server, whose schema is migrated with `migrations/postgres/`.
    pub async fn connect(location: &Location) -> Result<Self> {
        Db::connect_with(location, Footprint::default()).await
    }

    /// [`Db::connect`]; a SQLite file is read with the given memory [`Footprint`].
    pub async fn connect_with(location: &Location, footprint: Footprint) -> Result<Self> {
        let url = match location {
            Location::File(path) => return Db::open_with(path, footprint).await,
            Location::Server(url) => url,
        };
        sqlx::any::install_default_drivers();
        let options =
            AnyConnectOptions::from_url(&url.parse().map_err(|e| {
                Error::Invalid(format!("数据库地址“{}”格式不正确：{e}", redact(url)))
            })?)?;
        // One connection first: a wrong password, a server that is down or a certificate
        // that is not trusted is told at once and precisely, rather than as a pool timeout.
        let probe = sqlx::AnyConnection::connect_with(&options)
            .await
            .map_err(|e| explain_connect(e, url))?;
        probe.close().await.map_err(|e| explain_connect(e, url))?;
        let pool = AnyPoolOptions::new()
            .max_connections(PG_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(15))
            .connect_with(options)
            .await
            .map_err(|e| explain_connect(e, url))?;
        PG_MIGRATOR.run(&pool).await?;
        let db = Db {
            pool,
            store: Store::Server { url: url.clone() },
            upgrade_backup: None,
        };
        db.seed_bundled_calendar().await?;
        Ok(db)
    }

    /// The connection pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Which kind of store this is.
    pub fn backend(&self) -> Backend {
        match self.store {
            Store::File { .. } => Backend::Sqlite,
            Store::Server { .. } => Backend::Postgres,
        }
    }

    /// Where the database is.
    pub fn location(&self) -> Location {
        match &self.store {
            Store::File { path, .. } => Location::File(path.clone()),
            Store::Server { url } => Location::Server(url.clone()),
        }
    }

    /// The database file, or `None` for a server.
    pub fn file(&self) -> Option<&Path> {
        match &self.store {
            Store::File { path, .. } => Some(path),
            Store::Server { .. } => None,
        }
    }

    /// The database file; for a server, an error saying that `what` works on a file only.
    pub fn require_file(&self, what: &str) -> Result<&Path> {
        self.file().ok_or_else(|| {
            Error::Invalid(format!(
                "{what}只适用于本机数据库文件；服务器数据库请由管理员在服务器上用 pg_dump 备份与恢复"
            ))
        })
    }

    /// Options for a native SQLite connection to the file (key set when encrypted).
    pub(crate) fn native_options(&self) -> Option<&SqliteConnectOptions> {
        match &self.store {
            Store::File { native, .. } => Some(native),
            Store::Server { .. } => None,
        }
    }

    /// The copy written before this open migrated an existing database, if it did.
    pub fn upgrade_backup(&self) -> Option<&Path> {
        self.upgrade_backup.as_deref()
    }

    /// Starts a write transaction. Writers take turns, on both stores: on SQLite,
    /// `BEGIN IMMEDIATE` takes the write lock up front, so two writers queue on the busy
    /// timeout instead of failing half-way; on PostgreSQL, the transaction first takes one
    /// advisory lock shared by every writer of the app ([`WRITE_LOCK`]), held until it
    /// ends. So the event chain never forks (each event hashes the one before it) and every
    /// read-then-write inside a service sees the latest state. Readers are not blocked.
    pub async fn write(&self) -> Result<Transaction<'static, Any>> {
        Ok(match self.backend() {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query("SELECT 1 FROM (SELECT pg_advisory_xact_lock($1)) AS l")
                    .bind(WRITE_LOCK)
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    /// Closes the pool. On SQLite, first refreshes the planner's statistics where they have
    /// gone stale (`PRAGMA optimize`, cheap when nothing changed), then checkpoints the WAL,
    /// so that once this returns the main file holds everything (closing the last
    /// connection also checkpoints, but sqlx may finish that after `close` has returned, so
    /// a copy or rename right after could miss it).
    pub async fn close(self) {
        if self.backend() == Backend::Sqlite {
            if let Err(e) = sqlx::query("PRAGMA optimize").execute(&self.pool).await {
                tracing::warn!("PRAGMA optimize 失败：{e}");
            }
            // A failed checkpoint leaves the log in place; SQLite replays it on the next open.
            let _ = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await;
        }
        self.pool.close().await;
    }

    /// Inserts each bundled year that the database does not have yet. Years an
    /// administrator imported or edited are left as they are.
    async fn seed_bundled_calendar(&self) -> Result<()> {
        let mut tx = self.write().await?;
        for (year, json) in BUNDLED {
            let known: Option<i64> =
                sqlx::query_scalar("SELECT year FROM calendar_years WHERE year = $1")
                    .bind(i64::from(year))
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

/// The `sqlite:` URL of a file, for the Any driver: the path as it is (a Windows path
/// `C:\…` too, which `SqliteConnectOptions::to_url_lossy` cannot express), with only `%`,
/// `?`, `#`, spaces and control characters percent-encoded (sqlx decodes them again).
fn sqlite_url(path: &Path) -> Result<url::Url> {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const RESERVED: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b'?').add(b'#');
    let text = path.to_str().ok_or_else(|| {
        Error::Invalid(format!(
            "数据库文件路径“{}”含有无法识别的字符，请换一个文件夹",
            path.display()
        ))
    })?;
    let url = format!("sqlite:{}?mode=rwc", utf8_percent_encode(text, RESERVED));
    url::Url::parse(&url)
        .map_err(|e| Error::Invalid(format!("数据库文件路径“{}”无法使用：{e}", path.display())))
}

/// An open error, told as a wrong key when the file is keyed.
fn explain_open(e: sqlx::Error, keyed: bool, path: &Path) -> Error {
    #[cfg(feature = "encryption")]
    return crate::crypt::explain(e, keyed, path);
    #[cfg(not(feature = "encryption"))]
    {
        let _ = (keyed, path);
        Error::from(e)
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
pub async fn pending_migrations(pool: &AnyPool) -> Result<Vec<i64>> {
    let has_table: i64 = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await?;
    if has_table == 0 {
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
async fn backup_before_upgrade(pool: &AnyPool, path: &Path) -> Result<Option<PathBuf>> {
    let pending = pending_migrations(pool).await?;
    if pending.is_empty() {
        return Ok(None);
    }
    let out = upgrade_backup_path(path);
    sqlx::query("VACUUM INTO $1")
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
    tx: &mut Transaction<'static, Any>,
    schedule: &YearSchedule,
    source: &str,
    at: Option<&str>,
) -> Result<()> {
    sqlx::query("DELETE FROM calendar_days WHERE year = $1")
        .bind(schedule.year)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO calendar_years (year, source, imported_at) VALUES ($1, $2, $3)
         ON CONFLICT (year) DO UPDATE SET source = excluded.source, imported_at = excluded.imported_at",
    )
    .bind(schedule.year)
    .bind(source)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    for day in &schedule.days {
        sqlx::query(
            "INSERT INTO calendar_days (day, year, name, is_off_day) VALUES ($1, $2, $3, $4)",
        )
        .bind(day.date.format("%Y-%m-%d").to_string())
        .bind(schedule.year)
        .bind(&day.name)
        .bind(i64::from(day.is_off_day))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
