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
    /// The database failed.
    #[error("数据库错误：{0}")]
    Database(#[from] sqlx::Error),
    /// Migrating the database schema failed.
    #[error("数据库升级失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Reading or writing a file failed.
    #[error("文件读写错误：{0}")]
    Io(#[from] std::io::Error),
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
            Error::Database(_) => "database",
            Error::Migrate(_) => "migrate",
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
