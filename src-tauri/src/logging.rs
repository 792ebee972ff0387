//! The app's log: `tracing` events written to a daily rotated file in the OS log dir
//! (`~/.local/state/cn.gov.wenzheng/logs/` on Linux, `%LOCALAPPDATA%\cn.gov.wenzheng\logs\`
//! on Windows), keeping the newest [`KEEP_FILES`] days, and to standard error.

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer as _;
use tracing_subscriber::{fmt, EnvFilter};
use wenzheng_core::db::APP_ID;

/// Overrides the folder of the log files.
pub const LOG_DIR_ENV: &str = "WENZHENG_LOG_DIR";

/// Overrides the log filter (`tracing_subscriber::EnvFilter` syntax, e.g. `debug`).
pub const LOG_FILTER_ENV: &str = "WENZHENG_LOG";

/// How many daily log files are kept; older ones are deleted when the file rolls over.
pub const KEEP_FILES: usize = 30;

/// The log files are `wenzheng.YYYY-MM-DD.log`.
const FILE_PREFIX: &str = "wenzheng";
const FILE_SUFFIX: &str = "log";

/// What is logged unless [`LOG_FILTER_ENV`] says otherwise: the app's own crates at
/// `info`, the libraries under it only when they warn.
const DEFAULT_FILTER: &str = "warn,wenzheng_desktop=info,wenzheng_core=info,wenzheng_notify=info";

/// Log lines carry China Standard Time, as everything else the app shows.
struct ChinaTime;

impl fmt::time::FormatTime for ChinaTime {
    fn format_time(&self, w: &mut fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(
            w,
            "{}",
            wenzheng_core::clock::now().format("%Y-%m-%d %H:%M:%S%.3f")
        )
    }
}

/// The folder of the log files: `$WENZHENG_LOG_DIR`, else `logs/` in the per-user state
/// dir (Linux) or local data dir (Windows, macOS).
pub fn log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(LOG_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .unwrap_or_else(|| PathBuf::from("."))
        .join(APP_ID)
        .join("logs")
}

/// A daily rotated log file appender in `dir`, creating the folder.
fn appender(dir: &Path) -> Result<RollingFileAppender, LogError> {
    std::fs::create_dir_all(dir).map_err(|e| LogError::Dir(dir.to_path_buf(), e))?;
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix(FILE_SUFFIX)
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| LogError::Appender(dir.to_path_buf(), e))
}

/// Why the log file could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log folder could not be created.
    #[error("无法创建日志文件夹 {0}：{1}")]
    Dir(PathBuf, std::io::Error),
    /// The log file could not be opened.
    #[error("无法打开日志文件（{0}）：{1}")]
    Appender(PathBuf, tracing_appender::rolling::InitError),
}

/// Starts logging to the log dir and standard error. Keep the returned guard alive until
/// the app exits: dropping it flushes the file. Without a usable log dir, logs go to
/// standard error only and the reason is printed there.
pub fn init() -> Option<WorkerGuard> {
    let filter = || {
        EnvFilter::try_from_env(LOG_FILTER_ENV).unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
    };
    let stderr = fmt::layer()
        .with_timer(ChinaTime)
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let dir = log_dir();
    match appender(&dir) {
        Ok(file) => {
            let (writer, guard) = tracing_appender::non_blocking(file);
            let file = fmt::layer()
                .with_timer(ChinaTime)
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            tracing_subscriber::registry()
                .with(stderr)
                .with(file)
                .init();
            tracing::info!(
                "网络问政办理系统 {} 启动，日志目录 {}",
                env!("CARGO_PKG_VERSION"),
                dir.display()
            );
            Some(guard)
        }
        Err(e) => {
            tracing_subscriber::registry().with(stderr).init();
            tracing::warn!("{e}；日志只输出到标准错误");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn the_log_file_is_named_by_day_in_the_given_folder() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("a/logs");
        let mut file = appender(&logs).unwrap();
        file.write_all("测试日志\n".as_bytes()).unwrap();
        file.flush().unwrap();
        let names: Vec<String> = std::fs::read_dir(&logs)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        let name = &names[0];
        assert!(
            name.starts_with("wenzheng.") && name.ends_with(".log"),
            "{name}"
        );
        let day = &name["wenzheng.".len()..name.len() - ".log".len()];
        assert!(
            chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok(),
            "{name}"
        );
        let text = std::fs::read_to_string(logs.join(name)).unwrap();
        assert_eq!(text, "测试日志\n");
    }

    #[test]
    fn a_log_folder_that_cannot_be_created_is_reported_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let err = appender(&blocker.join("logs")).unwrap_err();
        assert!(err.to_string().contains("无法创建日志文件夹"), "{err}");
    }
}
