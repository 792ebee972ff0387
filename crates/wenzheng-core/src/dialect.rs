//! The few places where SQLite and PostgreSQL need different SQL, one function per concern.
//! Everything else is written once, in SQL both accept; `docs/postgres.md` (方言差异) lists
//! these differences and why they exist. The full-text search has its own two paths in
//! `service/search.rs` (FTS5 on SQLite, pg_trgm on PostgreSQL).

use sqlx::AnyConnection;

use crate::db::Backend;
use crate::error::Result;

/// A subquery giving the ids of the JSON array of integers bound as `param`: one parameter
/// however many ids there are (SQLite's `json_each`; PostgreSQL's `json_array_elements_text`).
pub(crate) fn ids_of_json(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
        Backend::Postgres => format!(
            "SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST({param} AS json))"
        ),
    }
}

/// A subquery giving the strings of the JSON array of strings bound as `param` (SQLite's
/// `json_each`; PostgreSQL's `json_array_elements_text`).
pub(crate) fn texts_of_json(backend: Backend, param: &str) -> String {
    match backend {
        Backend::Sqlite => format!("SELECT value FROM json_each({param})"),
        Backend::Postgres => {
            format!("SELECT value FROM json_array_elements_text(CAST({param} AS json))")
        }
    }
}

/// The text `expr` compared bytewise, as Rust compares strings, for ORDER BY: SQLite's
/// default BINARY collation; on PostgreSQL `COLLATE "C"`, whatever the database's collation.
pub(crate) fn bytewise(backend: Backend, expr: &str) -> String {
    match backend {
        Backend::Sqlite => expr.to_string(),
        Backend::Postgres => format!("{expr} COLLATE \"C\""),
    }
}

/// A table's alias followed by SQLite's `INDEXED BY index`: the planner's estimates cannot
/// see that walking `index` in order stops after a few rows (ORDER BY … LIMIT). PostgreSQL
/// chooses by its own statistics: the alias alone.
pub(crate) fn indexed_by(backend: Backend, alias: &str, index: &str) -> String {
    match backend {
        Backend::Sqlite => format!("{alias} INDEXED BY {index}"),
        Backend::Postgres => alias.to_string(),
    }
}

/// What goes around a condition to mark it as rarely true for SQLite's planner
/// (`likelihood(…, 0.001)`), which otherwise takes its selectivity from ANALYZE's average
/// rows per value of an index and may prefer a wider index; PostgreSQL's histograms need
/// no hint. Returned as (before, after), so that the condition can hold bound parameters.
pub(crate) fn rarely(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => ("likelihood(", ", 0.001)"),
        Backend::Postgres => ("", ""),
    }
}

/// Switches off the row triggers `triggers` (table, trigger) until the statements returned
/// are run, in the same transaction (a bulk load writes what they would have written itself).
/// SQLite cannot disable a trigger: it is dropped and its stored definition returned to
/// create it again. PostgreSQL disables it (`ALTER TABLE … DISABLE TRIGGER`).
pub(crate) async fn suspend_triggers(
    conn: &mut AnyConnection,
    backend: Backend,
    triggers: &[(&str, &str)],
) -> Result<Vec<String>> {
    let mut resume = Vec::new();
    for (table, name) in triggers {
        match backend {
            Backend::Sqlite => {
                let sql: Option<String> = sqlx::query_scalar(
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = $1",
                )
                .bind(*name)
                .fetch_optional(&mut *conn)
                .await?;
                if let Some(sql) = sql {
                    sqlx::query(&format!("DROP TRIGGER {name}"))
                        .execute(&mut *conn)
                        .await?;
                    resume.push(sql);
                }
            }
            Backend::Postgres => {
                sqlx::query(&format!("ALTER TABLE {table} DISABLE TRIGGER {name}"))
                    .execute(&mut *conn)
                    .await?;
                resume.push(format!("ALTER TABLE {table} ENABLE TRIGGER {name}"));
            }
        }
    }
    Ok(resume)
}

/// What to run after rows were written with explicit ids into the identity columns `id` of
/// `tables`, so that the next ordinary insert gets the next free id. SQLite takes the
/// largest rowid plus one by itself; a PostgreSQL identity column has a sequence of its own,
/// which explicit ids do not advance.
pub(crate) fn after_explicit_ids(backend: Backend, tables: &[&str]) -> Vec<String> {
    match backend {
        Backend::Sqlite => Vec::new(),
        Backend::Postgres => tables
            .iter()
            .map(|t| {
                format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'),
                                   COALESCE(MAX(id), 0) + 1, false) FROM {t}"
                )
            })
            .collect(),
    }
}

/// What to run after a bulk load, to keep queries fast: SQLite merges the full-text index
/// into one b-tree and refreshes the planner's statistics (`PRAGMA optimize`); PostgreSQL
/// refreshes its statistics (`ANALYZE`).
pub(crate) fn after_bulk_load(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[
            "INSERT INTO case_fts (case_fts) VALUES ('optimize')",
            "PRAGMA optimize",
        ],
        Backend::Postgres => &["ANALYZE"],
    }
}

/// A `FROM` item reading the JSON array of arrays bound as `param`, one row per element, as
/// `alias` with columns `key` (its position, for ORDER BY) and `value` (see [`json_item`]).
pub(crate) fn json_rows(backend: Backend, param: &str, alias: &str) -> String {
    match backend {
        Backend::Sqlite => format!("json_each({param}) {alias}"),
        Backend::Postgres => format!(
            "json_array_elements(CAST({param} AS json)) WITH ORDINALITY AS {alias}(value, key)"
        ),
    }
}

/// The `index`-th member of the JSON array `value` (a row of [`json_rows`]), as text.
pub(crate) fn json_item(backend: Backend, value: &str, index: usize) -> String {
    match backend {
        Backend::Sqlite => format!("json_extract({value}, '$[{index}]')"),
        Backend::Postgres => format!("({value} ->> {index})"),
    }
}

/// An aggregate: the rows' `items` (SQL expressions), each row a JSON array, all rows one
/// JSON array as text, in no particular order (the reader sorts them: sorting in SQL costs
/// SQLite a temporary b-tree per aggregate, per group in a grouped one); `[]` for no row.
/// Reading many rows as one value spares the per-row, per-value cost of the `Any` driver
/// (service/reports.rs, docs/performance.md).
pub(crate) fn json_rows_any(backend: Backend, items: &str) -> String {
    match backend {
        Backend::Sqlite => format!("COALESCE(json_group_array(json_array({items})), '[]')"),
        Backend::Postgres => {
            format!("COALESCE(CAST(json_agg(json_build_array({items})) AS TEXT), '[]')")
        }
    }
}

/// An aggregate: the rows' `value`, all rows one JSON array as text, in the order
/// `order`; `[]` for no row (see [`json_rows_any`]).
pub(crate) fn json_values_agg(backend: Backend, value: &str, order: &str) -> String {
    match backend {
        Backend::Sqlite => format!("COALESCE(json_group_array({value} ORDER BY {order}), '[]')"),
        Backend::Postgres => {
            format!("COALESCE(CAST(json_agg({value} ORDER BY {order}) AS TEXT), '[]')")
        }
    }
}
