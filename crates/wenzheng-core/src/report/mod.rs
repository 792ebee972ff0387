//! The monthly report (月报), the circulation (通报) and the assessment of units (考核):
//! figures computed from the event log and the tables for any month or date range, the
//! scoring rule, and the files that carry them out (XLSX, CSV, Open311 JSON) and cases in
//! (XLSX/CSV import). Every indicator is defined in `docs/reports.md` and in
//! [`INDICATORS`].
//!
//! The figures of a period only use what was recorded before the period's end (or before
//! `now`, for a period not over yet), so a past month's report comes out the same whenever
//! it is computed again.

pub mod assess;
pub mod export;
pub mod figures;
pub mod import;
pub mod privacy;

pub use assess::{AssessmentRule, IndicatorRule, UnitScore};
pub use figures::{Period, Report, INDICATORS};
