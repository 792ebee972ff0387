//! Cold start and idle memory of the real desktop app (`--app`): the release binary is
//! started through tauri-driver (WebDriver) on a copy-free benchmark database, under the
//! X display of the caller (run it under `xvfb-run`). Measured per launch: from the
//! WebDriver request that starts the process to the sign-in form on screen (the checks at
//! start, the window, the page), and from the click on 登录 to the dashboard's cards and
//! then the register's first rows. After 10 s idle on the register, the resident (RSS) and
//! proportional (PSS) memory of the app's process and of its WebKit helper processes are
//! read from `/proc/<pid>/smaps_rollup`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Map};
use wenzheng_core::Service;

use crate::BoxError;

/// The password the benchmark gives the administrator of its databases.
const PASSWORD: &str = "bench-Passw0rd";

/// What one launch measured.
pub struct Launch {
    /// Process start to the sign-in form.
    pub to_login: Duration,
    /// Click on 登录 to the dashboard's cards.
    pub to_dashboard: Duration,
    /// Click on 案件列表 to its first rows.
    pub to_list: Duration,
    /// After 10 s idle: the app's own process (RSS, PSS) in KiB.
    pub app_kib: Kib,
    /// After 10 s idle: the app and its WebKit processes together (RSS, PSS) in KiB.
    pub all_kib: Kib,
}

/// tauri-driver, stopped with SIGTERM when dropped (it then stops the app).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn free_port() -> Result<u16, BoxError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Gives the administrator of `db` the benchmark's password, if it has none yet.
pub async fn prepare(
    db: &Path,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<(), BoxError> {
    let svc = Service::open(db).await?;
    if svc.login("admin", PASSWORD).await.is_err() {
        svc.first_admin_password(now, PASSWORD).await?;
    }
    svc.shutdown().await;
    Ok(())
}

/// Starts the app on `db` through tauri-driver and measures one launch.
pub async fn launch(app: &Path, db: &Path, backups: &Path) -> Result<Launch, BoxError> {
    let (port, native) = (free_port()?, free_port()?);
    let log = std::fs::File::create(backups.join("tauri-driver.log"))?;
    let child = Command::new("tauri-driver")
        .arg("--port")
        .arg(port.to_string())
        .arg("--native-port")
        .arg(native.to_string())
        .env("WENZHENG_DB", db)
        .env("WENZHENG_BACKUP_DIR", backups)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    let _driver = Driver(child);
    let mut caps = Map::new();
    caps.insert("tauri:options".into(), json!({ "application": app }));
    // tauri-driver takes a moment to listen.
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpListener::bind(("127.0.0.1", port)).is_ok() {
        if Instant::now() > deadline {
            return Err("tauri-driver 未在 30 秒内启动".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let t0 = Instant::now();
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await?;
    let wait = Duration::from_secs(600);
    let form = client
        .wait()
        .at_most(wait)
        .for_element(Locator::Id("login-user"))
        .await?;
    while !form.is_displayed().await? {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let to_login = t0.elapsed();
    form.send_keys("admin").await?;
    client
        .find(Locator::Id("login-password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    let t1 = Instant::now();
    client
        .find(Locator::Id("login-submit"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("#dash-cards .dash-card"))
        .await?;
    let to_dashboard = t1.elapsed();
    let t2 = Instant::now();
    client.find(Locator::Id("nav-list")).await?.click().await?;
    client
        .wait()
        .at_most(wait)
        .for_element(Locator::Css("#case-list tr"))
        .await?;
    let to_list = t2.elapsed();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (app_kib, all_kib) = memory(app)?;
    close(client).await;
    Ok(Launch {
        to_login,
        to_dashboard,
        to_list,
        app_kib,
        all_kib,
    })
}

async fn close(client: Client) {
    let _ = client.close().await;
}

/// Resident and proportional memory (RSS, PSS), in KiB.
type Kib = (u64, u64);

/// (RSS, PSS) in KiB of the process running `app`, and of it with all its descendants.
fn memory(app: &Path) -> Result<(Kib, Kib), BoxError> {
    let app = std::fs::canonicalize(app)?;
    let mut parents: Vec<(u32, u32, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir("/proc")? {
        let entry = entry?;
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The parent pid is the second field after the parenthesised command name.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        parents.push((pid, ppid, exe));
    }
    let root = parents
        .iter()
        .find(|(_, _, exe)| *exe == app)
        .map(|(pid, _, _)| *pid)
        .ok_or("找不到桌面程序的进程")?;
    let mut family = vec![root];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(
            parents
                .iter()
                .filter(|(_, ppid, _)| *ppid == parent)
                .map(|(pid, _, _)| *pid),
        );
        i += 1;
    }
    let own = rollup(root)?;
    let mut all = (0, 0);
    for pid in family {
        let (rss, pss) = rollup(pid).unwrap_or((0, 0));
        all = (all.0 + rss, all.1 + pss);
    }
    Ok((own, all))
}

/// (Rss, Pss) of one process from `/proc/<pid>/smaps_rollup`, in KiB.
fn rollup(pid: u32) -> Result<Kib, BoxError> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))?;
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("Rss:"), field("Pss:")))
}
