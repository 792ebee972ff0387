//! `wenzheng-bench`: the product's speed on a large database. For each size it generates
//! (once, then reuses) a demo database with `seed_demo`, times each operation through the
//! services, times the same SQL through bare SQLite (rusqlite, on the same file), and
//! prints a Markdown table of medians with the ratio. See `docs/performance.md`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
use clap::Parser;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OpenFlags};
use wenzheng_core::calendar::WorkCalendar;
use wenzheng_core::clock::{format_instant, parse_local, parse_stored, parse_stored_date};
use wenzheng_core::due::{self, DueCase, DueCounts, Instruction, Thresholds};
use wenzheng_core::model::CaseStatus;
use wenzheng_core::service::documents::DocKind;
use wenzheng_core::service::{ImportMode, SearchFilter, RECEIVED_AHEAD_MINUTES};
use wenzheng_core::{Ctx, Service};
use wenzheng_print::{FontOptions, Printer};

/// 性能基准：生成演示数据库并测量各项操作的中位耗时
#[derive(Debug, Parser)]
struct Args {
    /// 案件规模，逗号分隔
    #[arg(long, value_delimiter = ',', default_value = "100000,1000000")]
    sizes: Vec<u64>,
    /// 存放基准数据库的目录（已有的同规模数据库会被复用）
    #[arg(long, default_value = "target/bench")]
    dir: PathBuf,
    /// 每项测量的次数（取中位数）
    #[arg(long, default_value_t = 15)]
    runs: usize,
    /// 演示数据的随机种子
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 跳过导入 10 万行的测量（它每次要复制数据库）
    #[arg(long)]
    skip_import: bool,
    /// 跳过月报的测量（在 100 万件时一次要几分钟）
    #[arg(long)]
    skip_monthly: bool,
}

/// The moment every measurement is taken at.
const NOW: &str = "2026-11-27 10:00";

type BoxError = Box<dyn std::error::Error>;

/// One row of the table.
struct Line {
    what: String,
    service: Duration,
    bare: Option<Duration>,
    target: Option<Duration>,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

/// Runs `sql` with `params` and reads every column of every row.
fn bare(conn: &Connection, sql: &str, params: &[Value]) -> Result<usize, BoxError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(params_from_iter(params.iter()))?;
    let mut n = 0;
    while let Some(row) = rows.next()? {
        for i in 0..columns {
            let _: Value = row.get(i)?;
        }
        n += 1;
    }
    Ok(n)
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

struct Bench {
    conn: Connection,
    runs: usize,
    /// Runs before the measured ones (not counted).
    warmups: usize,
    lines: Vec<Line>,
}

impl Bench {
    /// Times the service call `op` and, when given, the bare SQL statements `twin`.
    async fn measure<F, Fut, T>(
        &mut self,
        what: &str,
        target_ms: Option<u64>,
        twin: &[(&str, Vec<Value>)],
        mut op: F,
    ) -> Result<(), BoxError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = wenzheng_core::Result<T>>,
    {
        let mut samples = Vec::new();
        for i in 0..self.runs + self.warmups {
            let t = Instant::now();
            op().await?;
            if i >= self.warmups {
                samples.push(t.elapsed());
            }
        }
        let service = median(samples);
        let bare_time = if twin.is_empty() {
            None
        } else {
            let mut samples = Vec::new();
            for i in 0..self.runs + self.warmups {
                let t = Instant::now();
                for (sql, params) in twin {
                    bare(&self.conn, sql, params)?;
                }
                if i >= self.warmups {
                    samples.push(t.elapsed());
                }
            }
            Some(median(samples))
        };
        eprintln!(
            "  {what}: {} ms（裸 SQLite {} ms）",
            ms(service),
            bare_time.map_or("—".into(), ms)
        );
        self.lines.push(Line {
            what: what.to_string(),
            service,
            bare: bare_time,
            target: target_ms.map(Duration::from_millis),
        });
        Ok(())
    }
}

const OPEN: &str = "c.status IN ('pending', 'acknowledged', 'assigned', 'in_progress')";

/// The statement every service call that needs the working-day calendar runs (the
/// calendar itself is kept in memory while this number is unchanged).
const VERSION: &str = "SELECT version FROM calendar_version";

/// The active units of the cases `main_sql` lists, as the service reads them for a page.
fn units_of(
    conn: &Connection,
    main_sql: &str,
    params: &[Value],
) -> Result<(String, Vec<Value>), BoxError> {
    let mut stmt = conn.prepare(main_sql)?;
    let ids: Vec<i64> = stmt
        .query_map(params_from_iter(params.iter()), |r| r.get("id"))?
        .collect::<Result<_, _>>()?;
    let ids = &ids[..ids.len().min(50)];
    let marks = vec!["?"; ids.len().max(1)].join(", ");
    let sql = format!(
        "SELECT a.case_id, a.unit_id, u.name AS unit, a.role FROM assignments a
         JOIN units u ON u.id = a.unit_id WHERE a.returned_at IS NULL AND a.case_id IN ({marks})
         ORDER BY a.role = 'assist', a.id"
    );
    let mut values: Vec<Value> = ids.iter().map(|i| Value::Integer(*i)).collect();
    if values.is_empty() {
        values.push(Value::Integer(0));
    }
    Ok((sql, values))
}

/// The statements `search_cases` runs for the one-term query `q` (see
/// `service/search.rs`: the expansion of a short term into the trigrams that begin with it,
/// at most 400; the count of matches, above 2,000 of which the sort index is walked).
fn search_twin(conn: &Connection, q: &str) -> Result<Vec<(String, Vec<Value>)>, BoxError> {
    let phrase = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    let mut twin: Vec<(String, Vec<Value>)> = vec![(VERSION.into(), vec![])];
    let expr = if q.chars().count() >= 3 {
        phrase(q)
    } else {
        let vocab = "SELECT term FROM case_fts_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3";
        let params = vec![
            text(q),
            text(&format!("{q}{}", char::MAX)),
            Value::Integer(401),
        ];
        let mut stmt = conn.prepare(vocab)?;
        let grams: Vec<String> = stmt
            .query_map(params_from_iter(params.iter()), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        twin.push((vocab.into(), params));
        let alternatives: Vec<String> = grams.iter().map(|g| phrase(g)).collect();
        format!("({})", alternatives.join(" OR "))
    };
    let count =
        "SELECT COUNT(*) FROM (SELECT rowid FROM case_fts WHERE case_fts MATCH ?1 LIMIT ?2)";
    let found: i64 = conn.query_row(count, rusqlite::params![expr, 2001], |r| r.get(0))?;
    twin.push((count.into(), vec![text(&expr), Value::Integer(2001)]));
    let id = if found > 2000 { "+c.id" } else { "c.id" };
    let main = format!(
        "SELECT * FROM cases c WHERE 1 = 1
           AND {id} IN (SELECT rowid FROM case_fts WHERE case_fts MATCH ?1)
         ORDER BY c.received_at DESC, c.id DESC LIMIT 51"
    );
    let params = vec![text(&expr)];
    let units = units_of(conn, &main, &params)?;
    twin.push((main, params));
    twin.push(units);
    Ok(twin)
}

/// Runs `sql` with `params` and returns its rows, each read by `row`.
fn rows<T>(
    conn: &Connection,
    sql: &str,
    params: &[Value],
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, BoxError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let out = stmt
        .query_map(params_from_iter(params.iter()), row)?
        .collect::<Result<_, _>>()?;
    Ok(out)
}

/// The statements `due_report` runs at `now` (`service/notify.rs`), in its order and with
/// its parameters: the calendar version and the thresholds, the counts, the cases that can
/// give a notice, their units, the new instructions, which of the decided notices were
/// sent, and the first overdue numbers when the daily summary is raised. The lists bound
/// as JSON (case ids, notice keys) are computed here the way the service computes them.
fn due_twin(
    conn: &Connection,
    calendar: &WorkCalendar,
    thresholds: &Thresholds,
    now: DateTime<FixedOffset>,
) -> Result<Vec<(String, Vec<Value>)>, BoxError> {
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let today = now.date_naive();
    let now_s = format_instant(&now);
    let mut twin: Vec<(String, Vec<Value>)> = vec![
        (VERSION.into(), vec![]),
        (
            "SELECT key, value FROM settings WHERE key LIKE 'notify.%'".into(),
            vec![],
        ),
    ];

    let counts_sql = format!(
        "SELECT (SELECT COUNT(*) FROM cases c WHERE {OPEN} AND c.reply_due < $1)
              + (SELECT COUNT(*) FROM cases c WHERE c.status = 'pending' AND c.ack_due < $2
                    AND c.reply_due >= $1),
                (SELECT COUNT(*) FROM cases c WHERE {OPEN} AND c.reply_due = $1
                    AND NOT (c.status = 'pending' AND c.ack_due < $2))
              + (SELECT COUNT(*) FROM cases c WHERE c.status = 'pending' AND c.ack_due >= $2
                    AND c.ack_due < $3 AND c.reply_due > $1),
                (SELECT COUNT(*) FROM cases c WHERE c.status = 'pending')"
    );
    let params = vec![
        text(&day(today)),
        text(&now_s),
        text(&day(today.succ_opt().ok_or("date")?)),
    ];
    let counts = rows(conn, &counts_sql, &params, |r| {
        Ok(DueCounts {
            overdue: r.get(0)?,
            due_today: r.get(1)?,
            pending: r.get(2)?,
        })
    })?[0];
    twin.push((counts_sql, params));

    let (first, last) = due::reply_window(calendar, thresholds, today);
    let (after, until) = due::ack_window(thresholds, now);
    let mut candidates_sql = format!(
        "SELECT c.id, c.number, c.title, c.status, c.ack_due, c.reply_due, c.urge_count, u.name
         FROM cases c
         LEFT JOIN assignments a ON a.case_id = c.id AND a.returned_at IS NULL
         LEFT JOIN units u ON u.id = a.unit_id
         WHERE c.id IN (
             SELECT c.id FROM cases c WHERE {OPEN} AND c.reply_due >= $1 AND c.reply_due <= $2
             UNION SELECT c.id FROM cases c WHERE c.status = 'pending' AND c.ack_due > $3
                 AND c.ack_due <= $4"
    );
    let mut params = vec![
        text(&day(first)),
        text(&day(last)),
        text(&format_instant(&after)),
        text(&format_instant(&until)),
    ];
    if thresholds.urge_limit > 0 {
        candidates_sql.push_str(&format!(
            " UNION SELECT c.id FROM cases c WHERE {OPEN} AND likelihood(c.urge_count >= $5, 0.001)
                 AND NOT EXISTS (SELECT 1 FROM notifications_sent n
                       WHERE n.key = 'urge_limit:' || CAST(c.id AS TEXT))"
        ));
        params.push(Value::Integer(i64::from(thresholds.urge_limit)));
    }
    candidates_sql.push_str(") ORDER BY c.id, a.role = 'assist', a.id");
    let unit_rows = rows(conn, &candidates_sql, &params, |r| {
        let status: String = r.get(3)?;
        let ack_due: String = r.get(4)?;
        let reply_due: String = r.get(5)?;
        let case = DueCase {
            id: r.get(0)?,
            number: r.get(1)?,
            title: r.get(2)?,
            status: status.parse().unwrap_or(CaseStatus::Pending),
            ack_due: parse_stored(&ack_due).unwrap_or(now),
            reply_due: parse_stored_date(&reply_due).unwrap_or(today),
            urgings: r.get(6)?,
            units: String::new(),
        };
        Ok((case, r.get::<_, Option<String>>(7)?))
    })?;
    let mut cases: Vec<DueCase> = Vec::new();
    for (case, unit) in unit_rows {
        if cases.last().is_none_or(|c| c.id != case.id) {
            cases.push(case);
        }
        if let (Some(last), Some(unit)) = (cases.last_mut(), unit) {
            if !last.units.is_empty() {
                last.units.push('、');
            }
            last.units.push_str(&unit);
        }
    }
    twin.push((candidates_sql, params));

    let instructions_sql = "SELECT i.id, i.case_id, c.number, i.leader, i.text, i.created_at
         FROM instructions i JOIN cases c ON c.id = i.case_id
         WHERE i.created_at >= $1 AND c.status <> 'archived' ORDER BY i.id";
    let params = vec![text(&format_instant(&(now - chrono::Duration::hours(24))))];
    let instructions = rows(conn, instructions_sql, &params, |r| {
        let created_at: String = r.get(5)?;
        Ok(Instruction {
            id: r.get(0)?,
            case_id: r.get(1)?,
            case_number: r.get(2)?,
            leader: r.get(3)?,
            text: r.get(4)?,
            created_at: parse_stored(&created_at).unwrap_or(now),
        })
    })?;
    twin.push((instructions_sql.into(), params));

    let notices = due::case_notices(&cases, &instructions, calendar, thresholds, now);
    let summary = due::summary_key(&counts, calendar, now);
    let keys: Vec<String> = summary
        .iter()
        .cloned()
        .chain(notices.iter().map(|n| n.key.clone()))
        .collect();
    let mut summary_sent = false;
    if !keys.is_empty() {
        let quoted: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        let sent_sql =
            "SELECT key FROM notifications_sent WHERE key IN (SELECT value FROM json_each($1))";
        let params = vec![text(&format!("[{}]", quoted.join(",")))];
        let sent = rows(conn, sent_sql, &params, |r| r.get::<_, String>(0))?;
        summary_sent = summary.as_ref().is_some_and(|k| sent.contains(k));
        twin.push((sent_sql.into(), params));
    }
    if summary.is_some() && !summary_sent {
        twin.push((
            format!(
                "SELECT c.number FROM cases c INDEXED BY cases_open_number WHERE {OPEN} AND (c.reply_due < $1
                     OR (c.status = 'pending' AND c.ack_due < $2))
                 ORDER BY c.number LIMIT {}",
                due::SUMMARY_NUMBERS
            ),
            vec![text(&day(today)), text(&now_s)],
        ));
    }
    Ok(twin)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.dir)?;
    let mut tables = Vec::new();
    for &size in &args.sizes {
        let path = args.dir.join(format!("demo-{size}-seed{}.db", args.seed));
        let lines = run_size(&args, size, &path).await?;
        tables.push((size, lines));
    }
    for (size, lines) in tables {
        println!("\n### {size} 件案件\n");
        println!("| 操作 | 目标 | 服务（中位，ms） | 裸 SQLite（中位，ms） | 比值 | 达标 |");
        println!("|---|---:|---:|---:|---:|:---:|");
        for l in lines {
            let ratio = l
                .bare
                .map(|b| l.service.as_secs_f64() / b.as_secs_f64().max(1e-9));
            let met = l
                .target
                .map(|t| l.service <= t && ratio.is_none_or(|r| r <= 1.3));
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                l.what,
                l.target.map_or("—".into(), |t| format!("≤ {}", ms(t))),
                ms(l.service),
                l.bare.map_or("—".into(), ms),
                ratio.map_or("—".into(), |r| format!("{r:.2}×")),
                match met {
                    Some(true) => "✓",
                    Some(false) => "✗",
                    None => "—",
                }
            );
        }
    }
    Ok(())
}

async fn run_size(args: &Args, size: u64, path: &Path) -> Result<Vec<Line>, BoxError> {
    let now = parse_local(NOW)?;
    if !path.exists() {
        eprintln!("生成 {size} 件案件的演示数据库 {} …", path.display());
        let partial = path.with_extension("partial.db");
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", partial.display()));
        }
        let svc = Service::open(&partial).await?;
        let ctx = Ctx {
            actor: svc.actor(None).await?,
            now,
        };
        let t = Instant::now();
        let summary = svc.seed_demo(&ctx, size, args.seed).await?;
        eprintln!(
            "  已生成：{} 件案件，{} 条操作记录，用时 {:.1} 秒",
            summary.cases,
            summary.events,
            t.elapsed().as_secs_f64()
        );
        svc.shutdown().await;
        std::fs::rename(&partial, path)?;
    }
    eprintln!("测量 {size} 件案件（{}）…", path.display());
    let svc = Service::open(path).await?;
    let ctx = Ctx {
        actor: svc.actor(None).await?,
        now,
    };
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let mut b = Bench {
        conn,
        runs: args.runs,
        warmups: 2,
        lines: Vec::new(),
    };

    // The register page: status + unit, by due date.
    let page = SearchFilter {
        status: Some("assigned".into()),
        unit: Some("镇城建办".into()),
        sort: Some("due".into()),
        limit: Some(50),
        ..Default::default()
    };
    let main_sql = "SELECT * FROM cases c WHERE 1 = 1 AND c.status = ?1
           AND EXISTS (SELECT 1 FROM assignments a JOIN units u ON u.id = a.unit_id
                       WHERE a.case_id = c.id AND a.returned_at IS NULL AND u.name = ?2)
         ORDER BY c.reply_due ASC, c.id ASC LIMIT ?3";
    let main_params = vec![text("assigned"), text("镇城建办"), Value::Integer(51)];
    let units = units_of(&b.conn, main_sql, &main_params)?;
    let twin = [
        (VERSION, vec![]),
        (main_sql, main_params.clone()),
        (units.0.as_str(), units.1.clone()),
    ];
    let (s, c) = (&svc, &ctx);
    b.measure(
        "台账一页：状态 + 承办单位，按答复期限排序（50 件）",
        Some(10),
        &twin,
        || s.search_cases(c, &page),
    )
    .await?;

    // Full-text search, 2, 3 and 6 characters: the statements the service runs.
    for (q, label) in [
        ("路灯", "两字"),
        ("垃圾桶", "三字"),
        ("自来水水质差", "六字"),
    ] {
        let filter = SearchFilter {
            q: Some(q.into()),
            limit: Some(50),
            ..Default::default()
        };
        let twin = search_twin(&b.conn, q)?;
        let twin: Vec<(&str, Vec<Value>)> =
            twin.iter().map(|(q, p)| (q.as_str(), p.clone())).collect();
        b.measure(
            &format!("全文搜索，{label}“{q}”（第一页 50 件）"),
            Some(50),
            &twin,
            || s.search_cases(c, &filter),
        )
        .await?;
    }

    // The dashboard: the same nine statements.
    let calendar = WorkCalendar::bundled();
    let today = now.date_naive();
    let soon = calendar.add_working_days(today, 2).0;
    let (now_s, today_s, soon_s) = (
        format_instant(&now),
        today.format("%Y-%m-%d").to_string(),
        soon.format("%Y-%m-%d").to_string(),
    );
    let since = format_instant(&(now - chrono::Duration::days(3)));
    let tomorrow_s = today
        .succ_opt()
        .unwrap_or(today)
        .format("%Y-%m-%d")
        .to_string();
    let count = "SELECT COUNT(*) FROM cases c WHERE 1 = 1";
    let dashboard: Vec<(String, Vec<Value>)> = vec![
        (VERSION.into(), vec![]),
        (format!("{count} AND c.status = 'pending'"), vec![]),
        (
            format!("{count} AND {OPEN} AND (c.reply_due < ?1 OR (c.status = 'pending' AND c.ack_due < ?2))"),
            vec![text(&today_s), text(&now_s)],
        ),
        (
            format!("{count} AND {OPEN} AND NOT (c.status = 'pending' AND c.ack_due < ?1)
                   AND (c.reply_due = ?2 OR (c.status = 'pending' AND c.ack_due < ?3 AND c.reply_due > ?4))"),
            vec![text(&now_s), text(&today_s), text(&tomorrow_s), text(&today_s)],
        ),
        (
            format!("{count} AND {OPEN} AND c.reply_due > ?1 AND c.reply_due <= ?2"),
            vec![text(&today_s), text(&soon_s)],
        ),
        (
            format!("{count} AND c.status <> 'archived'
                   AND c.id IN (SELECT case_id FROM cases_awaiting_feedback)"),
            vec![],
        ),
        (
            format!("{count} AND c.status <> 'archived'
                   AND c.id IN (SELECT i.case_id FROM instructions i WHERE i.created_at >= ?1)"),
            vec![text(&since)],
        ),
        (
            format!("{count} AND (c.important = 1 OR c.sensitive = 1) AND c.status <> 'archived'
                  AND NOT EXISTS (SELECT 1 FROM documents d
                                  WHERE d.case_id = c.id AND d.kind = 'brief')"),
            vec![],
        ),
        ("SELECT status, n FROM case_status_counts".into(), vec![]),
        ("SELECT MIN(c.ack_due) FROM cases c WHERE c.status = 'pending'".into(), vec![]),
    ];
    let twin: Vec<(&str, Vec<Value>)> = dashboard
        .iter()
        .map(|(q, p)| (q.as_str(), p.clone()))
        .collect();
    b.measure("工作台计数（9 项）", Some(20), &twin, || {
        s.dashboard(c)
    })
    .await?;

    // The due scan: the statements `due_report` runs.
    let thresholds = svc.notify_settings().await?;
    let twin = due_twin(&b.conn, &svc.calendar().await?, &thresholds, now)?;
    let twin: Vec<(&str, Vec<Value>)> = twin.iter().map(|(q, p)| (q.as_str(), p.clone())).collect();
    b.measure(
        "到期扫描：全部未办结案件",
        Some(50),
        &twin,
        || s.due_report(c),
    )
    .await?;

    if !args.skip_monthly {
        monthly(&mut b, s, c).await?;
    }

    // Opening a case with its timeline: the same ten statements, on the newest archived
    // case with a timeline of an ordinary length (earlier benches issued all their
    // documents for one case, whose timeline grew with every run).
    let id: i64 = b.conn.query_row(
        "SELECT id FROM cases WHERE status = 'archived'
             AND (SELECT COUNT(*) FROM events WHERE case_id = cases.id) <= 30
         ORDER BY id DESC LIMIT 1",
        [],
        |r| r.get(0),
    )?;
    let number: String = b
        .conn
        .query_row("SELECT number FROM cases WHERE id = ?1", [id], |r| r.get(0))?;
    let by_case = [
        "SELECT * FROM cases WHERE number = ?1",
        "SELECT a.unit_id, u.name AS unit, a.role FROM assignments a JOIN units u ON u.id = a.unit_id
         WHERE a.case_id = ?1 AND a.returned_at IS NULL ORDER BY a.role = 'assist', a.id",
        VERSION,
        "SELECT a.id, u.name AS unit, a.role, a.requirements, a.assigned_at, a.returned_at, a.return_reason
         FROM assignments a JOIN units u ON u.id = a.unit_id WHERE a.case_id = ?1 ORDER BY a.id",
        "SELECT id, leader, text, created_at FROM instructions WHERE case_id = ?1 ORDER BY id",
        "SELECT g.id, u.name AS unit, g.level, g.text, g.created_at
         FROM urgings g JOIN units u ON u.id = g.unit_id WHERE g.case_id = ?1 ORDER BY g.id",
        "SELECT p.id, u.name AS unit, p.text, p.created_at
         FROM progress_reports p JOIN units u ON u.id = p.unit_id WHERE p.case_id = ?1 ORDER BY p.id",
        "SELECT id, kind, text, published_at, created_at FROM replies WHERE case_id = ?1 ORDER BY id",
        "SELECT id, seq, recipients, reply_id, created_at FROM feedbacks WHERE case_id = ?1 ORDER BY seq",
        "SELECT e.id, e.days, e.reason, u.display_name AS approved_by, e.created_at
         FROM extensions e JOIN users u ON u.id = e.approved_by WHERE e.case_id = ?1 ORDER BY e.id",
        "SELECT id, file_name, sha256, size, created_at FROM attachments WHERE case_id = ?1 ORDER BY id",
        "SELECT id, satisfaction, note, created_at FROM followups WHERE case_id = ?1 ORDER BY id",
        "SELECT e.id, e.case_id, u.display_name AS actor, e.at, e.kind, e.summary, e.before, e.after
         FROM events e JOIN users u ON u.id = e.actor_id WHERE e.case_id = ?1 ORDER BY e.id",
    ];
    let twin: Vec<(&str, Vec<Value>)> = by_case
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let p = match i {
                0 => vec![text(&number)],
                2 => vec![],
                _ => vec![Value::Integer(id)],
            };
            (*q, p)
        })
        .collect();
    b.measure("打开案件及其时间线", Some(10), &twin, || {
        s.case_detail(c, &number)
    })
    .await?;

    // One feedback PDF: number it, read the case, lay it out — each run for the next of the
    // 64 newest closed cases other than the one opened above, so that no case's timeline
    // grows with the runs.
    let printer = Printer::new(&FontOptions::default())?;
    let p = &printer;
    let out = args.dir.join("feedback.pdf");
    let o = &out;
    let closed: Vec<String> = b
        .conn
        .prepare(
            "SELECT number FROM cases WHERE status IN ('closed', 'archived') AND id <> ?1
             ORDER BY id DESC LIMIT 64",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if closed.is_empty() {
        return Err("演示数据中没有已办结的案件，无法测量书面反馈".into());
    }
    let turn = std::cell::Cell::new(0);
    b.measure(
        "一份书面反馈 PDF（编号、读取、排版、写文件）",
        Some(50),
        &[],
        || {
            let num = &closed[turn.get() % closed.len()];
            turn.set(turn.get() + 1);
            async move {
                let issued = s.issue_document(c, num, DocKind::Feedback).await?;
                let detail = s.case_detail(c, num).await?;
                let doc = p.render(&detail, &issued, c.now.date_naive());
                tokio::fs::write(o, &doc.pdf).await?;
                Ok(())
            }
        },
    )
    .await?;

    if !args.skip_import {
        import(&mut b, &args.dir, now).await?;
    }
    let lines = std::mem::take(&mut b.lines);
    svc.shutdown().await;
    Ok(lines)
}

/// The statements of the report's snapshot (`service/reports.rs`) for the replay window
/// `[from, cutoff)`, with the relevant cases in a temporary table instead of a JSON list.
fn snapshot_twin(from: &str, cutoff: &str) -> Vec<(String, Vec<Value>)> {
    let day = &from[..10];
    let relevant = "SELECT id FROM temp.relevant";
    let window = || vec![text(from), text(cutoff)];
    vec![
        ("DROP TABLE IF EXISTS temp.relevant".into(), vec![]),
        (
            "CREATE TEMP TABLE relevant AS
             SELECT id FROM (
                 SELECT case_id AS id FROM case_histories WHERE counted_at >= ?1
                 UNION SELECT id FROM cases
                       WHERE status IN ('pending', 'acknowledged', 'assigned', 'in_progress')
                 UNION SELECT id FROM cases WHERE reply_due >= ?2) AS u
             WHERE id NOT IN (SELECT id FROM cases WHERE received_at >= ?3)"
                .into(),
            vec![text(from), text(day), text(&received_after(cutoff))],
        ),
        ("SELECT * FROM calendar_days".into(), vec![]),
        ("SELECT id, name FROM units ORDER BY id".into(), vec![]),
        (
            format!(
                "SELECT COALESCE(json_group_array(json_array(id, number, title, source, category,
                        important, sensitive, complexity, received_at, ack_due)), '[]')
                 FROM cases INDEXED BY cases_report WHERE id IN ({relevant})"
            ),
            vec![],
        ),
        (
            format!(
                "SELECT COALESCE(json_group_array(json_array(case_id, entries)), '[]')
                 FROM case_histories WHERE case_id IN ({relevant})"
            ),
            vec![],
        ),
        (
            format!(
                "SELECT COALESCE(json_group_array(json_array(case_id, id, unit_id, role, assigned_at,
                        returned_at)), '[]')
                 FROM assignments INDEXED BY assignments_report WHERE case_id IN ({relevant})"
            ),
            vec![],
        ),
        (
            "SELECT case_id, unit_id, level, created_at FROM urgings
             WHERE created_at >= ?1 AND created_at < ?2 ORDER BY id"
                .into(),
            window(),
        ),
        (
            "SELECT case_id, created_at FROM instructions
             WHERE created_at >= ?1 AND created_at < ?2 ORDER BY id"
                .into(),
            window(),
        ),
        (
            "SELECT case_id, days, created_at FROM extensions
             WHERE created_at >= ?1 AND created_at < ?2 ORDER BY id"
                .into(),
            window(),
        ),
        (
            "SELECT case_id, satisfaction, created_at FROM followups
             WHERE created_at >= ?1 AND created_at < ?2 ORDER BY id"
                .into(),
            window(),
        ),
        (
            format!(
                "SELECT COALESCE(json_group_array(json_array(case_id, id, created_at, published_at)),
                        '[]')
                 FROM replies INDEXED BY replies_final
                 WHERE kind = 'final' AND case_id IN ({relevant})"
            ),
            vec![],
        ),
    ]
}

/// The service's bound of the cases a report leaves out as received after its cutoff:
/// [`RECEIVED_AHEAD_MINUTES`] (the most a 收到时间 may be ahead of its registration) later.
fn received_after(cutoff: &str) -> String {
    let at = parse_stored(cutoff).expect("a stored instant");
    format_instant(&(at + chrono::Duration::minutes(RECEIVED_AHEAD_MINUTES)))
}

/// Borrows the statements of [`snapshot_twin`] for [`Bench::measure`].
fn borrowed(twin: &[(String, Vec<Value>)]) -> Vec<(&str, Vec<Value>)> {
    twin.iter().map(|(q, p)| (q.as_str(), p.clone())).collect()
}

/// The monthly report (docs/performance.md), each with the bare twin of its reads:
/// - a month that is over (2026-10) computed from nothing (no kept report, no kept trend
///   months: the 12-month window is replayed; one run when it takes over 10 s, else the
///   median of up to 5);
/// - the same month asked for the first time (or after a calendar or rule edit), its 11
///   earlier trend months kept (`report_months`): only the month is replayed;
/// - the month in progress (2026-11, never kept), its 11 earlier trend months kept;
/// - the month that is over read back from `report_cache`.
async fn monthly(b: &mut Bench, s: &Service, c: &Ctx) -> Result<(), BoxError> {
    let eraser = Connection::open(b.conn.path().unwrap_or_default())?;
    let forget_reports = || eraser.execute("DELETE FROM report_cache", []);
    let forget_all = || {
        forget_reports()?;
        eraser.execute("DELETE FROM report_months", [])
    };
    let corrupt = |e: rusqlite::Error| wenzheng_core::Error::Corrupt(e.to_string());
    forget_all()?;
    let t = Instant::now();
    s.monthly_report(c, "2026-10").await?;
    let slow = t.elapsed() > Duration::from_secs(10);
    let saved = (b.runs, b.warmups);
    (b.runs, b.warmups) = if slow { (1, 0) } else { (b.runs.min(5), 0) };
    let label = if slow {
        "月报（2026-10），从零计算（12 个月全部重放），单次"
    } else {
        "月报（2026-10），从零计算（12 个月全部重放）"
    };
    let whole = snapshot_twin("2025-11-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00");
    b.measure(label, Some(500), &borrowed(&whole), || async {
        forget_all().map_err(corrupt)?;
        s.monthly_report(c, "2026-10").await
    })
    .await?;
    (b.runs, b.warmups) = saved;
    let october = snapshot_twin("2026-10-01T00:00:00+08:00", "2026-11-01T00:00:00+08:00");
    b.measure(
        "月报（2026-10），首次请求（之前 11 个月的趋势已保存）",
        Some(500),
        &borrowed(&october),
        || async {
            forget_reports().map_err(corrupt)?;
            s.monthly_report(c, "2026-10").await
        },
    )
    .await?;
    let now = format_instant(&c.now);
    let november = snapshot_twin("2026-11-01T00:00:00+08:00", &now);
    b.measure(
        "月报（2026-11，本月进行中；之前 11 个月的趋势已保存）",
        Some(500),
        &borrowed(&november),
        || s.monthly_report(c, "2026-11"),
    )
    .await?;
    // Kept: the rule, the calendar version, the stored report and the check that no
    // later event could change it.
    s.monthly_report(c, "2026-10").await?;
    let kept: Vec<(&str, Vec<Value>)> = vec![
        (
            "SELECT value FROM settings WHERE key = 'report.assessment'",
            vec![],
        ),
        ("SELECT version FROM calendar_version", vec![]),
        (
            "SELECT last_event_id, report FROM report_cache
             WHERE period_from = '2026-10-01' AND period_to = '2026-10-31'",
            vec![],
        ),
        (
            "SELECT id FROM events WHERE id > (SELECT last_event_id FROM report_cache
                 WHERE period_from = '2026-10-01')
             AND (at < '2026-11-01T00:00:00+08:00' OR kind NOT IN ('register', 'acknowledge'))
             LIMIT 1",
            vec![],
        ),
    ];
    b.measure(
        "月报（2026-10），已保存的结果（report_cache）",
        Some(500),
        &kept,
        || s.monthly_report(c, "2026-10"),
    )
    .await?;
    Ok(())
}

/// Imports 100,000 rows (five files of 20,000, the most one file may hold) into a copy of
/// the database; one run, as the copy grows.
async fn import(
    b: &mut Bench,
    dir: &Path,
    now: chrono::DateTime<chrono::FixedOffset>,
) -> Result<(), BoxError> {
    let copy = dir.join("import-copy.db");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", copy.display()));
    }
    // A plain copy of the file (after a checkpoint): faster than VACUUM INTO at 1,000,000.
    b.conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    std::fs::copy(b.conn.path().unwrap_or_default(), &copy)?;
    // On disk before the clock starts: the copy's gigabytes otherwise still go out while
    // the import runs, and its first checkpoint waits for them (fsync).
    std::fs::File::open(&copy)?.sync_all()?;
    let svc = Service::open(&copy).await?;
    let ctx = Ctx {
        actor: svc.actor(None).await?,
        now,
    };
    let mut files = Vec::new();
    for f in 0..5 {
        let file = dir.join(format!("import-{f}.csv"));
        let mut csv = String::from("标题,留言内容,收到时间,问题类别,来源平台,链接\n");
        for r in 0..20_000 {
            let n = f * 20_000 + r;
            csv.push_str(&format!(
                "导入测试村道路灯损坏{n},主干道路灯坏了很久，晚上出行不便，请尽快修复（第{n}条）,2026-11-{:02} {:02}:{:02},民生,网络问政平台,https://import.example.gov.cn/{n}\n",
                1 + n % 26,
                n % 24,
                n % 60
            ));
        }
        std::fs::write(&file, csv)?;
        files.push(file);
    }
    let t = Instant::now();
    for file in &files {
        let one = Instant::now();
        let report = svc
            .import_cases(&ctx, file, ImportMode::AllOrNothing)
            .await?;
        eprintln!(
            "  导入 {}：{} ms",
            file.file_name().unwrap_or_default().to_string_lossy(),
            ms(one.elapsed())
        );
        if !report.written {
            return Err(format!(
                "导入 {} 未写入：{:?}",
                file.display(),
                report.errors.first()
            )
            .into());
        }
    }
    let took = t.elapsed();
    eprintln!("  导入 10 万行：{} ms", ms(took));
    svc.shutdown().await;
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", copy.display()));
    }
    b.lines.push(Line {
        what: "导入 100,000 行（5 个 CSV 文件，各 20,000 行，一次）".into(),
        service: took,
        bare: None,
        target: Some(Duration::from_secs(10)),
    });
    Ok(())
}
