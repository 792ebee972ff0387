//! Cold start and idle memory of the real desktop app on a large database (issue 8,
//! docs/performance.md). A measurement, not a check of speed: it is ignored by default
//! and asserts only that the app signs in and renders the dashboard and the register.
//!
//! ```sh
//! WENZHENG_PERF_DB=/var/tmp/wz-bench/demo-100000-seed1.db \
//! WENZHENG_PERF_APP=target/release/wenzheng-desktop \
//! xvfb-run -a dbus-run-session -- cargo test -p wenzheng-desktop --test e2e_perf -- --ignored --nocapture
//! ```
//!
//! Each launch starts the app through tauri-driver (WebDriver) and measures: from the
//! WebDriver request that starts the process to the sign-in form on screen (the checks at
//! start, the window, the page); from the click on 登录 to the dashboard's cards; from the
//! click on 案件列表 to its first rows. After 10 s idle on the register it reads the
//! resident (RSS) and proportional (PSS) memory of the app's process, and of the app with
//! its WebKit helper processes, from `/proc/<pid>/smaps_rollup`; then, from the click on
//! 统计, the time to this month's report with its list of cases overdue at the cutoff. The first launch of a
//! day also makes the daily backup; it is reported apart from the median of the others.

#[path = "e2e/harness.rs"]
mod harness;
use fantoccini::ClientBuilder;
use harness::*;

/// The password the measurement gives the administrator of the database, if it has none.
const PASSWORD: &str = "bench-Passw0rd";

/// What one launch measured (memory in KiB: RSS, PSS, anonymous PSS).
struct Launch {
    to_login: Duration,
    to_dashboard: Duration,
    to_list: Duration,
    app: Mem,
    all: Mem,
    to_stats: Duration,
    overdue_rows: usize,
}

async fn launch(app: &Path, db: &Path, log: PathBuf) -> Launch {
    let (port, native) = free_ports();
    let _driver = Driver::spawn(port, native, db, log);
    let mut caps = Map::new();
    caps.insert("browserName".into(), json!("wry"));
    caps.insert("tauri:options".into(), json!({ "application": app }));
    let url = format!("http://127.0.0.1:{port}");
    // tauri-driver takes a moment to listen; the clock starts with the request that
    // starts the app.
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let t0 = Instant::now();
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&url)
        .await
        .expect("a WebDriver session");
    let long = Duration::from_secs(900);
    let user = client
        .wait()
        .at_most(long)
        .for_element(Locator::Id("login-user"))
        .await
        .expect("the sign-in form");
    while !user.is_displayed().await.unwrap_or(false) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let to_login = t0.elapsed();
    user.send_keys("admin").await.unwrap();
    fill(&client, "login-password", PASSWORD).await;
    let t1 = Instant::now();
    click(&client, "login-submit").await;
    client
        .wait()
        .at_most(long)
        .for_element(Locator::Css("#dash-cards .dash-card"))
        .await
        .expect("the dashboard's cards");
    let to_dashboard = t1.elapsed();
    let t2 = Instant::now();
    click(&client, "nav-list").await;
    client
        .wait()
        .at_most(long)
        .for_element(Locator::Css("#case-list tr"))
        .await
        .expect("the register's first rows");
    let to_list = t2.elapsed();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (own, all) = memory(app);
    // The 统计 screen: this month's report (computed: it is in progress) with its list of
    // cases overdue at the cutoff — its last part to be filled in.
    let t3 = Instant::now();
    click(&client, "nav-stats").await;
    client
        .wait()
        .at_most(long)
        .for_element(Locator::Css("#st-overdue tr"))
        .await
        .expect("the list of overdue cases");
    let to_stats = t3.elapsed();
    let overdue_rows = css_count(&client, "#st-overdue tr").await;
    client.close().await.expect("close the session");
    Launch {
        to_login,
        to_dashboard,
        to_list,
        app: own,
        all,
        to_stats,
        overdue_rows,
    }
}

/// Resident, proportional and anonymous proportional memory (RSS, PSS, PSS of anonymous
/// pages — the heap, as opposed to mapped files such as the database), in KiB.
type Mem = (u64, u64, u64);

/// The memory of one process from `/proc/<pid>/smaps_rollup`.
fn rollup(pid: u32) -> Mem {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (field("Rss:"), field("Pss:"), field("Pss_Anon:"))
}

/// The memory of the process running `app`, and of it with all its descendants.
fn memory(app: &Path) -> (Mem, Mem) {
    let app = std::fs::canonicalize(app).expect("the app's path");
    let mut procs: Vec<(u32, u32, PathBuf)> = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse().ok()) else {
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
        procs.push((pid, ppid, exe));
    }
    let root = procs
        .iter()
        .find(|(_, _, exe)| *exe == app)
        .map(|(pid, _, _)| *pid)
        .expect("the app's process");
    let mut family = vec![root];
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        family.extend(
            procs
                .iter()
                .filter(|(_, ppid, _)| *ppid == parent)
                .map(|(pid, _, _)| *pid),
        );
        i += 1;
    }
    let all = family
        .iter()
        .map(|p| rollup(*p))
        .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    (rollup(root), all)
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

fn mb(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

#[tokio::test]
#[ignore = "a measurement on a large database: see docs/performance.md"]
async fn cold_start_and_idle_memory() {
    let db = PathBuf::from(std::env::var_os("WENZHENG_PERF_DB").expect("WENZHENG_PERF_DB"));
    let app = std::env::var_os("WENZHENG_PERF_APP").map_or(PathBuf::from(APP), PathBuf::from);
    let launches: usize = std::env::var("WENZHENG_PERF_LAUNCHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    assert!(
        std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()),
        "run it under xvfb-run"
    );
    {
        let svc = wenzheng_core::Service::open(&db).await.unwrap();
        if svc.login("admin", PASSWORD).await.is_err() {
            svc.first_admin_password(wenzheng_core::clock::now(), PASSWORD)
                .await
                .expect("a password for the administrator");
        }
        svc.shutdown().await;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for i in 0..=launches {
        let l = launch(&app, &db, tmp.path().join(format!("driver-{i}.log"))).await;
        eprintln!(
            "launch {i}: {} ms to the sign-in form, {} ms to the dashboard, {} ms to the list; \
             app RSS {} MB PSS {} MB (anonymous {} MB); with WebKit RSS {} MB PSS {} MB; \
             {} ms to 统计 with {} overdue rows",
            ms(l.to_login),
            ms(l.to_dashboard),
            ms(l.to_list),
            mb(l.app.0),
            mb(l.app.1),
            mb(l.app.2),
            mb(l.all.0),
            mb(l.all.1),
            ms(l.to_stats),
            l.overdue_rows
        );
        runs.push(l);
    }
    let first = runs.remove(0);
    let med = |f: &dyn Fn(&Launch) -> u64| {
        let mut v: Vec<u64> = runs.iter().map(f).collect();
        v.sort();
        v[v.len() / 2]
    };
    let d = |f: &dyn Fn(&Launch) -> Duration| med(&|l| f(l).as_millis() as u64);
    println!(
        "\n| measure ({}) | first launch | median of {} |",
        db.display(),
        runs.len()
    );
    println!("|---|---:|---:|");
    println!(
        "| start → sign-in form (ms) | {} | {} |",
        ms(first.to_login),
        d(&|l| l.to_login)
    );
    println!(
        "| 登录 → dashboard (ms) | {} | {} |",
        ms(first.to_dashboard),
        d(&|l| l.to_dashboard)
    );
    println!(
        "| cold start to the first list: sum of both (ms) | {} | {} |",
        ms(first.to_login + first.to_dashboard),
        d(&|l| l.to_login + l.to_dashboard)
    );
    println!(
        "| 案件列表 → first rows (ms) | {} | {} |",
        ms(first.to_list),
        d(&|l| l.to_list)
    );
    println!(
        "| idle: app RSS / PSS / anonymous PSS (MB) | {} / {} / {} | {} / {} / {} |",
        mb(first.app.0),
        mb(first.app.1),
        mb(first.app.2),
        mb(med(&|l| l.app.0)),
        mb(med(&|l| l.app.1)),
        mb(med(&|l| l.app.2))
    );
    println!(
        "| idle: app + WebKit RSS / PSS (MB) | {} / {} | {} / {} |",
        mb(first.all.0),
        mb(first.all.1),
        mb(med(&|l| l.all.0)),
        mb(med(&|l| l.all.1))
    );
    println!(
        "| 统计 → this month's figures and overdue list, {} rows (ms) | {} | {} |",
        first.overdue_rows,
        ms(first.to_stats),
        d(&|l| l.to_stats)
    );
}
