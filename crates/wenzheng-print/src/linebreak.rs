//! Chinese line breaking (禁则), as a pure function over character widths.
//!
//! A paragraph is cut into lines no wider than a limit. Each Chinese character may end a
//! line; a run of ASCII letters, digits and marks (a phone number, a case number, a URL)
//! stays whole unless it alone is wider than a line. Two rules of Chinese typesetting
//! hold on every line: no line starts with closing punctuation (，。、；：？！）》」 …),
//! and no line ends with opening punctuation (（《「 …). A line that would break either
//! rule gives its last character(s) to the next line (推出).

/// Characters that may not start a line (closing punctuation and marks that follow text).
pub const NO_LINE_START: &str = "，。、；：？！）》」』】〕〉〗”’…—·％,.;:?!)]}%";

/// Characters that may not end a line (opening punctuation).
pub const NO_LINE_END: &str = "（《「『【〔〈〖“‘([{";

/// One line of a broken paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The characters of the line.
    pub text: String,
    /// The sum of the characters' widths.
    pub width: f32,
    /// True for the paragraph's last line (which is not justified).
    pub last: bool,
}

fn no_start(c: char) -> bool {
    NO_LINE_START.contains(c)
}

fn no_end(c: char) -> bool {
    NO_LINE_END.contains(c)
}

/// Characters that glue into one run: ASCII other than the space.
fn glues(c: char) -> bool {
    c.is_ascii_graphic()
}

/// Splits `text` into atoms: single characters, or runs of gluing ASCII characters.
fn atoms(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev_glues = false;
    for c in text.chars() {
        let g = glues(c);
        match out.last_mut() {
            Some(last) if g && prev_glues => last.push(c),
            _ => out.push(c.to_string()),
        }
        // A hyphen or slash ends a run: WZ-2026-000123 may break after a hyphen.
        prev_glues = g && !matches!(c, '-' | '/');
    }
    out
}

/// Breaks one paragraph into lines no wider than `max_width`, where `width(c)` is the
/// advance of character `c` (any unit). Spaces at the start of a continuation line are
/// dropped. An empty paragraph gives one empty line.
pub fn break_lines(text: &str, max_width: f32, width: impl Fn(char) -> f32) -> Vec<Line> {
    let w = |s: &str| s.chars().map(&width).sum::<f32>();
    let fits = |x: f32| x <= max_width + 1e-3;
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut cur_w = 0.0f32;
    let mut queue: std::collections::VecDeque<String> = atoms(text).into();
    while let Some(atom) = queue.pop_front() {
        if cur.is_empty() && !lines.is_empty() && atom == " " {
            continue;
        }
        let aw = w(&atom);
        if fits(cur_w + aw) {
            cur_w += aw;
            cur.push(atom);
            continue;
        }
        if cur.is_empty() || (atom.chars().count() > 1 && !fits(aw)) {
            // An atom wider than a line: cut it by characters, filling the current line.
            let mut chars = atom.chars();
            let mut head = String::new();
            let mut hw = 0.0;
            for c in chars.by_ref() {
                let cw = width(c);
                if !(fits(cur_w + hw + cw) || cur.is_empty() && head.is_empty()) {
                    queue.push_front(std::iter::once(c).chain(chars).collect());
                    break;
                }
                hw += cw;
                head.push(c);
            }
            if !head.is_empty() {
                cur.push(head);
            }
            lines.push(std::mem::take(&mut cur));
            cur_w = 0.0;
            continue;
        }
        // Break before `atom`; keep the rules by carrying characters down.
        let mut carry: Vec<String> = vec![atom];
        while cur.len() > 1 && carry[0].chars().next().is_some_and(no_start) {
            carry.insert(0, cur.pop().expect("len > 1"));
        }
        while cur.len() > 1
            && cur
                .last()
                .and_then(|a| a.chars().last())
                .is_some_and(no_end)
        {
            carry.insert(0, cur.pop().expect("len > 1"));
        }
        lines.push(std::mem::take(&mut cur));
        cur_w = 0.0;
        for a in carry.into_iter().rev() {
            queue.push_front(a);
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    let n = lines.len();
    lines
        .into_iter()
        .enumerate()
        .map(|(i, atoms)| {
            let text: String = atoms.concat();
            let text = if i + 1 < n {
                text.trim_end_matches(' ').to_string()
            } else {
                text
            };
            Line {
                width: w(&text),
                text,
                last: i + 1 == n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chinese characters are 1 wide, ASCII ½.
    fn width(c: char) -> f32 {
        if c.is_ascii() {
            0.5
        } else {
            1.0
        }
    }

    fn lines(text: &str, max: f32) -> Vec<String> {
        break_lines(text, max, width)
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    #[test]
    fn cases() {
        // (paragraph, line width, expected lines)
        let cases: &[(&str, f32, &[&str])] = &[
            ("", 5.0, &[""]),
            ("一二三", 5.0, &["一二三"]),
            ("一二三四五", 5.0, &["一二三四五"]),
            ("一二三四五六七", 5.0, &["一二三四五", "六七"]),
            // a closing mark does not start a line: the character before it comes along
            ("一二三四五。六七", 5.0, &["一二三四", "五。六七"]),
            ("一二三四五，六七", 5.0, &["一二三四", "五，六七"]),
            ("一二三四五、六", 5.0, &["一二三四", "五、六"]),
            ("一二三四五；六", 5.0, &["一二三四", "五；六"]),
            ("一二三四五：六", 5.0, &["一二三四", "五：六"]),
            ("一二三四五？六", 5.0, &["一二三四", "五？六"]),
            ("一二三四五！六", 5.0, &["一二三四", "五！六"]),
            ("一二三四五）六", 5.0, &["一二三四", "五）六"]),
            ("一二三四五》六", 5.0, &["一二三四", "五》六"]),
            ("一二三四五」六", 5.0, &["一二三四", "五」六"]),
            // two closing marks in a row: both stay with a character
            ("一二三四五。」六", 5.0, &["一二三四", "五。」六"]),
            ("一二三四。」六", 5.0, &["一二三", "四。」六"]),
            // an opening mark does not end a line
            ("一二三四《五六》", 5.0, &["一二三四", "《五六》"]),
            ("一二三四（五", 5.0, &["一二三四", "（五"]),
            ("一二三四「五", 5.0, &["一二三四", "「五"]),
            // both at once: 《 would end the line and ， would start the next
            ("一二三《四》，五", 5.0, &["一二三", "《四》，五"]),
            // ASCII runs stay whole
            ("电话138****5678。", 8.0, &["电话", "138****5678。"]),
            ("编号WZ-2026-000123号", 8.0, &["编号WZ-2026-", "000123号"]),
            (
                "编号WZ-2026-000123号",
                5.0,
                &["编号WZ-", "2026-", "000123号"],
            ),
            // a run longer than a line is cut
            ("abcdefghijkl", 3.0, &["abcdef", "ghijkl"]),
            // spaces at a continuation line's start are dropped
            ("ab cd ef gh", 2.5, &["ab cd", "ef gh"]),
            // ideographic spaces (indent) are kept
            ("　　一二三四五", 5.0, &["　　一二三", "四五"]),
        ];
        for (text, max, want) in cases {
            assert_eq!(lines(text, *max), *want, "{text:?} at {max}");
        }
    }

    #[test]
    fn no_line_breaks_a_rule_and_no_text_is_lost() {
        let text = "关于“镇区道路破损”（第3次）的反馈：经查，该路段《规划》已批复，「计划」于11月底完工。请知悉！谢谢。";
        for max in 3..=12 {
            let ls = break_lines(text, max as f32, width);
            let joined: String = ls.iter().map(|l| l.text.as_str()).collect();
            assert_eq!(joined, text, "at {max}");
            for (i, l) in ls.iter().enumerate() {
                assert!(l.width <= max as f32 + 1e-3, "{l:?} at {max}");
                if i > 0 {
                    assert!(!l.text.starts_with(no_start), "{l:?} at {max}");
                }
                if !l.last {
                    assert!(!l.text.ends_with(no_end), "{l:?} at {max}");
                }
            }
            assert!(ls.last().unwrap().last);
        }
    }
}
