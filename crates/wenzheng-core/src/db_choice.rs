//! Which database this PC uses, chosen once and saved: a SQLite file (the embedded default,
//! in the user's data dir) or a PostgreSQL server on the office LAN.
//!
//! The choice is one line, a path or a `postgres://` URL, in `database.url` in the user's
//! config dir (`~/.config/cn.gov.wenzheng/` on Linux, `%APPDATA%\cn.gov.wenzheng\` on
//! Windows). On Unix the file is readable by its owner only: a server's password is in it,
//! as in PostgreSQL's own `.pgpass`. `$WENZHENG_DB` overrides it (scripts, tests). The
//! desktop's 数据库 screen and `wenzheng database set` write it; the desktop app and the
//! CLI both read it through [`crate::db::default_location`], so on one PC they open the
//! same database.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::Connection;

use crate::db::{default_file, explain_connect, redact, Location, APP_ID, DB_ENV};
use crate::error::{Error, Result};

/// The name of the file holding the saved choice, in the user's config dir.
pub const CONFIG_FILE: &str = "database.url";

/// Where the database in use was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// `$WENZHENG_DB`: it overrides the saved choice.
    Env,
    /// The saved choice ([`CONFIG_FILE`]).
    Saved,
    /// Nothing chosen: the SQLite file in the user's data dir.
    Default,
}

/// The file holding the saved choice.
pub fn config_file() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join(CONFIG_FILE)
}

/// The database to open and where that was chosen: `$WENZHENG_DB`, else the saved choice,
/// else the default file. A saved choice that cannot be read is logged and left out.
pub fn chosen() -> (Location, Source) {
    if let Some(text) = std::env::var(DB_ENV).ok().filter(|t| !t.trim().is_empty()) {
        return (Location::parse(&text), Source::Env);
    }
    match saved() {
        Ok(Some(location)) => (location, Source::Saved),
        Ok(None) => (Location::File(default_file()), Source::Default),
        Err(e) => {
            tracing::warn!("读取数据库设置 {} 失败：{e}", config_file().display());
            (Location::File(default_file()), Source::Default)
        }
    }
}

/// The saved choice, if any (the first non-empty line of [`config_file`]).
pub fn saved() -> Result<Option<Location>> {
    match std::fs::read_to_string(config_file()) {
        Ok(text) => Ok(text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(Location::parse)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Saves `location` as this PC's database (replacing the file in one rename, so a reader
/// never sees half of it); it is opened at the next start. Returns the file written.
pub fn save(location: &Location) -> Result<PathBuf> {
    let path = config_file();
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let line = match location {
        Location::File(file) => file.display().to_string(),
        Location::Server(url) => url.clone(),
    };
    let tmp = path.with_extension("url.new");
    write_private(&tmp, format!("{line}\n").as_bytes())?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Forgets the saved choice: the next start opens the default file. Whether there was one.
pub fn forget() -> Result<bool> {
    match std::fs::remove_file(config_file()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Writes `bytes` to a new file readable by its owner only (on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    Ok(())
}

/// How the connection to a server is encrypted (PostgreSQL's `sslmode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tls {
    /// Encrypted when the server offers it (PostgreSQL's default).
    #[default]
    Prefer,
    /// Always encrypted; the server's certificate is not checked.
    Require,
    /// Always encrypted, and the certificate must be signed by the given root (CA) and
    /// name the server.
    VerifyFull,
    /// Never encrypted.
    Disable,
}

impl Tls {
    fn sslmode(self) -> &'static str {
        match self {
            Tls::Prefer => "prefer",
            Tls::Require => "require",
            Tls::VerifyFull => "verify-full",
            Tls::Disable => "disable",
        }
    }

    fn from_sslmode(mode: &str) -> Tls {
        match mode {
            "require" | "verify-ca" => Tls::Require,
            "verify-full" => Tls::VerifyFull,
            "disable" | "allow" => Tls::Disable,
            _ => Tls::Prefer,
        }
    }
}

/// A PostgreSQL server as a form fills it in (the password never read back out).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerForm {
    /// Host name or IP address of the server.
    pub host: String,
    /// Port; 5432 when empty.
    #[serde(default)]
    pub port: Option<u16>,
    /// Database name.
    pub database: String,
    /// User (role) name.
    pub user: String,
    /// Password; empty keeps the one saved for the same server and user.
    #[serde(default, skip_serializing)]
    pub password: Option<String>,
    /// Encryption of the connection.
    #[serde(default)]
    pub tls: Tls,
    /// The root certificate (CA) file, for [`Tls::VerifyFull`].
    #[serde(default)]
    pub root_cert: Option<String>,
}

impl ServerForm {
    /// The form of a `postgres://` URL, without its password; `None` if it cannot be read.
    pub fn of_url(url: &str) -> Option<ServerForm> {
        let u = url::Url::parse(url).ok()?;
        let query = |name: &str| {
            u.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        Some(ServerForm {
            host: u.host_str().unwrap_or_default().to_owned(),
            port: u.port(),
            database: percent(u.path().trim_start_matches('/')),
            user: percent(u.username()),
            password: None,
            tls: query("sslmode")
                .map(|m| Tls::from_sslmode(&m))
                .unwrap_or_default(),
            root_cert: query("sslrootcert"),
        })
    }

    /// The URL of this form, checked field by field (messages in Chinese). An empty
    /// password takes the one of `previous` when that is the same server, port and user.
    pub fn url(&self, previous: Option<&str>) -> Result<String> {
        let host = self.host.trim();
        let database = self.database.trim();
        let user = self.user.trim();
        if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
            return Err(Error::Invalid(
                "请填写服务器地址（计算机名或 IP 地址，如 192.168.1.10）".into(),
            ));
        }
        if database.is_empty() {
            return Err(Error::Invalid("请填写数据库名（如 wenzheng）".into()));
        }
        if user.is_empty() {
            return Err(Error::Invalid("请填写数据库用户名".into()));
        }
        let mut u = url::Url::parse("postgres://localhost").expect("a fixed URL");
        u.set_host(Some(host))
            .map_err(|e| Error::Invalid(format!("服务器地址“{host}”不正确：{e}")))?;
        let _ = u.set_port(self.port);
        let _ = u.set_username(user);
        let password = match self.password.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => Some(p.to_owned()),
            None => previous.and_then(|p| same_server_password(p, host, self.port, user)),
        };
        if let Some(p) = &password {
            let _ = u.set_password(Some(p));
        }
        u.set_path(database);
        {
            let mut query = u.query_pairs_mut();
            query.append_pair("sslmode", self.tls.sslmode());
            if self.tls == Tls::VerifyFull {
                let root = self
                    .root_cert
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .ok_or_else(|| {
                        Error::Invalid(
                            "“加密并验证服务器证书”需要根证书（CA）文件的路径（见 docs/install.md）"
                                .into(),
                        )
                    })?;
                if !Path::new(root).is_file() {
                    return Err(Error::Invalid(format!("找不到根证书文件 {root}")));
                }
                query.append_pair("sslrootcert", root);
            }
        }
        Ok(u.to_string())
    }
}

/// Percent-decoded text of a URL part.
fn percent(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// The password of `url` when it is a server URL for the same host, port and user.
fn same_server_password(url: &str, host: &str, port: Option<u16>, user: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    let same = u.host_str() == Some(host) && u.port() == port && percent(u.username()) == user;
    same.then(|| u.password().map(percent)).flatten()
}

/// A choice of database as the 数据库 screen sends it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Choice {
    /// The default file in the user's data dir.
    Default,
    /// A SQLite file elsewhere (a second disk, a USB disk).
    File {
        /// The file's path.
        path: String,
    },
    /// A PostgreSQL server.
    Server(ServerForm),
}

impl Choice {
    /// The location chosen; `previous` is the location known so far (its password is kept
    /// when the form leaves the password empty).
    pub fn location(&self, previous: Option<&Location>) -> Result<Location> {
        match self {
            Choice::Default => Ok(Location::File(default_file())),
            Choice::File { path } => {
                let path = path.trim();
                if path.is_empty() {
                    return Err(Error::Invalid("请填写数据库文件的路径".into()));
                }
                if path.starts_with("postgres://") || path.starts_with("postgresql://") {
                    return Err(Error::Invalid(
                        "这是服务器地址：请选择“局域网数据库服务器”并逐项填写".into(),
                    ));
                }
                Ok(Location::File(PathBuf::from(path)))
            }
            Choice::Server(form) => {
                let previous = match previous {
                    Some(Location::Server(url)) => Some(url.as_str()),
                    _ => None,
                };
                Ok(Location::Server(form.url(previous)?))
            }
        }
    }
}

/// The database setting of this PC, for the 数据库 screen and `wenzheng database show`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    /// The database that the next start opens, for people (password hidden).
    pub location: String,
    /// `file` or `server`.
    pub kind: &'static str,
    /// Where it was chosen.
    pub source: Source,
    /// The file, for a file.
    pub file: Option<String>,
    /// The server's fields (no password), for a server.
    pub server: Option<ServerForm>,
    /// Whether the server URL carries a password.
    pub has_password: bool,
    /// The default file.
    pub default_file: String,
    /// The file holding the saved choice.
    pub config_file: String,
}

/// The setting of this PC: what the next start opens and where that was chosen.
pub fn setting() -> Setting {
    let (location, source) = chosen();
    setting_of(&location, source)
}

/// The setting that `location`, chosen from `source`, shows.
pub fn setting_of(location: &Location, source: Source) -> Setting {
    let (kind, file, server, has_password) = match location {
        Location::File(path) => ("file", Some(path.display().to_string()), None, false),
        Location::Server(url) => (
            "server",
            None,
            ServerForm::of_url(url),
            url::Url::parse(url).is_ok_and(|u| u.password().is_some()),
        ),
    };
    Setting {
        location: location.display(),
        kind,
        source,
        file,
        server,
        has_password,
        default_file: default_file().display().to_string(),
        config_file: config_file().display().to_string(),
    }
}

/// What a check of a database found, before anyone uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The database checked, for people (password hidden).
    pub location: String,
    /// `file` or `server`.
    pub kind: &'static str,
    /// Whether it already holds this program's tables.
    pub initialized: bool,
    /// The number of cases in it, when initialized.
    pub cases: Option<i64>,
    /// For a server: whether the connection is encrypted (TLS).
    pub encrypted: Option<bool>,
    /// What was found, in one Chinese sentence.
    pub summary: String,
}

/// Connects to `location` without changing anything and says what is there: a reachable
/// server or a readable file, with or without this program's tables, and how many cases.
/// Fails (in Chinese) when it cannot be reached or opened, or was written by a newer
/// program.
pub async fn check(location: &Location) -> Result<Check> {
    match location {
        Location::Server(url) => check_server(url).await,
        Location::File(path) => check_file(path).await,
    }
}

/// The newest migration this program knows for a store.
fn known_version(migrator: &sqlx::migrate::Migrator) -> i64 {
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Refuses a database written by a newer program.
fn refuse_newer(found: i64, known: i64) -> Result<()> {
    if found > known {
        return Err(Error::Invalid(format!(
            "该数据库已由更新版本的程序升级（结构版本 {found}，本程序只认识到 {known}），请先把本程序升级到同一版本"
        )));
    }
    Ok(())
}

async fn check_server(url: &str) -> Result<Check> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| Error::Invalid(format!("数据库地址“{}”格式不正确：{e}", redact(url))))?;
    let mut conn = PgConnection::connect_with(&options)
        .await
        .map_err(|e| explain_connect(e, url))?;
    let encrypted: bool = sqlx::query_scalar(
        "SELECT COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
    )
    .fetch_one(&mut conn)
    .await?;
    let initialized: bool =
        sqlx::query_scalar("SELECT to_regclass('public._sqlx_migrations') IS NOT NULL")
            .fetch_one(&mut conn)
            .await?;
    let link = if encrypted {
        "已加密（TLS）"
    } else {
        "未加密"
    };
    let place = redact(url);
    let (cases, summary) = if initialized {
        let found: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                .fetch_one(&mut conn)
                .await?;
        refuse_newer(found, known_version(&crate::db::PG_MIGRATOR))?;
        let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&mut conn)
            .await?;
        (
            Some(cases),
            format!("连接成功，连接{link}。服务器上的数据库已有 {cases} 件案件。"),
        )
    } else {
        let trgm: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm')",
        )
        .fetch_one(&mut conn)
        .await?;
        let note = if trgm {
            ""
        } else {
            "注意：服务器缺少 pg_trgm 扩展（Debian 的 postgresql-contrib 包），首次使用前请管理员安装。"
        };
        (
            None,
            format!("连接成功，连接{link}。这是一个空数据库，首次使用时将建立表结构。{note}"),
        )
    };
    conn.close().await.map_err(|e| explain_connect(e, url))?;
    tracing::info!("检查数据库 {place}：{summary}");
    Ok(Check {
        location: place,
        kind: "server",
        initialized,
        cases,
        encrypted: Some(encrypted),
        summary,
    })
}

async fn check_file(path: &Path) -> Result<Check> {
    let place = path.display().to_string();
    if path.is_dir() {
        return Err(Error::Invalid(format!(
            "{place} 是一个文件夹：请填写数据库文件的路径（如 {}）",
            path.join("wenzheng.db").display()
        )));
    }
    if !path.exists() {
        // The nearest existing folder must be a folder: the file and any missing folders
        // are created at the next start.
        let dir = path.ancestors().skip(1).find(|d| d.exists());
        if dir.is_some_and(|d| !d.is_dir()) {
            return Err(Error::Invalid(format!("无法在 {place} 建立数据库文件")));
        }
        return Ok(Check {
            location: place,
            kind: "file",
            initialized: false,
            cases: None,
            encrypted: None,
            summary: "文件还不存在：下次启动时将在此新建一个空数据库。".into(),
        });
    }
    let options = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| not_a_database(e, &place))?;
    let initialized: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut conn)
    .await
    .map_err(|e| not_a_database(e, &place))?;
    let (cases, summary) = if initialized {
        let found: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations")
                .fetch_one(&mut conn)
                .await?;
        refuse_newer(found, known_version(&crate::db::MIGRATOR))?;
        let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&mut conn)
            .await?;
        (
            Some(cases),
            format!("数据库文件可以打开，已有 {cases} 件案件。"),
        )
    } else {
        (
            None,
            "这是一个空的数据库文件，首次使用时将建立表结构。".to_owned(),
        )
    };
    conn.close().await?;
    Ok(Check {
        location: place,
        kind: "file",
        initialized,
        cases,
        encrypted: None,
        summary,
    })
}

/// A file that SQLite cannot read as a database (or an encrypted one, without its key).
fn not_a_database(e: sqlx::Error, place: &str) -> Error {
    Error::Invalid(format!(
        "{place} 不是可用的数据库文件（{e}）。加密的数据库请在设置了密钥的电脑上打开"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ServerForm {
        ServerForm {
            host: "192.168.1.10".into(),
            port: None,
            database: "wenzheng".into(),
            user: "办公室".into(),
            password: Some("p@ss:w/rd 中".into()),
            tls: Tls::Require,
            root_cert: None,
        }
    }

    #[test]
    fn a_form_becomes_a_url_and_reads_back_without_its_password() {
        let url = form().url(None).unwrap();
        let options = PgConnectOptions::from_str(&url).unwrap();
        assert_eq!(options.get_host(), "192.168.1.10");
        assert_eq!(options.get_port(), 5432);
        assert_eq!(options.get_username(), "办公室");
        assert_eq!(options.get_database(), Some("wenzheng"));
        assert!(!redact(&url).contains("p@ss"));
        let back = ServerForm::of_url(&url).unwrap();
        assert_eq!(
            back,
            ServerForm {
                password: None,
                ..form()
            }
        );
    }

    #[test]
    fn an_empty_password_keeps_the_saved_one_of_the_same_server_only() {
        let saved = form().url(None).unwrap();
        let again = ServerForm {
            password: None,
            ..form()
        };
        let url = again.url(Some(&saved)).unwrap();
        assert_eq!(url, saved);
        let elsewhere = ServerForm {
            host: "192.168.1.11".into(),
            password: None,
            ..form()
        };
        assert!(url::Url::parse(&elsewhere.url(Some(&saved)).unwrap())
            .unwrap()
            .password()
            .is_none());
    }

    #[test]
    fn missing_fields_are_told_in_chinese() {
        for (f, word) in [
            (
                ServerForm {
                    host: " ".into(),
                    ..form()
                },
                "服务器地址",
            ),
            (
                ServerForm {
                    database: String::new(),
                    ..form()
                },
                "数据库名",
            ),
            (
                ServerForm {
                    user: String::new(),
                    ..form()
                },
                "用户名",
            ),
            (
                ServerForm {
                    tls: Tls::VerifyFull,
                    ..form()
                },
                "根证书",
            ),
        ] {
            let e = f.url(None).unwrap_err().to_string();
            assert!(e.contains(word), "{e}");
        }
        let e = Choice::File {
            path: "postgres://x/y".into(),
        }
        .location(None)
        .unwrap_err();
        assert!(e.to_string().contains("服务器地址"), "{e}");
    }
}
