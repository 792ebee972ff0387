//! The paste helper of intake (粘贴平台留言): turns the text a clerk copied from a message
//! platform's page into the fields of a new case, for the clerk to check before saving.
//! Pure: nothing is stored, and the text is only ever treated as text.
//!
//! Pages lay a message out as labelled fields (`标题：…`, `留言时间：…`, `留言人：…`,
//! `联系电话：…`, `留言内容：…`), sometimes several on one line, sometimes with the value
//! on the line after its label, and often with a link `http…` to the message.

use chrono::NaiveDateTime;
use serde::Serialize;

/// The most characters of pasted text looked at.
pub const MAX_PASTE_CHARS: usize = 50_000;

/// The fields found in a pasted message; `None` where nothing was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PastedMessage {
    /// 标题.
    pub title: Option<String>,
    /// 留言内容.
    pub content: Option<String>,
    /// 留言时间 as `YYYY-MM-DD HH:MM` (China Standard Time, as the platforms show it).
    pub received_at: Option<String>,
    /// 留言人 / 网民 (screen name).
    pub poster: Option<String>,
    /// 联系电话, when it looks like a complete number.
    pub phone: Option<String>,
    /// The first `http://` or `https://` address.
    pub link: Option<String>,
    /// 来源 / 平台, when the text names it.
    pub source: Option<String>,
    /// What the clerk should check, in Chinese (missing or doubtful fields).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Title,
    Time,
    Poster,
    Phone,
    Content,
    Link,
    Source,
}

/// Labels as the platforms write them, longest first within each field so that
/// `留言标题` wins over `标题`.
const LABELS: &[(&str, Field)] = &[
    ("留言标题", Field::Title),
    ("信件标题", Field::Title),
    ("标题", Field::Title),
    ("主题", Field::Title),
    ("留言时间", Field::Time),
    ("发布时间", Field::Time),
    ("提问时间", Field::Time),
    ("发帖时间", Field::Time),
    ("来信时间", Field::Time),
    ("时间", Field::Time),
    ("留言人", Field::Poster),
    ("留言者", Field::Poster),
    ("网民昵称", Field::Poster),
    ("网友昵称", Field::Poster),
    ("网民", Field::Poster),
    ("网友", Field::Poster),
    ("昵称", Field::Poster),
    ("发帖人", Field::Poster),
    ("来信人", Field::Poster),
    ("联系电话", Field::Phone),
    ("手机号码", Field::Phone),
    ("联系方式", Field::Phone),
    ("电话", Field::Phone),
    ("手机", Field::Phone),
    ("留言内容", Field::Content),
    ("问题描述", Field::Content),
    ("留言详情", Field::Content),
    ("信件内容", Field::Content),
    ("内容", Field::Content),
    ("正文", Field::Content),
    ("原文链接", Field::Link),
    ("留言链接", Field::Link),
    ("网址", Field::Link),
    ("链接", Field::Link),
    ("来源平台", Field::Source),
    ("留言板", Field::Source),
    ("来源", Field::Source),
    ("平台", Field::Source),
];

/// Parses the pasted text of a platform message.
pub fn parse_platform_text(text: &str) -> PastedMessage {
    let mut out = PastedMessage::default();
    let total = text.chars().count();
    let text: String = text
        .replace("\r\n", "\n")
        .chars()
        .take(MAX_PASTE_CHARS)
        .map(|c| match c {
            '\r' | '\u{2028}' | '\u{2029}' => '\n',
            '\u{3000}' | '\u{a0}' => ' ',
            c => c,
        })
        // Control and invisible formatting characters would be refused at registration.
        .filter(|c| {
            (!c.is_control() || matches!(c, '\n' | '\t'))
                && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{feff}')
        })
        .collect();
    if total > MAX_PASTE_CHARS {
        out.notes.push(format!(
            "粘贴的文字超过 {MAX_PASTE_CHARS} 个字，只识别了前 {MAX_PASTE_CHARS} 个字"
        ));
    }

    let mut title: Option<String> = None;
    let mut time: Option<String> = None;
    let mut poster: Option<String> = None;
    let mut phone: Option<String> = None;
    let mut link: Option<String> = None;
    let mut source: Option<String> = None;
    let mut content: Vec<String> = Vec::new();
    let mut loose: Vec<String> = Vec::new();
    let mut in_content = false;
    let mut content_seen = false;
    // A label alone on its line: its value is on the next non-empty line.
    let mut pending: Option<Field> = None;

    for raw in text.lines() {
        let line = raw.trim();
        let segments = split_labelled(line);
        if segments.is_empty() {
            if line.is_empty() {
                if in_content {
                    content.push(String::new());
                }
                continue;
            }
            if let Some(field) = pending.take() {
                if field == Field::Content {
                    in_content = true;
                    content_seen = true;
                    content.push(line.to_string());
                } else {
                    set(
                        field,
                        line,
                        &mut [
                            &mut title,
                            &mut time,
                            &mut poster,
                            &mut phone,
                            &mut link,
                            &mut source,
                        ],
                    );
                }
                continue;
            }
            if in_content {
                content.push(raw.trim_end().to_string());
            } else {
                loose.push(line.to_string());
            }
            continue;
        }
        pending = None;
        in_content = false;
        for (field, value) in segments {
            let value = value.trim();
            if field == Field::Content {
                content_seen = true;
                in_content = true;
                if value.is_empty() {
                    pending = Some(Field::Content);
                } else {
                    content.push(value.to_string());
                    pending = None;
                }
            } else if value.is_empty() {
                pending = Some(field);
            } else {
                set(
                    field,
                    value,
                    &mut [
                        &mut title,
                        &mut time,
                        &mut poster,
                        &mut phone,
                        &mut link,
                        &mut source,
                    ],
                );
            }
        }
    }

    // Without labels, a short first line is the title and the rest the content.
    if !content_seen {
        if title.is_none() && loose.len() > 1 && loose[0].chars().count() <= 60 {
            title = Some(loose.remove(0));
        }
        content = loose.clone();
        loose.clear();
    }

    // A bare address anywhere is the link.
    let all_text = [content.join("\n"), loose.join("\n")].join("\n");
    if link.is_none() {
        link = first_url(&all_text);
    }
    if let Some(l) = &link {
        // The link alone on a content line is not part of what the citizen wrote.
        content.retain(|c| c.trim() != l.as_str());
    }

    out.title = title.map(|t| strip_brackets(&t)).filter(|t| !t.is_empty());
    out.poster = poster.filter(|p| !p.is_empty());
    out.source = source.filter(|s| !s.is_empty());
    let body = content.join("\n").trim().to_string();
    out.content = (!body.is_empty()).then_some(body);

    if let Some(t) = time {
        match parse_time(&t) {
            Some(ts) => out.received_at = Some(ts),
            None => out
                .notes
                .push(format!("留言时间“{t}”无法识别，请手工填写收到时间")),
        }
    }
    if let Some(p) = phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        let clean = p
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
        if clean && (5..=20).contains(&digits) {
            out.phone = Some(p);
        } else {
            out.notes.push(format!(
                "联系电话“{p}”不完整或格式不对（平台可能隐藏了部分号码），未填入"
            ));
        }
    }
    out.link = link;

    for (missing, label) in [
        (out.title.is_none(), "标题"),
        (out.content.is_none(), "留言内容"),
        (out.received_at.is_none(), "留言时间"),
        (out.poster.is_none(), "留言人"),
        (out.link.is_none(), "链接"),
    ] {
        if missing {
            out.notes.push(format!("没有找到{label}"));
        }
    }
    out
}

fn set(field: Field, value: &str, slots: &mut [&mut Option<String>; 6]) {
    let idx = match field {
        Field::Title => 0,
        Field::Time => 1,
        Field::Poster => 2,
        Field::Phone => 3,
        Field::Link => 4,
        Field::Source => 5,
        Field::Content => return,
    };
    let value = if field == Field::Link {
        match first_url(value) {
            Some(u) => u,
            None => return,
        }
    } else {
        value.to_string()
    };
    if slots[idx].is_none() {
        *slots[idx] = Some(value);
    }
}

/// Splits a line into labelled fields: `留言人：张三  留言时间：2026-11-20 09:31` gives two.
/// Empty when the line does not start with a label.
fn split_labelled(line: &str) -> Vec<(Field, String)> {
    let mut found: Vec<(usize, usize, Field)> = Vec::new(); // (label start, value start, field)
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, _) = chars[i];
        let at_boundary = i == 0
            || matches!(
                chars[i - 1].1,
                ' ' | '\t' | '|' | '｜' | '】' | ']' | '，' | ',' | '；' | ';' | '　'
            );
        if at_boundary {
            if let Some((len, field)) = label_at(&line[pos..]) {
                found.push((pos, pos + len, field));
                i = chars
                    .iter()
                    .position(|(p, _)| *p >= pos + len)
                    .unwrap_or(chars.len());
                continue;
            }
        }
        i += 1;
    }
    if found.first().map(|f| f.0) != Some(0) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (k, (_, value_start, field)) in found.iter().enumerate() {
        let value = match found.get(k + 1) {
            // Between two labels: drop the separator before the next one.
            Some(next) => line[*value_start..next.0]
                .trim()
                .trim_end_matches(['|', '｜', '，', ',', '；', ';'])
                .trim(),
            None => line[*value_start..].trim(),
        };
        out.push((*field, value.to_string()));
    }
    out
}

/// A label at the start of `s` with its colon (or alone at the end of the line); returns
/// the length up to the value, and the field.
fn label_at(s: &str) -> Option<(usize, Field)> {
    let (open, rest) = match s.strip_prefix('【').or_else(|| s.strip_prefix('[')) {
        Some(r) => (s.len() - r.len(), r),
        None => (0, s),
    };
    for (label, field) in LABELS {
        let Some(after) = rest.strip_prefix(label) else {
            continue;
        };
        let mut used = open + label.len();
        let mut tail = after;
        if open > 0 {
            match tail.strip_prefix('】').or_else(|| tail.strip_prefix(']')) {
                Some(t) => {
                    used += tail.len() - t.len();
                    tail = t;
                }
                None => continue,
            }
        }
        let spaces = tail.len() - tail.trim_start_matches([' ', '\t']).len();
        let after_spaces = &tail[spaces..];
        if let Some(t) = after_spaces
            .strip_prefix('：')
            .or_else(|| after_spaces.strip_prefix(':'))
        {
            return Some((used + spaces + (after_spaces.len() - t.len()), *field));
        }
        if after_spaces.is_empty() || open > 0 {
            return Some((used + spaces, *field));
        }
    }
    None
}

fn first_url(text: &str) -> Option<String> {
    let start = text.find("https://").or_else(|| text.find("http://"))?;
    let url: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .collect();
    let url = url.trim_end_matches(['.', ',', ';', ')', ']', '}', '!', '?']);
    (url.len() > "https://".len() - 1 && url.contains("://") && url.len() <= 2_000)
        .then(|| url.to_string())
        .filter(|u| u.split("://").nth(1).is_some_and(|h| !h.is_empty()))
}

/// `【城建】路灯不亮` keeps its tag; only brackets around the whole title go.
fn strip_brackets(t: &str) -> String {
    let t = t.trim();
    t.strip_prefix('《')
        .and_then(|x| x.strip_suffix('》'))
        .unwrap_or(t)
        .trim()
        .to_string()
}

/// `2026-11-20 09:31(:12)`, `2026/11/20 9:31`, `2026年11月20日 09:31`, `2026.11.20 09:31`
/// or a date alone → `2026-11-20 09:31`.
fn parse_time(t: &str) -> Option<String> {
    let norm: String = t
        .trim()
        .replace(['年', '月', '/', '.'], "-")
        .replace(['日', 'T'], " ")
        .replace('：', ":");
    let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ");
    for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&norm, fmt) {
            return Some(dt.format("%Y-%m-%d %H:%M").to_string());
        }
    }
    chrono::NaiveDate::parse_from_str(&norm, "%Y-%m-%d")
        .ok()
        .map(|d| format!("{} 00:00", d.format("%Y-%m-%d")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_labelled_page_with_one_field_a_line() {
        let text = "留言标题：小区门口路灯长期不亮\n留言时间：2026-11-20 09:31:12\n留言人：热心市民\n联系电话：13800138000\n留言内容：城南小区门口的路灯已经坏了一个多月，\n晚上出行很不安全。\n\n希望尽快修复。\nhttps://liuyan.example.gov.cn/thread/123456\n";
        let m = parse_platform_text(text);
        assert_eq!(m.title.as_deref(), Some("小区门口路灯长期不亮"));
        assert_eq!(m.received_at.as_deref(), Some("2026-11-20 09:31"));
        assert_eq!(m.poster.as_deref(), Some("热心市民"));
        assert_eq!(m.phone.as_deref(), Some("13800138000"));
        assert_eq!(
            m.content.as_deref(),
            Some("城南小区门口的路灯已经坏了一个多月，\n晚上出行很不安全。\n\n希望尽快修复。")
        );
        assert_eq!(
            m.link.as_deref(),
            Some("https://liuyan.example.gov.cn/thread/123456")
        );
        assert!(m.notes.is_empty(), "{:?}", m.notes);
    }

    #[test]
    fn several_fields_on_one_line_and_values_under_their_labels() {
        let text = "标题\r\n关于镇中学门口交通拥堵的建议\r\n网民：匿名网友　　时间：2026年11月3日 17:05\r\n内容\r\n每天放学时段车辆乱停，\r\n建议增设临时停车点。\r\n原文链接：https://bbs.example.com/t/9988?from=copy。\r\n";
        let m = parse_platform_text(text);
        assert_eq!(m.title.as_deref(), Some("关于镇中学门口交通拥堵的建议"));
        assert_eq!(m.poster.as_deref(), Some("匿名网友"));
        assert_eq!(m.received_at.as_deref(), Some("2026-11-03 17:05"));
        assert_eq!(
            m.content.as_deref(),
            Some("每天放学时段车辆乱停，\n建议增设临时停车点。")
        );
        assert_eq!(
            m.link.as_deref(),
            Some("https://bbs.example.com/t/9988?from=copy")
        );
        assert!(m.notes.iter().all(|n| !n.contains("链接")), "{:?}", m.notes);
    }

    #[test]
    fn bracketed_labels_and_slash_dates() {
        let text = "【主题】村道破损严重\n【发布时间】2026/10/8 8:05\n【留言者】张三 | 【联系方式】0851-1234567\n【问题描述】村里的道路坑洼不平。";
        let m = parse_platform_text(text);
        assert_eq!(m.title.as_deref(), Some("村道破损严重"));
        assert_eq!(m.received_at.as_deref(), Some("2026-10-08 08:05"));
        assert_eq!(m.poster.as_deref(), Some("张三"));
        assert_eq!(m.phone.as_deref(), Some("0851-1234567"));
        assert_eq!(m.content.as_deref(), Some("村里的道路坑洼不平。"));
        assert_eq!(m.notes, vec!["没有找到链接".to_string()]);
    }

    #[test]
    fn unlabelled_text_gives_a_title_and_content_and_says_what_is_missing() {
        let text = "菜市场周边噪音扰民\n凌晨三点就开始卸货，吵得人睡不着。\nhttp://example.org/a/1";
        let m = parse_platform_text(text);
        assert_eq!(m.title.as_deref(), Some("菜市场周边噪音扰民"));
        assert_eq!(
            m.content.as_deref(),
            Some("凌晨三点就开始卸货，吵得人睡不着。")
        );
        assert_eq!(m.link.as_deref(), Some("http://example.org/a/1"));
        assert!(m.notes.contains(&"没有找到留言时间".to_string()));
        assert!(m.notes.contains(&"没有找到留言人".to_string()));
        assert_eq!(m.phone, None);
    }

    #[test]
    fn masked_phones_and_bad_times_are_left_for_the_clerk() {
        let text =
            "标题：反映供水问题\n留言时间：昨天下午\n联系电话：138****8000\n留言内容：停水三天了。";
        let m = parse_platform_text(text);
        assert_eq!(m.phone, None);
        assert_eq!(m.received_at, None);
        assert!(m.notes.iter().any(|n| n.contains("138****8000")));
        assert!(m.notes.iter().any(|n| n.contains("昨天下午")));
    }

    #[test]
    fn hostile_text_stays_text() {
        let text = "标题：<img src=x onerror=alert(1)>\u{0}\u{202e}\n留言内容：<script>alert('x')</script>\u{7}\n点此 javascript:alert(1) 或 <a href=\"https://evil.example/x\">这里</a>\n留言人：'; DROP TABLE cases; --";
        let m = parse_platform_text(text);
        assert_eq!(m.title.as_deref(), Some("<img src=x onerror=alert(1)>"));
        let content = m.content.unwrap();
        assert!(
            content.starts_with("<script>alert('x')</script>"),
            "{content}"
        );
        assert!(!content.chars().any(|c| c.is_control() && c != '\n'));
        assert_eq!(m.link.as_deref(), Some("https://evil.example/x"));
        assert_eq!(m.poster.as_deref(), Some("'; DROP TABLE cases; --"));
    }

    #[test]
    fn empty_and_huge_pastes() {
        let m = parse_platform_text("   \n\n");
        assert_eq!(m.title, None);
        assert_eq!(m.content, None);
        assert!(m.notes.contains(&"没有找到标题".to_string()));
        let huge = format!(
            "标题：长文\n留言内容：{}",
            "字".repeat(MAX_PASTE_CHARS + 10)
        );
        let m = parse_platform_text(&huge);
        assert!(m.notes[0].contains("只识别了前"));
        assert!(m.content.unwrap().chars().count() < MAX_PASTE_CHARS);
    }

    #[test]
    fn a_label_word_inside_the_text_is_not_a_label() {
        let text = "标题：时间太久了\n留言内容：时间过去两个月了，电话打了也没人接。\n我的电话是这个：不方便留";
        let m = parse_platform_text(text);
        assert_eq!(m.title.as_deref(), Some("时间太久了"));
        // "我的电话是这个：" does not start with a label; it stays in the content.
        assert_eq!(
            m.content.as_deref(),
            Some("时间过去两个月了，电话打了也没人接。\n我的电话是这个：不方便留")
        );
        assert_eq!(m.phone, None);
    }
}
