//! The PostgreSQL migrations (`migrations/postgres/`) give the schema the SQLite ones give:
//! the same migration versions, tables, columns in the same order with the mapped types,
//! keys, unique constraints, foreign keys, indexes, seed rows and triggers; and the same
//! statements leave the same rows in every table on both stores, the derived tables
//! (case_fts, case_status_counts, cases_awaiting_feedback, calendar_version) included.
//!
//! Needs a PostgreSQL server: `WENZHENG_TEST_PG_URL` is the URL of a role that may create
//! databases (`scripts/pg-test-server start` prints one); each test creates its own
//! database `wz_t_…` and drops it afterwards. Without the variable the tests say so and
//! pass without checking anything (CI always sets it).
//!
//! Documented differences (see the SQL comments in `migrations/postgres/`): PostgreSQL has no
//! FTS5, so `case_fts` is an ordinary table (its FTS5 rowid is a real `rowid` column) with
//! a pg_trgm index `case_fts_trgm`, and neither the FTS5 shadow tables nor the fts5vocab
//! table `case_fts_terms` exist; `events` also refuses TRUNCATE (`events_no_truncate`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::error::ErrorKind;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{Connection, Executor, PgConnection, Row};

/// SQLite tables with no PostgreSQL twin: the FTS5 shadow tables of `case_fts` and the
/// fts5vocab table `case_fts_terms`.
const SQLITE_ONLY_TABLES: [&str; 6] = [
    "case_fts_config",
    "case_fts_content",
    "case_fts_data",
    "case_fts_docsize",
    "case_fts_idx",
    "case_fts_terms",
];

/// The PostgreSQL index that stands in for the FTS5 trigram index.
const PG_ONLY_INDEX: &str = "case_fts_trgm";

/// The PostgreSQL trigger with no SQLite twin (SQLite has no TRUNCATE).
const PG_ONLY_TRIGGER: (&str, &str) = ("events", "events_no_truncate");

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The SQLite migrations: `migrations/sqlite/` once they moved there, `migrations/` before.
fn sqlite_migrations() -> PathBuf {
    let moved = workspace().join("migrations/sqlite");
    if moved.is_dir() {
        moved
    } else {
        workspace().join("migrations")
    }
}

fn pg_migrations() -> PathBuf {
    workspace().join("migrations/postgres")
}

/// A fresh database on the test server (dropped when this goes out of scope, also when the
/// test fails) and a pool on it.
struct PgDb {
    pool: PgPool,
    _db: common::PgDb,
}

impl PgDb {
    async fn create(url: &str) -> PgDb {
        let db = common::PgDb::create_on(url).await;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .connect(&db.url())
            .await
            .unwrap();
        PgDb { pool, _db: db }
    }

    /// The database with the PostgreSQL migrations applied.
    async fn migrated(url: &str) -> PgDb {
        let db = PgDb::create(url).await;
        Migrator::new(pg_migrations())
            .await
            .unwrap()
            .run(&db.pool)
            .await
            .unwrap();
        db
    }
}

/// A temporary SQLite file with the SQLite migrations applied.
async fn sqlite_migrated(dir: &Path) -> SqlitePool {
    let options = SqliteConnectOptions::new()
        .filename(dir.join("schema.db"))
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    Migrator::new(sqlite_migrations())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    pool
}

/// One column as both stores describe it: name, type, NOT NULL, default, identity.
#[derive(Debug, PartialEq, Eq)]
struct Column {
    name: String,
    ty: String,
    not_null: bool,
    default: Option<String>,
    identity: bool,
}

/// One index on a table: its name (None when it backs a UNIQUE constraint), uniqueness,
/// whether it is partial, and its columns (None for an expression).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Index {
    name: Option<String>,
    unique: bool,
    partial: bool,
    columns: Vec<Option<String>>,
}

/// A foreign key: column, referenced table and column, ON DELETE action.
type ForeignKey = (String, String, String, String);

/// A table as both stores describe it.
#[derive(Debug, PartialEq, Eq)]
struct Table {
    columns: Vec<Column>,
    primary_key: Vec<String>,
    indexes: Vec<Index>,
    foreign_keys: BTreeSet<ForeignKey>,
}

/// SQLite's declared column type as its PostgreSQL twin (FTS5 columns have none: TEXT).
fn pg_type(sqlite: &str) -> &'static str {
    match sqlite.to_ascii_uppercase().as_str() {
        "INTEGER" | "BIGINT" => "bigint",
        "TEXT" | "" => "text",
        "REAL" => "double precision",
        "BLOB" => "bytea",
        other => panic!("SQLite 列类型 {other} 没有对应的 PostgreSQL 类型"),
    }
}

async fn sqlite_tables(pool: &SqlitePool) -> BTreeMap<String, Table> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut tables = BTreeMap::new();
    for table in names
        .into_iter()
        .filter(|t| !SQLITE_ONLY_TABLES.contains(&t.as_str()))
    {
        let rows = sqlx::query(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let mut primary_key: Vec<(i64, String)> = Vec::new();
        let mut columns = Vec::new();
        for r in &rows {
            let name: String = r.get(0);
            let ty: String = r.get(1);
            let pk: i64 = r.get(4);
            if pk > 0 {
                primary_key.push((pk, name.clone()));
            }
            columns.push(Column {
                // An INTEGER PRIMARY KEY named id is the rowid, an identity on PostgreSQL;
                // calendar_version's single row has the fixed id 1.
                identity: pk > 0 && name == "id" && ty == "INTEGER" && table != "calendar_version",
                ty: pg_type(&ty).to_string(),
                // SQLite lets a non-INTEGER PRIMARY KEY hold NULL (a legacy quirk the
                // services never use); PostgreSQL's primary keys are NOT NULL.
                not_null: r.get::<i64, _>(2) == 1 || pk > 0,
                default: r.get(3),
                name,
            });
        }
        primary_key.sort();
        let mut primary_key: Vec<String> = primary_key.into_iter().map(|(_, n)| n).collect();
        if table == "case_fts" {
            // The FTS5 rowid, a real column on PostgreSQL.
            columns.insert(
                0,
                Column {
                    name: "rowid".into(),
                    ty: "bigint".into(),
                    not_null: true,
                    default: None,
                    identity: false,
                },
            );
            primary_key = vec!["rowid".into()];
        }
        let mut indexes = Vec::new();
        let list = sqlx::query(
            "SELECT name, \"unique\", origin, partial FROM pragma_index_list($1) WHERE origin <> 'pk'",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for ix in list {
            let name: String = ix.get(0);
            let columns: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&name)
                    .fetch_all(pool)
                    .await
                    .unwrap();
            let origin: String = ix.get(2);
            indexes.push(Index {
                name: (origin == "c").then_some(name),
                unique: ix.get::<i64, _>(1) == 1,
                partial: ix.get::<i64, _>(3) == 1,
                columns,
            });
        }
        indexes.sort();
        let foreign_keys = sqlx::query_as::<_, ForeignKey>(
            "SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list($1)",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        tables.insert(
            table,
            Table {
                columns,
                primary_key,
                indexes,
                foreign_keys,
            },
        );
    }
    tables
}

async fn pg_tables(pool: &PgPool) -> BTreeMap<String, Table> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables
         WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut tables = BTreeMap::new();
    for table in names {
        let columns = sqlx::query(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text <> ''
             FROM pg_attribute a
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .map(|r| Column {
            name: r.get(0),
            ty: r.get(1),
            not_null: r.get(2),
            default: r.get(3),
            identity: r.get(4),
        })
        .collect();
        let primary_key: Vec<String> = sqlx::query_scalar(
            "SELECT a.attname::text
             FROM pg_constraint c
             CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
             WHERE c.conrelid = $1::text::regclass AND c.contype = 'p'
             ORDER BY k.ord",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let list = sqlx::query(
            "SELECT i.indexrelid::regclass::text, i.indisunique, i.indpred IS NOT NULL,
                    EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                            AND c.contype = 'u')
             FROM pg_index i
             WHERE i.indrelid = $1::text::regclass AND NOT i.indisprimary",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let mut indexes = Vec::new();
        for ix in list {
            let name: String = ix.get(0);
            if name == PG_ONLY_INDEX {
                continue;
            }
            let columns: Vec<Option<String>> = sqlx::query_scalar(
                "SELECT a.attname::text
                 FROM pg_index i
                 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                 LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                 WHERE i.indexrelid = $1::text::regclass
                 ORDER BY k.ord",
            )
            .bind(&name)
            .fetch_all(pool)
            .await
            .unwrap();
            let constraint: bool = ix.get(3);
            indexes.push(Index {
                name: (!constraint).then_some(name),
                unique: ix.get(1),
                partial: ix.get(2),
                columns,
            });
        }
        indexes.sort();
        let foreign_keys = sqlx::query_as::<_, ForeignKey>(
            "SELECT a.attname::text, c.confrelid::regclass::text, af.attname::text,
                    CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'c' THEN 'CASCADE'
                         WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL'
                         ELSE 'SET DEFAULT' END
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
             WHERE c.conrelid = $1::text::regclass AND c.contype = 'f'",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect();
        tables.insert(
            table,
            Table {
                columns,
                primary_key,
                indexes,
                foreign_keys,
            },
        );
    }
    tables
}

async fn sqlite_triggers(pool: &SqlitePool) -> BTreeSet<(String, String)> {
    sqlx::query_as("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

async fn pg_triggers(pool: &PgPool) -> BTreeSet<(String, String)> {
    sqlx::query_as(
        "SELECT c.relname::text, t.tgname::text
         FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE NOT t.tgisinternal AND n.nspname = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .filter(|(table, name): &(String, String)| (table.as_str(), name.as_str()) != PG_ONLY_TRIGGER)
    .collect()
}

fn sql_file_names(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect()
}

#[tokio::test]
async fn same_migrations_tables_columns_keys_indexes_and_triggers() {
    let Some(url) =
        common::pg_admin_url("same_migrations_tables_columns_keys_indexes_and_triggers")
    else {
        return;
    };
    assert_eq!(
        sql_file_names(&pg_migrations()),
        sql_file_names(&sqlite_migrations()),
        "migrations/postgres 应与 SQLite 迁移一一对应（同名文件）"
    );
    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite_migrated(dir.path()).await;
    let pg = PgDb::migrated(&url).await;

    let versions = "SELECT version, description FROM _sqlx_migrations ORDER BY version";
    let lite_versions: Vec<(i64, String)> =
        sqlx::query_as(versions).fetch_all(&lite).await.unwrap();
    let pg_versions: Vec<(i64, String)> =
        sqlx::query_as(versions).fetch_all(&pg.pool).await.unwrap();
    assert_eq!(lite_versions, pg_versions);

    let lite_tables = sqlite_tables(&lite).await;
    let pg_tables = pg_tables(&pg.pool).await;
    assert_eq!(
        lite_tables.keys().collect::<Vec<_>>(),
        pg_tables.keys().collect::<Vec<_>>(),
        "表不同"
    );
    for (name, table) in &lite_tables {
        assert_eq!(Some(table), pg_tables.get(name), "表 {name} 不同");
    }
    assert_eq!(sqlite_triggers(&lite).await, pg_triggers(&pg.pool).await);

    // The search index finds Chinese trigrams: with lc_ctype C, pg_trgm would take no
    // Chinese character for a word character and the index would never narrow a search.
    let grams: i32 = sqlx::query_scalar("SELECT cardinality(show_trgm('办公室'))")
        .fetch_one(&pg.pool)
        .await
        .unwrap();
    assert!(
        grams > 0,
        "pg_trgm 从中文中取不出三字组：数据库的 lc_ctype 不能是 C（见 docs/install.md）"
    );
    let ctype: String = sqlx::query_scalar("SHOW lc_collate")
        .fetch_one(&pg.pool)
        .await
        .unwrap();
    assert_eq!(
        ctype, "C",
        "文本排序应与 SQLite 的 BINARY 一致（lc_collate C）"
    );
}

/// Every row of `table`, each value as text (NULL as None), in a stable order.
fn dump_sql(columns: &[String], table: &str) -> String {
    let list: Vec<String> = columns
        .iter()
        .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
        .collect();
    let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
    format!(
        "SELECT {} FROM {table} ORDER BY {}",
        list.join(", "),
        order.join(", ")
    )
}

type Rows = Vec<Vec<Option<String>>>;

/// Every table's rows on both stores (the PostgreSQL column lists serve both).
async fn dump_both(
    lite: &SqlitePool,
    pg: &PgPool,
    schema: &BTreeMap<String, Vec<String>>,
) -> (BTreeMap<String, Rows>, BTreeMap<String, Rows>) {
    let mut a = BTreeMap::new();
    let mut b = BTreeMap::new();
    for (table, columns) in schema {
        let sql = dump_sql(columns, table);
        let lite_rows = sqlx::query(&sql).fetch_all(lite).await.unwrap();
        let pg_rows = sqlx::query(&sql).fetch_all(pg).await.unwrap();
        a.insert(
            table.clone(),
            lite_rows
                .iter()
                .map(|r| (0..columns.len()).map(|i| r.get(i)).collect())
                .collect(),
        );
        b.insert(
            table.clone(),
            pg_rows
                .iter()
                .map(|r| (0..columns.len()).map(|i| r.get(i)).collect())
                .collect(),
        );
    }
    (a, b)
}

/// What the statements of each step do on both stores, in order. Every statement is
/// valid on both; after each step every table must hold the same rows.
const STEPS: &[(&str, &[&str])] = &[
    (
        "单位与用户",
        &[
            "INSERT INTO units (name, created_at) VALUES ('住建办', '2026-11-02T09:00:00+08:00')",
            "INSERT INTO units (name, created_at) VALUES ('派出所', '2026-11-02T09:00:00+08:00')",
            "INSERT INTO users (login, display_name, role, created_at)
             VALUES ('clerk', '张三', 'clerk', '2026-11-02T09:00:00+08:00')",
            "INSERT INTO users (login, display_name, role, unit_id, created_at)
             VALUES ('zjb', '李四', 'unit', 1, '2026-11-02T09:00:00+08:00')",
        ],
    ),
    (
        "日历（calendar_version）",
        &[
            "INSERT INTO calendar_years (year, source) VALUES (2026, '国务院办公厅通知')",
            "INSERT INTO calendar_days (year, day, name, is_off_day) VALUES
                 (2026, '2026-10-01', '国庆节', 1), (2026, '2026-10-02', '国庆节', 1),
                 (2026, '2026-10-10', '国庆节调休', 0)",
            "UPDATE calendar_days SET name = '国庆节（调休）' WHERE day = '2026-10-10'",
            "DELETE FROM calendar_days WHERE day = '2026-10-02'",
            "UPDATE calendar_years SET imported_at = '2026-11-02T10:00:00+08:00'",
            "INSERT INTO calendar_years (year, source) VALUES (2027, '预置')",
            "INSERT INTO calendar_days (year, day, name, is_off_day)
             VALUES (2027, '2027-01-01', '元旦', 1)",
            // ON DELETE CASCADE: the year's days go with it, each bumping the version.
            "DELETE FROM calendar_years WHERE year = 2027",
            "INSERT INTO calendar_overrides (day, is_off_day, note, updated_at, updated_by)
             VALUES ('2026-11-20', 1, '镇庆', '2026-11-02T10:00:00+08:00', 1)",
            "UPDATE calendar_overrides SET note = '镇庆日' WHERE day = '2026-11-20'",
            "INSERT INTO calendar_overrides (day, is_off_day, updated_at, updated_by)
             VALUES ('2026-11-21', 0, '2026-11-02T10:00:00+08:00', 1)",
            "DELETE FROM calendar_overrides WHERE day = '2026-11-21'",
        ],
    ),
    (
        "登记案件（case_fts、case_status_counts）",
        &[
            "INSERT INTO counters (name, year, value) VALUES ('case', 2026, 1)
             ON CONFLICT (name, year) DO UPDATE SET value = counters.value + 1",
            "INSERT INTO counters (name, year, value) VALUES ('case', 2026, 1)
             ON CONFLICT (name, year) DO UPDATE SET value = counters.value + 1",
            "INSERT INTO cases (number, source, link, title, content, category, important,
                 complexity, status, received_at, registered_at, registered_by, ack_due,
                 reply_due, working_days, calendar_complete)
             VALUES ('WZ-2026-000001', '网络问政平台', 'https://x/1', '村道路灯损坏',
                 '晚上路灯不亮，出行不便', '城建', 1, 'ordinary', 'pending',
                 '2026-11-02T09:00:00+08:00', '2026-11-02T09:30:00+08:00', 2,
                 '2026-11-03T09:30:00+08:00', '2026-11-11', 7, 1)",
            "INSERT INTO cases (number, source, title, content, category, complexity, status,
                 received_at, registered_at, registered_by, ack_due, reply_due, working_days,
                 calendar_complete)
             VALUES ('WZ-2026-000002', '网络问政平台', '学校门口积水', '下雨后校门口积水严重',
                 '教育', 'complex', 'pending', '2026-11-02T10:00:00+08:00',
                 '2026-11-02T10:30:00+08:00', 2, '2026-11-03T10:30:00+08:00', '2026-11-20',
                 15, 1)",
            "INSERT INTO cases (number, source, title, content, category, sensitive,
                 complexity, status, received_at, registered_at, registered_by, ack_due,
                 reply_due, working_days, calendar_complete)
             VALUES ('WZ-2026-000003', '12345', '菜市场噪音扰民', '凌晨卸货噪音大，影响休息。Noise at Night',
                 '市场', 1, 'ordinary', 'pending', '2026-11-02T11:00:00+08:00',
                 '2026-11-02T11:30:00+08:00', 2, '2026-11-03T11:30:00+08:00', '2026-11-11',
                 7, 0)",
            "INSERT INTO cases (number, source, title, content, category, complexity, status,
                 received_at, registered_at, registered_by, ack_due, reply_due, working_days,
                 calendar_complete)
             VALUES ('WZ-2026-000004', '网络问政平台', '测试删除', '无', '其他', 'ordinary',
                 'pending', '2026-11-02T12:00:00+08:00', '2026-11-02T12:30:00+08:00', 2,
                 '2026-11-03T12:30:00+08:00', '2026-11-11', 7, 1)",
        ],
    ),
    (
        "改状态与标题",
        &[
            "UPDATE cases SET status = 'acknowledged', acknowledged_at = '2026-11-02T14:00:00+08:00',
                 version = version + 1 WHERE id IN (1, 2, 3)",
            "UPDATE cases SET status = 'assigned', version = version + 1 WHERE id = 1",
            // Same status: no change to the counts.
            "UPDATE cases SET status = status WHERE id = 2",
            "UPDATE cases SET title = '村道路灯损坏（东街）', content = '东街路灯不亮' WHERE id = 1",
            // Neither title nor content: case_fts untouched.
            "UPDATE cases SET category = '市政' WHERE id = 1",
            "DELETE FROM cases WHERE id = 4",
        ],
    ),
    (
        "交办、回复与反馈（cases_awaiting_feedback）",
        &[
            "INSERT INTO assignments (case_id, unit_id, role, assigned_at, assigned_by)
             VALUES (1, 1, 'lead', '2026-11-02T15:00:00+08:00', 2)",
            "INSERT INTO replies (case_id, kind, text, created_at, created_by)
             VALUES (1, 'acknowledgment', '已受理', '2026-11-02T14:00:00+08:00', 2)",
            "INSERT INTO replies (case_id, kind, text, created_at, created_by)
             VALUES (1, 'interim', '正在维修路灯', '2026-11-03T09:00:00+08:00', 2)",
            "INSERT INTO replies (case_id, kind, text, created_at, created_by)
             VALUES (2, 'acknowledgment', '已受理', '2026-11-02T14:00:00+08:00', 2)",
            "INSERT INTO replies (case_id, kind, text, created_at, created_by)
             VALUES (3, 'final', '已约谈商户，噪音已消除', '2026-11-04T09:00:00+08:00', 2)",
            "INSERT INTO feedbacks (case_id, seq, recipients, reply_id, created_at, created_by)
             VALUES (1, 1, '县信访局', 2, '2026-11-03T10:00:00+08:00', 2)",
            "INSERT INTO replies (case_id, kind, text, created_at, created_by)
             VALUES (1, 'final', '路灯已修复', '2026-11-05T09:00:00+08:00', 2)",
            "UPDATE replies SET text = '已受理，正在核实' WHERE id = 3",
            "UPDATE replies SET kind = 'interim' WHERE id = 3",
            "UPDATE replies SET case_id = 3 WHERE id = 3",
            "INSERT INTO feedbacks (case_id, seq, recipients, reply_id, created_at, created_by)
             VALUES (3, 1, '县信访局', 4, '2026-11-04T10:00:00+08:00', 2)",
            "UPDATE feedbacks SET reply_id = 3 WHERE id = 2",
            "INSERT INTO feedbacks (case_id, seq, recipients, created_at, created_by)
             VALUES (1, 2, '县委办督查室', '2026-11-05T10:00:00+08:00', 2)",
            "UPDATE feedbacks SET case_id = 2 WHERE id = 3",
            "DELETE FROM feedbacks WHERE id = 1",
            "DELETE FROM replies WHERE id = 5",
        ],
    ),
    (
        "其余表",
        &[
            "INSERT INTO events (case_id, actor_id, at, kind, summary, prev_hash, hash)
             VALUES (1, 2, '2026-11-02T09:30:00+08:00', 'register', '登记', '', 'h1')",
            "INSERT INTO events (case_id, actor_id, at, kind, summary, before, after, prev_hash, hash)
             VALUES (1, 2, '2026-11-02T14:00:00+08:00', 'status', '受理',
                     '{\"status\":\"pending\"}', '{\"status\":\"acknowledged\"}', 'h1', 'h2')",
            "INSERT INTO instructions (case_id, leader, text, created_at, created_by)
             VALUES (1, '王镇长', '尽快处理', '2026-11-02T16:00:00+08:00', 2)",
            "INSERT INTO urgings (case_id, unit_id, level, text, created_at, created_by)
             VALUES (1, 1, '黄牌', '请加快办理', '2026-11-04T09:00:00+08:00', 2)",
            "INSERT INTO progress_reports (case_id, unit_id, text, created_at, created_by)
             VALUES (1, 1, '已联系供电所', '2026-11-03T16:00:00+08:00', 3)",
            "INSERT INTO extensions (case_id, days, reason, approved_by, created_at)
             VALUES (2, 5, '需要施工', 1, '2026-11-10T09:00:00+08:00')",
            "INSERT INTO attachments (case_id, file_name, stored_path, sha256, size, created_at,
                 created_by)
             VALUES (1, '照片.jpg', 'a/b.jpg', 'abc', 12345, '2026-11-02T09:40:00+08:00', 2)",
            "INSERT INTO documents (case_id, kind, year, seq, number, created_at, created_by)
             VALUES (1, 'feedback', 2026, 1, '镇网政〔2026〕1号', '2026-11-03T10:00:00+08:00', 2)",
            "INSERT INTO followups (case_id, satisfaction, note, created_at, created_by)
             VALUES (3, 'satisfied', '群众满意', '2026-11-06T09:00:00+08:00', 2)",
            "INSERT INTO case_imports (import_key, case_id, file_name, row_number, imported_at,
                 imported_by)
             VALUES ('平台|https://x/1', 1, '导入.xlsx', 2, '2026-11-02T09:30:00+08:00', 2)",
            "INSERT INTO case_links (case_id, other_id, kind, created_at, created_by)
             VALUES (2, 1, 'related', '2026-11-03T09:00:00+08:00', 2)",
            "INSERT INTO notifications_sent (key, kind, case_id, summary, body, sent_at)
             VALUES ('reply_due:1:2026-11-11', 'reply_due', 1, '即将到期', '案件即将到期',
                     '2026-11-10T09:00:00+08:00')",
            "INSERT INTO notification_reads (user_id, key, read_at)
             VALUES (2, 'reply_due:1:2026-11-11', '2026-11-10T10:00:00+08:00')",
            "INSERT INTO settings (key, value, updated_at, updated_by)
             VALUES ('doc.organ', '某某镇人民政府', '2026-11-02T09:00:00+08:00', 1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            "UPDATE reply_templates SET text = '您好！' WHERE name = '阶段性答复'",
        ],
    ),
];

/// Statements both stores must refuse, each for the same kind of reason.
const REFUSED: &[&str] = &[
    "INSERT INTO users (login, display_name, role, created_at)
     VALUES ('x', 'x', 'guest', '2026-11-02T09:00:00+08:00')",
    "INSERT INTO users (login, display_name, role, created_at)
     VALUES ('x', 'x', 'unit', '2026-11-02T09:00:00+08:00')",
    "INSERT INTO users (login, display_name, role, created_at)
     VALUES ('admin', 'x', 'clerk', '2026-11-02T09:00:00+08:00')",
    "INSERT INTO users (login, display_name, role, unit_id, created_at)
     VALUES ('x', 'x', 'unit', 99, '2026-11-02T09:00:00+08:00')",
    "INSERT INTO units (name) VALUES ('无时间')",
    "INSERT INTO calendar_days (year, day, name, is_off_day) VALUES (2026, '2026-12-01', 'x', 2)",
    "INSERT INTO calendar_days (year, day, name, is_off_day) VALUES (2026, '2026-10-01', 'x', 1)",
    "INSERT INTO calendar_version (id, version) VALUES (2, 1)",
    "INSERT INTO extensions (case_id, days, reason, approved_by, created_at)
     VALUES (1, 0, 'x', 1, '2026-11-10T09:00:00+08:00')",
    "INSERT INTO case_links (case_id, other_id, kind, created_at, created_by)
     VALUES (1, 1, 'related', '2026-11-03T09:00:00+08:00', 2)",
    "INSERT INTO case_links (case_id, other_id, kind, created_at, created_by)
     VALUES (1, 2, 'duplicate', '2026-11-03T09:00:00+08:00', 2)",
    "INSERT INTO feedbacks (case_id, seq, recipients, created_at, created_by)
     VALUES (3, 1, 'x', '2026-11-05T10:00:00+08:00', 2)",
    "INSERT INTO documents (kind, year, seq, number, created_at, created_by)
     VALUES ('monthly', 2026, 1, 'x', '2026-11-03T10:00:00+08:00', 2)",
    "INSERT INTO followups (case_id, satisfaction, created_at, created_by)
     VALUES (3, 'ok', '2026-11-06T09:00:00+08:00', 2)",
    "INSERT INTO notification_reads (user_id, key, read_at)
     VALUES (2, 'no-such-key', '2026-11-10T10:00:00+08:00')",
];

fn kind(err: &sqlx::Error) -> (ErrorKind, String) {
    let db = err
        .as_database_error()
        .unwrap_or_else(|| panic!("不是数据库错误: {err}"));
    (db.kind(), db.message().to_string())
}

#[tokio::test]
async fn same_statements_leave_the_same_rows() {
    let Some(url) = common::pg_admin_url("same_statements_leave_the_same_rows") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let lite = sqlite_migrated(dir.path()).await;
    let pg = PgDb::migrated(&url).await;
    let schema: BTreeMap<String, Vec<String>> = pg_tables(&pg.pool)
        .await
        .into_iter()
        .map(|(t, table)| (t, table.columns.into_iter().map(|c| c.name).collect()))
        .collect();

    let (a, b) = dump_both(&lite, &pg.pool, &schema).await;
    assert_eq!(a, b, "迁移后的初始数据不同");
    for (step, statements) in STEPS {
        for sql in *statements {
            sqlx::query(sql).execute(&lite).await.unwrap();
            sqlx::query(sql).execute(&pg.pool).await.unwrap();
        }
        let (a, b) = dump_both(&lite, &pg.pool, &schema).await;
        for table in schema.keys() {
            assert_eq!(a[table], b[table], "“{step}”之后 {table} 不同");
        }
    }

    // The derived tables hold what the steps imply (not merely the same on both).
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, n FROM case_status_counts ORDER BY status")
            .fetch_all(&pg.pool)
            .await
            .unwrap();
    assert_eq!(
        counts,
        [
            ("acknowledged".into(), 2),
            ("assigned".into(), 1),
            ("pending".into(), 0)
        ]
    );
    let awaiting: Vec<i64> =
        sqlx::query_scalar("SELECT case_id FROM cases_awaiting_feedback ORDER BY case_id")
            .fetch_all(&pg.pool)
            .await
            .unwrap();
    assert_eq!(awaiting, [1, 3]);
    let version: i64 = sqlx::query_scalar("SELECT version FROM calendar_version")
        .fetch_one(&pg.pool)
        .await
        .unwrap();
    assert_eq!(version, 16);

    for sql in REFUSED {
        let lite_err = sqlx::query(sql).execute(&lite).await.unwrap_err();
        let pg_err = sqlx::query(sql).execute(&pg.pool).await.unwrap_err();
        assert_eq!(kind(&lite_err).0, kind(&pg_err).0, "{sql}");
    }
    // The event log is append-only on both, with the same messages.
    for sql in [
        "UPDATE events SET summary = '改' WHERE id = 1",
        "DELETE FROM events WHERE id = 1",
    ] {
        let lite_err = sqlx::query(sql).execute(&lite).await.unwrap_err();
        let pg_err = sqlx::query(sql).execute(&pg.pool).await.unwrap_err();
        assert_eq!(kind(&lite_err).1, kind(&pg_err).1, "{sql}");
    }
    let err = sqlx::query("TRUNCATE events")
        .execute(&pg.pool)
        .await
        .unwrap_err();
    assert_eq!(kind(&err).1, "事件记录只能追加，不能删除");

    // The text search finds the same cases: FTS5's trigram MATCH on SQLite, ILIKE over
    // case_fts (through its trigram index) on PostgreSQL.
    for term in ["路灯不", "已受理", "噪音已", "noise", "NIGHT", "不存在的词"] {
        let lite_ids: Vec<i64> =
            sqlx::query_scalar("SELECT rowid FROM case_fts WHERE case_fts MATCH $1 ORDER BY rowid")
                .bind(format!("\"{term}\""))
                .fetch_all(&lite)
                .await
                .unwrap();
        let pg_ids: Vec<i64> = sqlx::query_scalar(
            "SELECT rowid FROM case_fts
             WHERE title ILIKE $1 OR content ILIKE $1 OR replies ILIKE $1 ORDER BY rowid",
        )
        .bind(format!("%{term}%"))
        .fetch_all(&pg.pool)
        .await
        .unwrap();
        assert_eq!(lite_ids, pg_ids, "搜索“{term}”");
    }
    let mut conn = pg.pool.acquire().await.unwrap();
    (&mut *conn)
        .execute("SET enable_seqscan = off")
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT rowid FROM case_fts
         WHERE title ILIKE '%办公室%' OR content ILIKE '%办公室%' OR replies ILIKE '%办公室%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(
        plan.iter().any(|l| l.contains(PG_ONLY_INDEX)),
        "搜索未用 {PG_ONLY_INDEX}: {plan:#?}"
    );
}

/// Registers a case (PostgreSQL) and returns its id.
async fn pg_case(pool: &PgPool, number: &str, status: &str) -> i64 {
    sqlx::query_scalar(
        "INSERT INTO cases (number, source, title, content, category, complexity, status,
             received_at, registered_at, registered_by, ack_due, reply_due, working_days,
             calendar_complete)
         VALUES ($1, '网络问政平台', '并发', '并发测试', '其他', 'ordinary', $2,
             '2026-11-02T09:00:00+08:00', '2026-11-02T09:30:00+08:00', 1,
             '2026-11-03T09:30:00+08:00', '2026-11-11', 7, 1)
         RETURNING id",
    )
    .bind(number)
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap()
}

const REPLY: &str = "INSERT INTO replies (case_id, kind, text, created_at, created_by)
     VALUES ($1, 'interim', $2, '2026-11-03T09:00:00+08:00', 1)";

/// Unlike SQLite, PostgreSQL runs two writing transactions at once. Two replies to one
/// case, each in its own transaction, must still leave case_fts with both texts and the
/// case in cases_awaiting_feedback once (the triggers lock the case row, so the second
/// waits for the first); many clients registering cases at once leave exact counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_keep_the_derived_tables_exact() {
    let Some(url) = common::pg_admin_url("concurrent_writers_keep_the_derived_tables_exact") else {
        return;
    };
    let pg = PgDb::migrated(&url).await;
    let case = pg_case(&pg.pool, "WZ-2026-000001", "in_progress").await;

    let mut first = pg.pool.begin().await.unwrap();
    sqlx::query(REPLY)
        .bind(case)
        .bind("第一条答复")
        .execute(&mut *first)
        .await
        .unwrap();
    let pool = pg.pool.clone();
    let second = tokio::spawn(async move {
        let mut tx = pool.begin().await?;
        sqlx::query(REPLY)
            .bind(case)
            .bind("第二条答复")
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    });
    // Wait until the second transaction either finished (it did not wait for the first)
    // or waits for a lock the first holds.
    let mut waited = false;
    for _ in 0..600 {
        if second.is_finished() {
            break;
        }
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&pg.pool)
        .await
        .unwrap();
        if waiting > 0 {
            waited = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        waited,
        "第二个事务没有等第一个事务提交：派生表会漏掉第一条答复"
    );
    first.commit().await.unwrap();
    second.await.unwrap().expect("第二个事务");

    let replies: String = sqlx::query_scalar("SELECT replies FROM case_fts WHERE rowid = $1")
        .bind(case)
        .fetch_one(&pg.pool)
        .await
        .unwrap();
    assert_eq!(replies, "第一条答复\n第二条答复\n\n");
    let awaiting: Vec<i64> = sqlx::query_scalar("SELECT case_id FROM cases_awaiting_feedback")
        .fetch_all(&pg.pool)
        .await
        .unwrap();
    assert_eq!(awaiting, [case]);

    // Eight clients register 10 cases each at once, half of them of a status new to the
    // counts table (its first row is an upsert race).
    let mut clients = Vec::new();
    for client in 0..8 {
        let pool = pg.pool.clone();
        clients.push(tokio::spawn(async move {
            for i in 0..10 {
                let status = if i % 2 == 0 { "pending" } else { "assigned" };
                pg_case(&pool, &format!("WZ-C{client}-{i}"), status).await;
            }
        }));
    }
    for c in clients {
        c.await.unwrap();
    }
    let counts: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, n FROM case_status_counts ORDER BY status")
            .fetch_all(&pg.pool)
            .await
            .unwrap();
    assert_eq!(
        counts,
        [
            ("assigned".into(), 40),
            ("in_progress".into(), 1),
            ("pending".into(), 40)
        ]
    );
}

/// A self-signed certificate for 127.0.0.1 that signed nothing the test server uses: a
/// client that trusts only it must refuse the server.
const UNRELATED_CERT: &str = "-----BEGIN CERTIFICATE-----
MIIBjzCCATagAwIBAgIUAX04sGF0GrL6hUAMH+6sjTKyrHMwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNzE5MjkzN1oYDzIxMjYxMTAz
MTkyOTM3WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASFrTXKjkqsqnpSVT7UkPoOUIT/roWtHOrFUzexNAgtj80o71bv8RxS
HprcVC44me9w3/L2fv6wNPHnqLWkh0v4o2QwYjAdBgNVHQ4EFgQUHUXZjzELDWbH
eaI2+8k7CGepcmwwHwYDVR0jBBgwFoAUHUXZjzELDWbHeaI2+8k7CGepcmwwDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0cAMEQC
IFrIBhO+4rzQBoORTfEaNJkhurovmn/Bo0EtHIqC7+YDAiBiJ2KgSi5O8hkJK9i4
97Wf9iSzH9AYcgUDhgqlo3VIYg==
-----END CERTIFICATE-----
";

/// `url` with the query parameters `params` added.
fn with_params(url: &str, params: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{params}")
}

/// Whether the connection of `url` is encrypted (an error when it cannot connect).
async fn connects_with_tls(url: &str) -> Result<bool, sqlx::Error> {
    let mut conn = PgConnection::connect(url).await?;
    let ssl: bool = sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(ssl)
}

/// The URL forms docs/install.md gives for TLS: `sslmode=require` encrypts;
/// `sslmode=verify-full&sslrootcert=…` encrypts and accepts only a server whose
/// certificate the given CA signed (checked when the server's `ssl_ca_file`, the CA that
/// signed its certificate with scripts/pg-test-server, is readable here).
#[tokio::test]
async fn tls_connections() {
    let Some(url) = common::pg_admin_url("tls_connections") else {
        return;
    };
    assert!(
        connects_with_tls(&with_params(&url, "sslmode=require"))
            .await
            .unwrap(),
        "sslmode=require 的连接未加密"
    );
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let ca_file: String = sqlx::query_scalar("SHOW ssl_ca_file")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    if ca_file.is_empty() || !Path::new(&ca_file).is_file() {
        eprintln!("跳过 verify-full：读不到服务器的 CA 证书“{ca_file}”（服务器不在本机？）");
        return;
    }
    let verified = with_params(&url, &format!("sslmode=verify-full&sslrootcert={ca_file}"));
    assert!(connects_with_tls(&verified).await.unwrap());

    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.crt");
    std::fs::write(&other, UNRELATED_CERT).unwrap();
    let refused = with_params(
        &url,
        &format!("sslmode=verify-full&sslrootcert={}", other.display()),
    );
    assert!(
        connects_with_tls(&refused).await.is_err(),
        "不受信任的证书也连上了"
    );
}
