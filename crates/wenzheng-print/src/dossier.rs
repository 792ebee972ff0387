//! The dossier (案卷) of a closed case, for archiving: the case's fields, its whole
//! timeline, the texts of its replies, instructions, urgings, progress reports,
//! extensions, follow-ups and written feedbacks as recorded, the numbers of the documents
//! issued for it, and the list of its attachments (names, sizes, SHA-256). Laid out with
//! [`crate::layout`] like the other documents. The yearly archive export
//! ([`export_year`]) writes each archived case's dossier beside its attachment files, the
//! year's register and a manifest of SHA-256 sums.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use sha2::{Digest, Sha256};
use wenzheng_core::clock::{chinese_date, parse_stored};
use wenzheng_core::model::{Satisfaction, UrgeLevel};
use wenzheng_core::privacy::{mask_phone, mask_phones_in_text};
use wenzheng_core::report::export::write_register_xlsx;
use wenzheng_core::service::Dossier;
use wenzheng_core::{Ctx, Service};

use crate::layout::Block;
use crate::{PrintError, Printer};

/// `2026-02-02T09:00:00+08:00` → `2026年2月2日 09:00`.
fn when(stored: &str) -> String {
    parse_stored(stored)
        .map(|t| format!("{} {}", chinese_date(t.date_naive()), t.format("%H:%M")))
        .unwrap_or_else(|_| stored.to_string())
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} 字节")
    }
}

fn field(label: &str, value: impl Into<String>) -> Block {
    Block::Field(format!("{label}："), value.into())
}

fn text(t: &str) -> String {
    mask_phones_in_text(t).replace('\n', " ")
}

/// The title and blocks of the dossier of `d`, dated `date`.
pub fn blocks(d: &Dossier, date: NaiveDate) -> (String, Vec<Block>) {
    let detail = &d.detail;
    let c = &detail.case;
    let title = format!("网络问政案卷（{}）", c.number);
    let mut b = vec![Block::Title(title.clone()), Block::Blank];

    b.push(Block::Heading("一、基本情况".into()));
    b.push(field("案件编号", c.number.clone()));
    b.push(field("标　　题", c.title.clone()));
    b.push(field("来源平台", c.source.clone()));
    if let Some(link) = &c.link {
        b.push(field("链　　接", link.clone()));
    }
    if let Some(p) = &c.poster {
        b.push(field("网民昵称", p.clone()));
    }
    if let Some(p) = &c.phone {
        b.push(field("联系电话", mask_phone(p)));
    }
    b.push(field("问题类别", c.category.clone()));
    let mut flags = Vec::new();
    if c.important {
        flags.push("重要信息");
    }
    if c.sensitive {
        flags.push("敏感信息");
    }
    if c.complexity == "complex" {
        flags.push("复杂问题");
    }
    if !flags.is_empty() {
        b.push(field("标　　记", flags.join("、")));
    }
    b.push(field("收到时间", when(&c.received_at)));
    b.push(field("登记时间", when(&c.registered_at)));
    let units: Vec<String> = c
        .units
        .iter()
        .map(|u| {
            let role = if u.role == "lead" { "主办" } else { "协办" };
            format!("{}（{role}）", u.unit)
        })
        .collect();
    if !units.is_empty() {
        b.push(field("承办单位", units.join("、")));
    }
    b.push(field("答复期限", c.reply_due.clone()));
    b.push(field("状　　态", c.status_name.clone()));
    if let Some(t) = &c.closed_at {
        b.push(field("办结时间", when(t)));
    }
    if let Some(r) = &c.result {
        b.push(field("办理结果", text(r)));
    }
    if let Some(t) = &c.archived_at {
        b.push(field("归档时间", when(t)));
    }

    b.push(Block::Heading("二、留言内容".into()));
    b.extend(
        mask_phones_in_text(&c.content)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| Block::Para(l.to_string())),
    );

    b.push(Block::Heading("三、办理过程".into()));
    for e in &detail.events {
        b.push(Block::Para(format!(
            "{}，{}：{}",
            when(&e.at),
            e.actor,
            text(&e.summary)
        )));
    }

    b.push(Block::Heading("四、文书".into()));
    let mut sub = 0;
    let mut section = |b: &mut Vec<Block>, name: &str, items: Vec<String>| {
        if items.is_empty() {
            return;
        }
        sub += 1;
        b.push(Block::SubHeading(format!(
            "（{}）{name}",
            chinese_number(sub)
        )));
        b.extend(items.into_iter().map(Block::Para));
    };
    section(
        &mut b,
        "答复网民",
        detail
            .replies
            .iter()
            .map(|r| {
                let kind = match r.kind.as_str() {
                    "acknowledgment" => "受理回复",
                    "final" => "最终答复",
                    _ => "阶段性答复",
                };
                let published = r
                    .published_at
                    .as_deref()
                    .map(|p| format!("（{}在“部门回应”栏目发布）", when(p)))
                    .unwrap_or_default();
                format!(
                    "{}，{kind}：{}{published}",
                    when(&r.created_at),
                    text(&r.text)
                )
            })
            .collect(),
    );
    section(
        &mut b,
        "领导批示",
        detail
            .instructions
            .iter()
            .map(|i| {
                format!(
                    "{}，{}批示：{}",
                    when(&i.created_at),
                    i.leader,
                    text(&i.text)
                )
            })
            .collect(),
    );
    section(
        &mut b,
        "催办",
        detail
            .urgings
            .iter()
            .map(|u| {
                let level = u
                    .level
                    .parse::<UrgeLevel>()
                    .map_or(u.level.clone(), |l| l.label().to_string());
                format!(
                    "{}，催办{}（{level}）：{}",
                    when(&u.created_at),
                    u.unit,
                    text(&u.text)
                )
            })
            .collect(),
    );
    section(
        &mut b,
        "承办单位办理情况",
        detail
            .progress
            .iter()
            .map(|p| format!("{}，{}：{}", when(&p.created_at), p.unit, text(&p.text)))
            .collect(),
    );
    section(
        &mut b,
        "延期",
        detail
            .extensions
            .iter()
            .map(|e| {
                format!(
                    "{}，延期 {} 个工作日（{}批准）：{}",
                    when(&e.created_at),
                    e.days,
                    e.approved_by,
                    text(&e.reason)
                )
            })
            .collect(),
    );
    section(
        &mut b,
        "书面反馈",
        detail
            .feedbacks
            .iter()
            .map(|f| {
                format!(
                    "{}，第{}次书面反馈，报{}",
                    when(&f.created_at),
                    f.seq,
                    f.recipients
                )
            })
            .collect(),
    );
    section(
        &mut b,
        "回访",
        detail
            .followups
            .iter()
            .map(|f| {
                let s = f
                    .satisfaction
                    .parse::<Satisfaction>()
                    .map_or(f.satisfaction.clone(), |s| s.label().to_string());
                let note = f.note.as_deref().map(text).unwrap_or_default();
                format!("{}，回访结果：{s}。{note}", when(&f.created_at))
            })
            .collect(),
    );
    section(
        &mut b,
        "印发公文",
        d.documents
            .iter()
            .map(|doc| {
                format!(
                    "{}，{}，{}",
                    when(&doc.created_at),
                    doc.kind_name,
                    doc.number
                )
            })
            .collect(),
    );
    if sub == 0 {
        b.push(Block::Para("无。".into()));
    }

    b.push(Block::Heading("五、附件清单".into()));
    if detail.attachments.is_empty() {
        b.push(Block::Para("无附件。".into()));
    }
    for (i, a) in detail.attachments.iter().enumerate() {
        b.push(Block::Para(format!(
            "{}. {}，{}，SHA-256：{}",
            i + 1,
            a.file_name,
            size_text(a.size),
            a.sha256
        )));
    }
    b.push(Block::Signature {
        organ: d.office.clone(),
        date: chinese_date(date),
    });
    (title, b)
}

fn chinese_number(n: usize) -> &'static str {
    const N: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
    N.get(n.wrapping_sub(1)).copied().unwrap_or("十")
}

/// One file of an archive export, as listed in its manifest.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Path relative to the export folder, with `/`.
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the file, hex.
    pub sha256: String,
}

/// The manifest (`manifest.json`) of a yearly archive export.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    /// The year exported.
    pub year: i32,
    /// When the export was made.
    pub generated_at: String,
    /// The archived cases, by number.
    pub cases: Vec<String>,
    /// Every file written except the manifest itself.
    pub files: Vec<ManifestEntry>,
}

fn write_file(
    dir: &Path,
    rel: &str,
    bytes: &[u8],
    files: &mut Vec<ManifestEntry>,
) -> Result<(), PrintError> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, bytes)?;
    files.push(ManifestEntry {
        path: rel.to_string(),
        size: bytes.len() as u64,
        sha256: hex(&Sha256::digest(bytes)),
    });
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file name without the characters Windows and Linux refuse.
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    if trimmed.is_empty() {
        "附件".into()
    } else {
        trimmed.to_string()
    }
}

/// Writes the archive of `year` into `dir` (created if needed; it must be empty): for each
/// case archived that year, `<number>/案卷.pdf` and its attachments under
/// `<number>/附件/`; the cases received that year as `案件台账-<year>.xlsx`; and
/// `manifest.json` listing every file with its size and SHA-256.
pub async fn export_year(
    svc: &Service,
    ctx: &Ctx,
    printer: &Printer,
    year: i32,
    dir: &Path,
) -> Result<Manifest, PrintError> {
    let numbers = svc.archived_cases(ctx, year).await?;
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(wenzheng_core::Error::Invalid(format!(
            "文件夹 {} 不是空的，请选择一个空文件夹或新文件夹",
            dir.display()
        ))
        .into());
    }
    std::fs::create_dir_all(dir)?;
    let mut files = Vec::new();
    for number in &numbers {
        let dossier = svc.case_dossier(ctx, number).await?;
        let (title, blocks) = blocks(&dossier, ctx.now.date_naive());
        let pdf = printer.render_blocks(&title, &blocks).pdf;
        write_file(dir, &format!("{number}/案卷.pdf"), &pdf, &mut files)?;
        for a in &dossier.detail.attachments {
            let (_, bytes) = svc.attachment(ctx, a.id).await?;
            let rel = format!("{number}/附件/{}-{}", a.id, safe_name(&a.file_name));
            write_file(dir, &rel, &bytes, &mut files)?;
        }
    }
    let prefix = format!("{year}-");
    let rows: Vec<_> = svc
        .case_register(ctx)
        .await?
        .into_iter()
        .filter(|r| r.received_at.starts_with(&prefix))
        .collect();
    let register: PathBuf = dir.join(format!("案件台账-{year}.xlsx"));
    write_register_xlsx(&rows, &register)?;
    let bytes = std::fs::read(&register)?;
    files.push(ManifestEntry {
        path: format!("案件台账-{year}.xlsx"),
        size: bytes.len() as u64,
        sha256: hex(&Sha256::digest(&bytes)),
    });
    let manifest = Manifest {
        year,
        generated_at: wenzheng_core::clock::format_instant(&ctx.now),
        cases: numbers,
        files,
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| std::io::Error::other(e.to_string()))?;
    std::fs::write(dir.join("manifest.json"), json)?;
    Ok(manifest)
}
