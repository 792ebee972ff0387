//! Rows as values both stores understand: the tables of the target and their columns (read
//! from PostgreSQL's catalog), foreign-key order, and an order-independent digest of a
//! table's content for comparing source and target.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Any, Row, Transaction};

use crate::error::{Error, Result};

/// The kind of a column, as the target declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Int,
    Real,
    Text,
    Blob,
}

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

/// A table of the target with its columns in order.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub name: String,
    pub columns: Vec<(String, Kind)>,
}

impl Table {
    /// `"a", "b", …` for a column list.
    pub fn column_list(&self) -> String {
        self.columns
            .iter()
            .map(|(c, _)| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Reads a row of the source.
    pub fn read_sqlite(&self, row: &SqliteRow) -> Result<Vec<Value>> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| {
                // Unchecked: SQLite's declared types are affinities; the target's kind decides.
                Ok(match kind {
                    Kind::Int => Value::Int(row.try_get_unchecked(i)?),
                    Kind::Real => Value::Real(row.try_get_unchecked(i)?),
                    Kind::Text => Value::Text(row.try_get_unchecked(i)?),
                    Kind::Blob => Value::Blob(row.try_get_unchecked(i)?),
                })
            })
            .collect()
    }

    /// Reads a row of the target.
    pub fn read_any(&self, row: &AnyRow) -> Result<Vec<Value>> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, (_, kind))| {
                Ok(match kind {
                    Kind::Int => Value::Int(row.try_get(i)?),
                    Kind::Real => Value::Real(row.try_get(i)?),
                    Kind::Text => Value::Text(row.try_get(i)?),
                    Kind::Blob => Value::Blob(row.try_get(i)?),
                })
            })
            .collect()
    }
}

/// The target's base tables (the current schema) other than `skip` and the migrations'
/// bookkeeping `_sqlx_migrations`, in foreign-key order: every table after the tables it
/// references.
pub(super) async fn target_tables(
    tx: &mut Transaction<'static, Any>,
    skip: &[&str],
) -> Result<Vec<Table>> {
    let cols: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut tables: BTreeMap<String, Vec<(String, Kind)>> = BTreeMap::new();
    for (table, column, data_type) in cols {
        if table == "_sqlx_migrations" || skip.contains(&table.as_str()) {
            continue;
        }
        let kind = match data_type.as_str() {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "double precision" | "real" => Kind::Real,
            "text" | "character varying" => Kind::Text,
            "bytea" => Kind::Blob,
            other => {
                return Err(Error::Invalid(format!(
                    "目标数据库的 {table}.{column} 是本程序不认识的类型 {other}"
                )))
            }
        };
        tables.entry(table).or_default().push((column, kind));
    }
    let refs: Vec<(String, String)> = sqlx::query_as(
        "SELECT cl.relname::text, rf.relname::text
         FROM pg_constraint k
         JOIN pg_class cl ON cl.oid = k.conrelid
         JOIN pg_class rf ON rf.oid = k.confrelid
         JOIN pg_namespace n ON n.oid = cl.relnamespace
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut needs: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (table, referenced) in &refs {
        if table != referenced && tables.contains_key(referenced) {
            needs.entry(table).or_default().insert(referenced);
        }
    }
    let mut ordered: Vec<Table> = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    while done.len() < tables.len() {
        let ready: Vec<&String> = tables
            .keys()
            .filter(|t| !done.contains(*t))
            .filter(|t| {
                needs
                    .get(t.as_str())
                    .is_none_or(|n| n.iter().all(|r| done.contains(*r)))
            })
            .collect();
        if ready.is_empty() {
            return Err(Error::Invalid(
                "目标数据库的外键有循环，无法确定复制顺序".into(),
            ));
        }
        for t in ready {
            ordered.push(Table {
                name: t.clone(),
                columns: tables[t].clone(),
            });
            done.insert(t.clone());
        }
    }
    Ok(ordered)
}

/// An order-independent digest of a table's rows: each row hashed on its own, the hashes
/// sorted, then hashed together. Equal digests mean equal rows (as a multiset).
#[derive(Debug, Default)]
pub(super) struct TableDigest {
    rows: Vec<[u8; 32]>,
}

impl TableDigest {
    /// Adds a row.
    pub fn add(&mut self, row: &[Value]) {
        let mut h = Sha256::new();
        for v in row {
            match v {
                Value::Int(None) | Value::Real(None) | Value::Text(None) | Value::Blob(None) => {
                    h.update(b"n")
                }
                Value::Int(Some(i)) => {
                    h.update(b"i");
                    h.update(i.to_le_bytes());
                }
                Value::Real(Some(f)) => {
                    h.update(b"r");
                    h.update(f.to_bits().to_le_bytes());
                }
                Value::Text(Some(s)) => {
                    h.update(b"t");
                    h.update((s.len() as u64).to_le_bytes());
                    h.update(s.as_bytes());
                }
                Value::Blob(Some(b)) => {
                    h.update(b"b");
                    h.update((b.len() as u64).to_le_bytes());
                    h.update(b);
                }
            }
        }
        self.rows.push(h.finalize().into());
    }

    /// Rows added.
    pub fn count(&self) -> usize {
        self.rows.len()
    }

    /// The digest, in hex.
    pub fn finish(mut self) -> String {
        self.rows.sort_unstable();
        let mut h = Sha256::new();
        for r in &self.rows {
            h.update(r);
        }
        super::super::sha256_hex(&h.finalize())
    }
}

/// Inserts `rows` into `table` in one multi-row statement.
pub(super) async fn insert_batch(
    tx: &mut Transaction<'static, Any>,
    table: &Table,
    rows: &[Vec<Value>],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let width = table.columns.len();
    let mut sql = format!(
        "INSERT INTO \"{}\" ({}) VALUES ",
        table.name,
        table.column_list()
    );
    for r in 0..rows.len() {
        if r > 0 {
            sql.push_str(", ");
        }
        let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
        sql.push('(');
        sql.push_str(&marks.join(", "));
        sql.push(')');
    }
    let mut q = sqlx::query(&sql);
    for row in rows {
        for v in row {
            q = match v {
                Value::Int(x) => q.bind(*x),
                Value::Real(x) => q.bind(*x),
                Value::Text(x) => q.bind(x.clone()),
                Value::Blob(x) => q.bind(x.clone()),
            };
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Rows per INSERT: PostgreSQL takes at most 65,535 parameters per statement.
pub(super) fn batch_rows(width: usize) -> usize {
    (60_000 / width.max(1)).clamp(1, 500)
}
