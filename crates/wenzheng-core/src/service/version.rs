//! Optimistic locking: every case has a version (`cases.version`, 1 when registered), raised
//! by each event that changes the case or what hangs off it. A user acts on the version
//! they saw ([`CaseRef`]); when someone else changed the case in between, the step is
//! refused with [`Error::Conflict`], naming who changed it, when and how, and nothing of
//! the refused step is written.
//!
//! The version is raised here, in the service layer ([`bump`], called by
//! `record::event` for every event about a case), not by a trigger: the events are the
//! one place every user-made change already passes through, the same Rust code serves
//! both stores, and copying a database (`wenzheng migrate`, imports of raw rows) does not
//! raise versions by replaying inserts.

use sqlx::AnyConnection;

use super::record::CaseRow;
use crate::clock::parse_stored;
use crate::error::{Error, Result};

/// A case as the user saw it: its id or number, and the version shown to them (`None`:
/// act on whatever the case is now, as the CLI does without `--expect-version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseRef<'a> {
    /// The numeric id or the case number.
    pub key: &'a str,
    /// The version the user saw ([`crate::view::CaseView::version`]).
    pub expected_version: Option<i64>,
}

impl<'a> CaseRef<'a> {
    /// The case `key` as seen at `version`.
    pub fn seen(key: &'a str, version: i64) -> Self {
        CaseRef {
            key,
            expected_version: Some(version),
        }
    }

    /// The case `key` at the version the caller saw, if it says one.
    pub fn at(key: &'a str, expected_version: Option<i64>) -> Self {
        CaseRef {
            key,
            expected_version,
        }
    }
}

impl<'a> From<&'a str> for CaseRef<'a> {
    fn from(key: &'a str) -> Self {
        CaseRef::at(key, None)
    }
}

impl<'a> From<&'a String> for CaseRef<'a> {
    fn from(key: &'a String) -> Self {
        CaseRef::at(key, None)
    }
}

/// Event kinds about a case that change nothing of it: the registration (the case starts
/// at version 1) and what is only logged — a phone number revealed, a document numbered
/// or printed.
const UNCHANGED_BY: &[&str] = &["register", "reveal_phone", "print", "document"];

/// Whether an event of `kind` about a case raises the case's version.
pub(crate) fn changes_case(kind: &str) -> bool {
    !UNCHANGED_BY.contains(&kind)
}

/// Raises the version of case `case_id` for an event of `kind`, if that kind changes it.
pub(crate) async fn bump(conn: &mut AnyConnection, case_id: i64, kind: &str) -> Result<()> {
    if changes_case(kind) {
        sqlx::query("UPDATE cases SET version = version + 1 WHERE id = $1")
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Refuses the step when the user saw another version of `case` than it has now. Called
/// inside the write transaction, after loading the case: writers take turns (see
/// `Db::write`), so nobody changes the case between this check and the commit.
pub(crate) async fn check(
    conn: &mut AnyConnection,
    case: &CaseRow,
    expected: Option<i64>,
) -> Result<()> {
    let Some(seen) = expected else {
        return Ok(());
    };
    if seen == case.version {
        return Ok(());
    }
    let mut q = crate::sql::Sql::new(
        "SELECT COALESCE(u.display_name, u.login, '某用户'), e.at, e.summary
         FROM events e LEFT JOIN users u ON u.id = e.actor_id
         WHERE e.case_id = ",
    );
    q.push_bind(case.id).push(" AND e.kind NOT IN (");
    q.push_list(UNCHANGED_BY.iter().copied(), ", ");
    q.push(") ORDER BY e.id DESC LIMIT 1");
    let last: Option<(String, String, String)> =
        q.build_query_as().fetch_optional(&mut *conn).await?;
    let by = match last {
        Some((who, at, summary)) => {
            let when = parse_stored(&at)
                .map(|t| t.format("%-m月%-d日 %H:%M").to_string())
                .unwrap_or(at);
            format!("已被 {who} 于 {when} 修改（{}）", short(&summary, 40))
        }
        None => "已被他人修改".to_owned(),
    };
    Err(Error::Conflict(format!(
        "案件 {} {by}。您的修改没有保存，请刷新后重做",
        case.number
    )))
}

/// The first `max` characters of `text` on one line, with “…” when cut.
fn short(text: &str, max: usize) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max {
        line
    } else {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_logging_events_leave_the_version() {
        for kind in [
            "assign",
            "reply_final",
            "link",
            "merge_in",
            "attach",
            "urge",
        ] {
            assert!(changes_case(kind), "{kind}");
        }
        for kind in ["register", "reveal_phone", "print", "document"] {
            assert!(!changes_case(kind), "{kind}");
        }
    }

    #[test]
    fn long_summaries_are_cut_on_one_line() {
        assert_eq!(short("交办：\n城管局（主办）", 40), "交办： 城管局（主办）");
        assert_eq!(short(&"长".repeat(45), 40), format!("{}…", "长".repeat(40)));
    }
}
