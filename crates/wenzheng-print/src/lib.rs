//! # wenzheng-print
//!
//! The printed documents of 网络问政办理系统 as PDF in the layout of GB/T 9704-2012
//! (党政机关公文格式): 书面反馈, 交办通知单, 催办通知单, 信息专报 and the 月报 (with ruled
//! tables and vector charts). Fonts are the official ones when the PC has them and allows
//! embedding, otherwise the shipped Noto Serif SC; rare characters (CJK Extension B–H) come
//! from shipped fallback faces; every font is subset-embedded. This crate does not depend
//! on Tauri.
//!
//! ```no_run
//! # async fn demo(svc: &wenzheng_core::Service, ctx: &wenzheng_core::Ctx) -> Result<(), wenzheng_print::PrintError> {
//! use wenzheng_core::service::documents::DocKind;
//! let printer = wenzheng_print::Printer::new(&Default::default())?; // parse the fonts once
//! let issued = svc.issue_document(ctx, "WZ-2026-000001", DocKind::Feedback).await?;
//! let detail = svc.case_detail(ctx, "WZ-2026-000001").await?;
//! let doc = printer.render(&detail, &issued, ctx.now.date_naive());
//! std::fs::write("feedback.pdf", &doc.pdf)?;
//! # Ok(()) }
//! ```

pub mod documents;
pub mod dossier;
pub mod fonts;
pub mod graphics;
pub mod layout;
pub mod linebreak;
pub mod monthly;
pub mod output;
mod pen;
pub mod spool;

use chrono::NaiveDate;
use wenzheng_core::service::documents::IssuedDocument;
use wenzheng_core::view::CaseDetail;

pub use fonts::{FontChoice, FontOptions, FontSet, Role};
pub use graphics::{Chart, Column, Series, Table};
pub use layout::{Block, Rendered};
pub use output::{DocRequest, Numbering, Produced};

/// What can go wrong while printing.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// A font could not be found, read or parsed.
    #[error("字体错误：{0}")]
    Font(String),
    /// A core operation failed or was refused.
    #[error(transparent)]
    Core(#[from] wenzheng_core::Error),
    /// Reading or writing a file failed.
    #[error("文件读写错误：{0}")]
    Io(#[from] std::io::Error),
}

/// Renders documents with one set of parsed fonts; create it once and reuse it.
#[derive(Debug)]
pub struct Printer {
    fonts: FontSet,
}

impl Printer {
    /// Finds and parses the fonts.
    pub fn new(opts: &FontOptions) -> Result<Printer, PrintError> {
        Ok(Printer {
            fonts: FontSet::load(opts)?,
        })
    }

    /// The fonts in use: [`FontSet::choices`] says which ones stood in for the official fonts.
    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }

    /// Renders the document `issued` about the case `detail`, dated `date`.
    pub fn render(
        &self,
        detail: &CaseDetail,
        issued: &IssuedDocument,
        date: NaiveDate,
    ) -> Rendered {
        let (title, blocks) = documents::blocks(detail, issued, date);
        self.render_blocks(&title, &blocks)
    }

    /// Renders arbitrary blocks (for documents composed elsewhere).
    pub fn render_blocks(&self, title: &str, blocks: &[Block]) -> Rendered {
        layout::render(&self.fonts, title, blocks)
    }
}
