//! The one error type of the core. Messages are in Chinese: they reach the user as they are.

/// Result of every core operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in the core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that fails validation; nothing was written.
    #[error("{0}")]
    Invalid(String),
    /// A workflow step that the case's state does not allow; nothing was written.
    #[error("{0}")]
    IllegalStep(String),
    /// The acting user's role does not allow the step; nothing was written.
    #[error("{0}")]
    Forbidden(String),
    /// A case, unit, user or year that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// Stored data that the core cannot read back.
    #[error("数据损坏：{0}")]
    Corrupt(String),
    /// The disk (or the database's size limit) is full; the write was rolled back.
    #[error("磁盘空间已满，本次操作没有保存，已有数据未受影响。请清理磁盘或把数据库移到空间充足的位置后重试")]
    DiskFull,
    /// The database file or its folder is read-only.
    #[error("数据库文件是只读的，无法保存。请检查文件及所在文件夹的写入权限（或是否在只读的 U 盘、光盘上）")]
    ReadOnly,
    /// The database was written by a newer version of the program.
    #[error("数据库由更新版本的程序创建（包含本程序不认识的升级 {0}），本程序不能打开它，以免损坏数据。请安装新版本后再使用；数据库未做任何修改")]
    NewerVersion(i64),
    /// The database failed.
    #[error("数据库错误：{0}")]
    Database(sqlx::Error),
    /// Migrating the database schema failed.
    #[error("数据库升级失败：{0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// An encrypted database whose key is missing or wrong (feature `encryption`).
    #[error("{0}")]
    Key(String),
    /// The database server cannot be reached (or refused the sign-in).
    #[error("{0}")]
    Unavailable(String),
    /// Someone else changed the record since it was read (optimistic locking on a shared
    /// server); nothing was written, and the user reloads and tries again.
    #[error("{0}")]
    Conflict(String),
    /// Reading or writing a file failed.
    #[error("文件读写错误：{0}")]
    Io(#[from] std::io::Error),
}

/// SQLite's primary result codes (PostgreSQL's are five-character SQLSTATEs, told apart by
/// the error's type) that mean something to the user.
const SQLITE_READONLY: i32 = 8;
const SQLITE_CORRUPT: i32 = 11;
const SQLITE_FULL: i32 = 13;
const SQLITE_NOTADB: i32 = 26;

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        let code = e
            .as_database_error()
            .filter(|d| d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some())
            .and_then(|d| d.code())
            .and_then(|c| c.parse::<i32>().ok())
            // Extended result codes carry the primary code in the low byte.
            .map(|c| c & 0xff);
        match code {
            Some(SQLITE_FULL) => Error::DiskFull,
            Some(SQLITE_READONLY) => Error::ReadOnly,
            Some(SQLITE_CORRUPT | SQLITE_NOTADB) => Error::Corrupt(format!(
                "数据库文件已损坏或不是本程序的数据库（{e}）。可以从最近的备份恢复：wenzheng restore 备份文件"
            )),
            _ => match e.as_database_error().and_then(|d| d.code()).as_deref() {
                // PostgreSQL's SQLSTATEs for a full disk and a read-only server.
                Some("53100") => Error::DiskFull,
                Some("25006") => Error::ReadOnly,
                _ => Error::Database(e),
            },
        }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::VersionMissing(v) => Error::NewerVersion(v),
            sqlx::migrate::MigrateError::Execute(inner) => Error::from(inner),
            other => Error::Migrate(other),
        }
    }
}

impl Error {
    /// A stable machine-readable code, for IPC and scripts (front ends never match on messages).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::IllegalStep(_) => "illegal_step",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::Corrupt(_) => "corrupt",
            Error::DiskFull => "disk_full",
            Error::ReadOnly => "read_only",
            Error::NewerVersion(_) => "newer_version",
            Error::Database(_) => "database",
            Error::Migrate(_) => "migrate",
            Error::Key(_) => "key",
            Error::Unavailable(_) => "unavailable",
            Error::Conflict(_) => "conflict",
            Error::Io(_) => "io",
        }
    }

    /// True when the request was refused (bad input, illegal step, no permission, unknown
    /// target) rather than failed: the user can correct it, and nothing was written.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_) | Error::IllegalStep(_) | Error::Forbidden(_) | Error::NotFound(_)
        )
    }
}
