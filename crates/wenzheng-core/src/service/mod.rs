//! The service layer: every operation of the product, each one transaction, each taking
//! the acting user and `now` in a [`Ctx`]. The desktop app and the CLI call only these.

mod accounts;
mod attachments;
mod backup;
mod backup_settings;
mod bell;
mod bulk_rows;
mod calendar;
mod calendar_cache;
mod cases;
pub mod demo;
pub mod desk;
pub mod documents;
#[cfg(feature = "encryption")]
mod encrypt;
mod export_personal;
mod fts_bulk;
mod import_cases;
mod import_rows;
mod integrity;
mod links;
mod migrate;
pub mod notify;
mod record;
mod report_cache;
mod reports;
pub mod search;
mod steps;
pub mod templates;
mod units;
mod users;
mod version;

use std::path::Path;

use chrono::{DateTime, FixedOffset};

use crate::db::Db;
use crate::error::{Error, Result};
use crate::model::Role;

pub use accounts::UserChange;
pub use attachments::{attachment_dir_of, sha256_hex, stored_path, AttachmentCheck};
pub use backup::{to_delete, Rotation};
pub use backup_settings::{list_backup_files, BackupFile, BackupSettings};
pub use calendar::DayMode;
pub use cases::{ListFilter, NewCase, RECEIVED_AHEAD_MINUTES};
#[cfg(feature = "encryption")]
pub use encrypt::KeySource;
pub use import_cases::{ImportMode, ImportProgress};
pub use links::{merge_reply_text, LinkMode};
pub use migrate::{MigrateReport, TableCheck};
pub use reports::{Dossier, IssuedRecord};
pub use search::{CasePage, SearchFilter};
pub use steps::Assignment;
pub use templates::NewTemplate;
pub use users::NewUser;
pub use version::CaseRef;

/// The product's operations over one database.
#[derive(Debug, Clone)]
pub struct Service {
    db: Db,
    calendar_cache: calendar_cache::CalendarCache,
}

/// A user acting on the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// User id.
    pub id: i64,
    /// Login name.
    pub login: String,
    /// Name shown in the history.
    pub display_name: String,
    /// What the user may do.
    pub role: Role,
    /// For a unit handler: the unit it works for.
    pub unit_id: Option<i64>,
}

/// Who acts, and when: passed to every service call, so logic never reads the clock.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The acting user.
    pub actor: Actor,
    /// The moment of the operation.
    pub now: DateTime<FixedOffset>,
}

impl Service {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub async fn open(path: &Path) -> Result<Self> {
        Ok(Service {
            db: Db::open(path).await?,
            calendar_cache: Default::default(),
        })
    }

    /// Opens the database at `location`: a SQLite file, or a PostgreSQL server
    /// (`postgres://…`), migrating it if needed.
    pub async fn connect(location: &crate::db::Location) -> Result<Self> {
        Ok(Service {
            db: Db::connect(location).await?,
            calendar_cache: Default::default(),
        })
    }

    /// [`Service::connect`]; a SQLite file is read with the given memory footprint (the
    /// desktop app keeps a small one, docs/performance.md).
    pub async fn connect_with(
        location: &crate::db::Location,
        footprint: crate::db::Footprint,
    ) -> Result<Self> {
        Ok(Service {
            db: Db::connect_with(location, footprint).await?,
            calendar_cache: Default::default(),
        })
    }

    /// The underlying database.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Closes the database, checkpointing its log.
    pub async fn shutdown(self) {
        self.db.close().await;
    }

    /// The user with login `login`, or the built-in administrator when `None`.
    pub async fn actor(&self, login: Option<&str>) -> Result<Actor> {
        let login = login.unwrap_or("admin");
        let row: Option<(i64, String, String, String, Option<i64>, crate::sql::Flag)> =
            sqlx::query_as(
                "SELECT id, login, display_name, role, unit_id, active FROM users WHERE login = $1",
            )
            .bind(login)
            .fetch_optional(self.db.pool())
            .await?;
        let (id, login, display_name, role, unit_id, crate::sql::Flag(active)) =
            row.ok_or_else(|| Error::NotFound(format!("用户“{login}”不存在")))?;
        if !active {
            return Err(Error::Forbidden(format!("用户“{login}”已停用")));
        }
        Ok(Actor {
            id,
            login,
            display_name,
            role: role.parse()?,
            unit_id,
        })
    }
}

/// Trims a required text field and checks its length, or says in Chinese what is wrong.
pub(crate) fn required(label: &str, value: &str, max_chars: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::Invalid(format!("{label}不能为空")));
    }
    limit(label, v, max_chars)?;
    Ok(v.to_string())
}

/// Trims an optional text field: blank becomes `None`.
pub(crate) fn optional(
    label: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            limit(label, v, max_chars)?;
            Ok(Some(v.to_string()))
        }
    }
}

fn limit(label: &str, v: &str, max_chars: usize) -> Result<()> {
    if let Some(c) = v
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(Error::Invalid(format!(
            "{label}包含不可见的控制字符（U+{:04X}），请删除后再提交",
            u32::from(c)
        )));
    }
    let n = v.chars().count();
    if n > max_chars {
        return Err(Error::Invalid(format!(
            "{label}不能超过 {max_chars} 个字（现有 {n} 个字）"
        )));
    }
    Ok(())
}
