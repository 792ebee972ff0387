//! Rows written many at a time: multi-row INSERTs of a fixed size, prepared once and
//! reused from the connection's statement cache (the demo generator and the import).

use sqlx::AnyConnection;

use crate::db::Backend;
use crate::error::Result;

/// A value bound into a multi-row insert.
pub(crate) enum Val {
    Int(i64),
    Text(String),
    /// A NULL in an integer column. A NULL keeps the type of its column: PostgreSQL types
    /// each parameter of a prepared statement once, and the statement is reused.
    NullInt,
    /// A NULL in a text column.
    NullText,
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::Int(v)
    }
}

impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::Text(v)
    }
}

impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::Text(v.to_string())
    }
}

impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        v.map_or(Val::NullText, Val::Text)
    }
}

impl From<bool> for Val {
    fn from(v: bool) -> Val {
        Val::Int(i64::from(v))
    }
}

/// Rows waiting to be written to one table.
pub(crate) struct Table {
    pub(crate) head: &'static str,
    columns: usize,
    rows: Vec<Vec<Val>>,
}

impl Table {
    pub(crate) fn new(head: &'static str) -> Table {
        let columns = head
            .split_once('(')
            .map_or(1, |(_, cols)| cols.matches(',').count() + 1);
        Table {
            head,
            columns,
            rows: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, row: Vec<Val>) {
        debug_assert_eq!(row.len(), self.columns, "{}", self.head);
        self.rows.push(row);
    }

    /// Writes the rows with multi-row INSERTs of a fixed size, so that the statement is
    /// prepared once and reused from the connection's statement cache.
    pub(crate) async fn flush(&mut self, conn: &mut AnyConnection, backend: Backend) -> Result<()> {
        let per_statement = (30_000 / self.columns).clamp(1, 500);
        let mut rows = std::mem::take(&mut self.rows).into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_statement).collect();
            insert(conn, backend, self.head, chunk).await?;
        }
        Ok(())
    }
}

/// Inserts `rows` with one multi-row INSERT, `head VALUES (…), (…), …`, in order. On
/// SQLite its parameters are anonymous (`?`), the one place that does not number them:
/// sqlx-sqlite looks up the name of every parameter when it binds a statement, and SQLite
/// finds a name by walking the statement's list of names, so numbered parameters cost
/// N²/2 steps for N of them (up to 30,000 here; docs/performance.md, the import).
/// PostgreSQL numbers them (`$n`) and binds them by position.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    head: &str,
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    let mut sql = format!("{head} VALUES ");
    let mut n = 0;
    for (r, row) in rows.iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..row.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${n}")),
            }
        }
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for row in rows {
        for v in row {
            q = match v {
                Val::Int(i) => q.bind(i),
                Val::Text(t) => q.bind(t),
                Val::NullInt => q.bind(None::<i64>),
                Val::NullText => q.bind(None::<String>),
            };
        }
    }
    q.execute(&mut *conn).await?;
    Ok(())
}
