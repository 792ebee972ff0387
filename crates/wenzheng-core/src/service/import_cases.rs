//! Importing cases from an XLSX or CSV file (`wenzheng import`, the 统计 screen's 导入):
//! the rows read and checked (`report::import`), the messages already registered found in
//! one statement, and the new ones registered together (`import_rows`) in one transaction,
//! written as a bulk load (`fts_bulk`: the full-text rows at the end, a large page cache).

use std::path::Path;

use serde_json::json;
use sqlx::AnyConnection;

use super::cases::{validate_new_case, ValidCase};
use super::fts_bulk;
use super::import_rows;
use super::record::load_calendar;
use super::{Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::WorkCalendar;
use crate::clock::format_instant;
use crate::db::Backend;
use crate::dialect;
use crate::error::{Error, Result};
use crate::report::import::{
    import_key, read_table, DuplicateRow, ImportReport, ImportedRow, RowError,
};

/// Rows registered per statement group during an import (the progress bar moves per slice).
const IMPORT_SLICE: usize = 500;

/// How to import a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportMode {
    /// Check every row and write nothing: what an import would do.
    Preview,
    /// Import only if every row is valid; otherwise refuse and write nothing.
    AllOrNothing,
    /// Import the valid rows; report the others.
    ValidOnly,
}

/// How far an import has got, for a progress bar: `done` of `total` rows in `stage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportProgress {
    /// `check` (reading and checking the rows) or `write` (registering them).
    pub stage: &'static str,
    /// Rows done in this stage.
    pub done: usize,
    /// Rows of this stage.
    pub total: usize,
}

/// Calls `progress` about a hundred times per stage, and at its end.
fn report_progress(
    progress: &mut (dyn FnMut(ImportProgress) + Send),
    stage: &'static str,
    done: usize,
    total: usize,
) {
    let step = (total / 100).max(1);
    if done % step == 0 || done == total {
        progress(ImportProgress { stage, done, total });
    }
}

/// For each row about to be imported (in order), the number of the case already
/// registered for the same message, if any: same import key, same source and link, or —
/// without a link — same source, time, title and text (the first such case).
async fn registered_already(
    conn: &mut AnyConnection,
    backend: Backend,
    rows: &[(usize, String, ValidCase)],
) -> Result<Vec<Option<String>>> {
    let probe: Vec<serde_json::Value> = rows
        .iter()
        .map(|(_, key, v)| {
            json!([
                key,
                v.source,
                v.link,
                format_instant(&v.received),
                v.title,
                v.content
            ])
        })
        .collect();
    let item = |i| dialect::json_item(backend, "j.value", i);
    Ok(sqlx::query_scalar(&format!(
        "SELECT (SELECT c.number FROM cases c
                 WHERE c.id IN (SELECT case_id FROM case_imports WHERE import_key = {key})
                    OR (c.source = {source} AND c.link IS NOT NULL AND c.link = {link})
                    OR ({link} IS NULL AND c.source = {source} AND c.received_at = {received}
                        AND c.title = {title} AND c.content = {content})
                 ORDER BY c.id LIMIT 1)
         FROM {rows} ORDER BY j.key",
        key = item(0),
        source = item(1),
        link = item(2),
        received = item(3),
        title = item(4),
        content = item(5),
        rows = dialect::json_rows(backend, "$1", "j"),
    ))
    .bind(serde_json::Value::Array(probe).to_string())
    .fetch_all(&mut *conn)
    .await?)
}

impl Service {
    /// Imports cases from an XLSX or CSV file. Every row is checked; a message already
    /// registered (same source and link, or same source, time, title and text) is skipped,
    /// so importing a file again adds nothing. In [`ImportMode::AllOrNothing`] any bad row
    /// refuses the whole file with the per-row errors and writes nothing.
    pub async fn import_cases(
        &self,
        ctx: &Ctx,
        path: &Path,
        mode: ImportMode,
    ) -> Result<ImportReport> {
        self.import_cases_with_progress(ctx, path, mode, &mut |_| {})
            .await
    }

    /// [`Service::import_cases`], telling `progress` how far it has got. Everything is
    /// still one transaction: the rows are only visible (and only kept) once all are written.
    pub async fn import_cases_with_progress(
        &self,
        ctx: &Ctx,
        path: &Path,
        mode: ImportMode,
        progress: &mut (dyn FnMut(ImportProgress) + Send),
    ) -> Result<ImportReport> {
        auth::require(ctx.actor.role, Permission::Register)?;
        let rows = read_table(path)?;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut report = ImportReport {
            file: file.clone(),
            rows: rows.len(),
            imported: Vec::new(),
            duplicates: Vec::new(),
            errors: Vec::new(),
            written: false,
        };
        let mut tx = self.db.write().await?;
        let calendar = load_calendar(&mut tx).await?;
        let mut valid = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for (n, raw) in rows.iter().enumerate() {
            report_progress(progress, "check", n, rows.len());
            let checked = raw
                .new_case()
                .and_then(|nc| validate_new_case(ctx, nc).map_err(|e| e.to_string()));
            let v = match checked {
                Ok(v) => v,
                Err(message) => {
                    report.errors.push(RowError {
                        row: raw.row,
                        message,
                    });
                    continue;
                }
            };
            let key = import_key(
                &v.source,
                v.link.as_deref(),
                &v.received,
                &v.title,
                &v.content,
            );
            if let Some(first) = seen.get(&key) {
                report.duplicates.push(DuplicateRow {
                    row: raw.row,
                    existing: format!("本文件第 {first} 行"),
                });
                continue;
            }
            seen.insert(key.clone(), raw.row);
            valid.push((raw.row, key, v));
        }
        // Already registered: one statement for the whole file (the rows are not written
        // yet, so checking them all at once finds what checking them one by one would).
        let existing = registered_already(&mut tx, self.db.backend(), &valid).await?;
        let mut candidates = std::mem::take(&mut valid).into_iter();
        for number in existing {
            let Some(candidate) = candidates.next() else {
                break;
            };
            match number {
                Some(number) => report.duplicates.push(DuplicateRow {
                    row: candidate.0,
                    existing: number,
                }),
                None => valid.push(candidate),
            }
        }
        report.duplicates.sort_by_key(|d| d.row);
        report_progress(progress, "check", rows.len(), rows.len());
        let refuse = !report.errors.is_empty() && mode == ImportMode::AllOrNothing;
        if mode == ImportMode::Preview || refuse || valid.is_empty() {
            report.imported = valid
                .iter()
                .map(|(row, _, v)| ImportedRow {
                    row: *row,
                    number: None,
                    title: v.title.clone(),
                })
                .collect();
            // Dropping the transaction rolls it back: nothing was written.
            drop(tx);
            if refuse {
                return Err(Error::Invalid(report.error_message()));
            }
            return Ok(report);
        }
        let backend = self.db.backend();
        // A bulk write: the page cache raised for the transaction, and set back before
        // the commit whether the rows were written or not (the connection goes back to
        // the pool).
        let cache = fts_bulk::raise_cache(&mut tx, backend).await?;
        let written = write_rows(
            &mut tx,
            backend,
            ctx,
            &calendar,
            &file,
            valid,
            &mut report,
            progress,
        )
        .await;
        if let Some(size) = cache {
            fts_bulk::set_cache(&mut tx, size).await?;
        }
        written?;
        tx.commit().await?;
        report.written = true;
        Ok(report)
    }
}

/// Registers the checked rows `valid` (row number, import key, case) of `file` in the
/// caller's transaction, with their import records and full-text rows, and lists them in
/// `report`.
#[allow(clippy::too_many_arguments)]
async fn write_rows(
    tx: &mut AnyConnection,
    backend: Backend,
    ctx: &Ctx,
    calendar: &WorkCalendar,
    file: &str,
    valid: Vec<(usize, String, ValidCase)>,
    report: &mut ImportReport,
    progress: &mut (dyn FnMut(ImportProgress) + Send),
) -> Result<()> {
    let summary = format!("从文件“{file}”导入登记案件");
    // The full-text rows are written at the end, in one statement (fts_bulk).
    let triggers = fts_bulk::suspend(&mut *tx, backend).await?;
    let mut ids = Vec::with_capacity(valid.len());
    let mut keys = Vec::with_capacity(valid.len());
    // In slices, to tell the progress bar how far it has got.
    for (n, slice) in valid.chunks(IMPORT_SLICE).enumerate() {
        report_progress(progress, "write", n * IMPORT_SLICE, valid.len());
        let cases: Vec<&ValidCase> = slice.iter().map(|(_, _, v)| v).collect();
        let registered =
            import_rows::register_all(&mut *tx, backend, ctx, calendar, &cases, &summary).await?;
        for ((row, key, v), (id, number)) in slice.iter().zip(registered) {
            ids.push(id);
            keys.push(json!([key, id, *row as i64]));
            report.imported.push(ImportedRow {
                row: *row,
                number: Some(number),
                title: v.title.clone(),
            });
        }
    }
    sqlx::query(&format!(
        "INSERT INTO case_imports (import_key, case_id, file_name, row_number, imported_at,
            imported_by)
         SELECT {}, CAST({} AS BIGINT), $2, CAST({} AS BIGINT), $3, $4
         FROM {} ORDER BY j.key",
        dialect::json_item(backend, "j.value", 0),
        dialect::json_item(backend, "j.value", 1),
        dialect::json_item(backend, "j.value", 2),
        dialect::json_rows(backend, "$1", "j"),
    ))
    .bind(serde_json::Value::Array(keys).to_string())
    .bind(file)
    .bind(format_instant(&ctx.now))
    .bind(ctx.actor.id)
    .execute(&mut *tx)
    .await?;
    fts_bulk::index_new_cases(&mut *tx, backend, &ids).await?;
    triggers.restore(&mut *tx).await?;
    // The rows were written with their ids (import_rows).
    for sql in dialect::after_explicit_ids(backend, &["cases", "events"]) {
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    report_progress(progress, "write", valid.len(), valid.len());
    Ok(())
}
