//! Rows written many at a time: multi-row INSERTs of a fixed size, prepared once and
//! reused from the connection's statement cache (the demo generator and the import).

use sqlx::AnyConnection;

use crate::sql::Sql;

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
    pub(crate) async fn flush(&mut self, conn: &mut AnyConnection) -> Result<()> {
        let per_statement = (30_000 / self.columns).clamp(1, 500);
        let mut rows = std::mem::take(&mut self.rows).into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_statement).collect();
            let mut q = Sql::new(self.head);
            q.push(" VALUES ");
            for (r, row) in chunk.into_iter().enumerate() {
                q.push(if r == 0 { "(" } else { ", (" });
                for (i, v) in row.into_iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    match v {
                        Val::Int(i) => q.push_bind(i),
                        Val::Text(t) => q.push_bind(t),
                        Val::NullInt => q.push_bind(None::<i64>),
                        Val::NullText => q.push_bind(None::<String>),
                    };
                }
                q.push(")");
            }
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    }
}
