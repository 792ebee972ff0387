//! What exports say about personal information, and keeping spreadsheet formulas out of
//! them: each register file starts with a line that says whether it contains the contact
//! phone numbers in full, and a cell that a spreadsheet would take for a formula (CSV
//! injection: `=cmd|' /C calc'!A0`, `+`, `-`, `@`, tab, carriage return) is written with
//! a leading apostrophe, which the import removes again.

use serde::Serialize;

/// Whether an export carries personal information (the contact phone) in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Personal {
    /// Masked, as in the lists (138****5678): the default.
    Masked,
    /// In full (`--unmasked`, roles allowed to see personal information; logged).
    Unmasked,
}

/// The first line of a masked export.
pub const MASKED_NOTE: &str = "本文件已隐去个人信息（联系电话只显示部分数字，如 138****5678）";
/// The first line of an unmasked export.
pub const UNMASKED_NOTE: &str = "本文件含个人信息（完整的联系电话），请妥善保管，不得外传";

impl Personal {
    /// The note written as the file's first line.
    pub fn note(self) -> &'static str {
        match self {
            Personal::Masked => MASKED_NOTE,
            Personal::Unmasked => UNMASKED_NOTE,
        }
    }

    /// Whether the file contains personal information in full.
    pub fn contains_personal_data(self) -> bool {
        self == Personal::Unmasked
    }
}

/// Whether a row read from a file is one of the notes above (the import skips it).
pub fn is_note_row(cells: &[String]) -> bool {
    let mut filled = cells.iter().filter(|c| !c.trim().is_empty());
    matches!(
        (filled.next(), filled.next()),
        (Some(c), None) if {
            let c = c.trim().trim_start_matches('\u{feff}');
            c == MASKED_NOTE || c == UNMASKED_NOTE
        }
    )
}

fn looks_like_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A cell as written to CSV: a leading apostrophe when a spreadsheet would evaluate it.
pub fn neutralise(text: String) -> String {
    if looks_like_formula(&text) {
        format!("'{text}")
    } else {
        text
    }
}

/// A cell as read back: the apostrophe that [`neutralise`] added is removed.
pub fn restore(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_read_back_unchanged() {
        for s in [
            "=cmd|' /C calc'!A0",
            "+1+1",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1",
            "\r=1",
            "=HYPERLINK(\"http://x\",\"点我\")",
        ] {
            let out = neutralise(s.to_string());
            assert!(out.starts_with('\''), "{s:?} → {out:?}");
            assert_eq!(restore(&out), s);
        }
        for s in ["普通标题", "138****5678", "'单引号开头", "a=b"] {
            assert_eq!(neutralise(s.to_string()), s);
            assert_eq!(restore(s), s);
        }
    }

    #[test]
    fn the_notes_are_recognised_only_alone_on_their_row() {
        assert!(is_note_row(&[MASKED_NOTE.to_string(), String::new()]));
        assert!(is_note_row(&[format!("\u{feff}{UNMASKED_NOTE}")]));
        assert!(!is_note_row(&[MASKED_NOTE.to_string(), "x".into()]));
        assert!(!is_note_row(&["案件编号".into(), "标题".into()]));
    }
}
