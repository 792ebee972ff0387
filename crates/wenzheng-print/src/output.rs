//! One request shape for every printed document, shared by the CLI and the desktop's
//! `output_document` command: which document ([`DocRequest`]), then [`Printer::produce`]
//! issues its number (case documents) or reads the month's figures (月报) and renders it.

use serde::Deserialize;
use wenzheng_core::service::documents::DocKind;
use wenzheng_core::{Ctx, Service};

use crate::{monthly, PrintError, Printer, Rendered};

/// Which document to produce: `{"kind": "feedback", "case": "WZ-2026-000001"}` or
/// `{"kind": "monthly", "month": "2026-11"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocRequest {
    /// 书面反馈 of the case's latest written feedback (第N次).
    Feedback {
        /// Case id or number.
        case: String,
    },
    /// 交办通知单.
    Notice {
        /// Case id or number.
        case: String,
    },
    /// 催办通知单 of the latest urging.
    Urge {
        /// Case id or number.
        case: String,
    },
    /// 信息专报 of an important or sensitive case.
    Brief {
        /// Case id or number.
        case: String,
    },
    /// 月报 of a month.
    Monthly {
        /// `YYYY-MM`.
        month: String,
    },
    /// 案卷 of a closed or archived case (takes no 文号).
    Dossier {
        /// Case id or number.
        case: String,
    },
}

impl DocRequest {
    /// The numbered case document's kind; `None` for the monthly report and the dossier.
    pub fn doc_kind(&self) -> Option<(DocKind, &str)> {
        match self {
            DocRequest::Feedback { case } => Some((DocKind::Feedback, case)),
            DocRequest::Notice { case } => Some((DocKind::Notice, case)),
            DocRequest::Urge { case } => Some((DocKind::Urge, case)),
            DocRequest::Brief { case } => Some((DocKind::Brief, case)),
            DocRequest::Monthly { .. } | DocRequest::Dossier { .. } => None,
        }
    }

    /// Stable code: `feedback`, `notice`, `urge`, `brief`, `monthly`, `dossier`.
    pub fn code(&self) -> &'static str {
        match self {
            DocRequest::Monthly { .. } => "monthly",
            DocRequest::Dossier { .. } => "dossier",
            _ => self.doc_kind().map_or("", |(k, _)| k.code()),
        }
    }

    /// Chinese name.
    pub fn label(&self) -> &'static str {
        match self {
            DocRequest::Monthly { .. } => "月报",
            DocRequest::Dossier { .. } => "案卷",
            _ => self.doc_kind().map_or("", |(k, _)| k.label()),
        }
    }

    /// The case the document is about, as asked (id or number); `None` for the 月报.
    pub fn case(&self) -> Option<&str> {
        match self {
            DocRequest::Monthly { .. } => None,
            DocRequest::Dossier { case } => Some(case),
            _ => self.doc_kind().map(|(_, c)| c),
        }
    }
}

/// A rendered document and what was issued for it.
#[derive(Debug, Clone)]
pub struct Produced {
    /// Stable code of the document.
    pub kind: &'static str,
    /// Chinese name of the document.
    pub label: &'static str,
    /// The case's number (case documents).
    pub case: Option<String>,
    /// 文号 issued (case documents).
    pub number: Option<String>,
    /// Which written feedback (第N次).
    pub feedback_seq: Option<i64>,
    /// The document's title.
    pub title: String,
    /// The PDF.
    pub rendered: Rendered,
}

impl Produced {
    /// A file name for the PDF, e.g. `WZ-2026-000001 书面反馈 镇网政〔2026〕3号.pdf`,
    /// `WZ-2026-000001 案卷.pdf` or `2026年11月网络问政工作情况通报.pdf`; characters no file
    /// system takes become `_`.
    pub fn file_name(&self) -> String {
        let stem = match (&self.case, &self.number) {
            (Some(c), Some(n)) => format!("{c} {} {n}", self.label),
            (Some(c), None) => format!("{c} {}", self.label),
            _ => self.title.clone(),
        };
        let safe: String = stem
            .chars()
            .map(|c| {
                if matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
                    || c.is_control()
                {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!("{safe}.pdf")
    }

    /// The print job's title: 文号 and name, or the title.
    pub fn job_title(&self) -> String {
        match &self.number {
            Some(n) => format!("{n} {}", self.label),
            None => self.title.clone(),
        }
    }
}

/// Whether a case document takes its 文号.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// Use up the next number and log it on the case's timeline (save, print).
    Issue,
    /// Show the number the next document would take, marked （预览）; nothing is written.
    Draft,
}

impl Printer {
    /// Produces the document `req` asks for, dated `ctx.now`: a case document uses up the
    /// next 文号 (and is logged on the case's timeline by the core) or, as a draft, shows
    /// it; the monthly report reads the month's figures (roles that see every case).
    pub async fn produce(
        &self,
        svc: &Service,
        ctx: &Ctx,
        req: &DocRequest,
        numbering: Numbering,
    ) -> Result<Produced, PrintError> {
        let date = ctx.now.date_naive();
        match req {
            DocRequest::Monthly { month } => {
                let report = svc.monthly_report(ctx, month.trim()).await?;
                let settings = svc.doc_settings().await?;
                let (title, blocks) = monthly::blocks(&report, &settings, date);
                let rendered = self.render_blocks(&title, &blocks);
                Ok(Produced {
                    kind: req.code(),
                    label: req.label(),
                    case: None,
                    number: None,
                    feedback_seq: None,
                    title,
                    rendered,
                })
            }
            DocRequest::Dossier { case } => {
                let d = svc.case_dossier(ctx, case).await?;
                let (title, blocks) = crate::dossier::blocks(&d, date);
                let rendered = self.render_blocks(&title, &blocks);
                Ok(Produced {
                    kind: req.code(),
                    label: req.label(),
                    case: Some(d.detail.case.number.clone()),
                    number: None,
                    feedback_seq: None,
                    title,
                    rendered,
                })
            }
            _ => {
                let (kind, case) = req.doc_kind().expect("a case document");
                let issued = match numbering {
                    Numbering::Issue => svc.issue_document(ctx, case, kind).await?,
                    Numbering::Draft => {
                        let mut draft = svc.draft_document(ctx, case, kind).await?;
                        draft.number.push_str("（预览）");
                        draft
                    }
                };
                let detail = svc.case_detail(ctx, case).await?;
                let (title, blocks) = crate::documents::blocks(&detail, &issued, date);
                let rendered = self.render_blocks(&title, &blocks);
                Ok(Produced {
                    kind: req.code(),
                    label: req.label(),
                    case: Some(issued.case_number),
                    number: Some(issued.number),
                    feedback_seq: issued.feedback_seq,
                    title,
                    rendered,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn produced(case: Option<&str>, number: Option<&str>, title: &str) -> Produced {
        Produced {
            kind: "feedback",
            label: "书面反馈",
            case: case.map(str::to_string),
            number: number.map(str::to_string),
            feedback_seq: None,
            title: title.into(),
            rendered: Rendered {
                pdf: Vec::new(),
                pages: 1,
                missing: Vec::new(),
                rare_faces: Vec::new(),
            },
        }
    }

    #[test]
    fn file_names_are_safe_and_say_what_they_hold() {
        let p = produced(Some("WZ-2026-000001"), Some("镇网政〔2026〕3号"), "x");
        assert_eq!(
            p.file_name(),
            "WZ-2026-000001 书面反馈 镇网政〔2026〕3号.pdf"
        );
        assert_eq!(p.job_title(), "镇网政〔2026〕3号 书面反馈");
        let mut d = produced(Some("WZ-2026-000002"), None, "案卷");
        d.label = "案卷";
        assert_eq!(d.file_name(), "WZ-2026-000002 案卷.pdf");
        let m = produced(None, None, "关于“a/b:c”\n的通报");
        assert_eq!(m.file_name(), "关于“a_b_c”_的通报.pdf");
    }

    #[test]
    fn requests_read_the_ipc_shape() {
        let r: DocRequest =
            serde_json::from_str(r#"{"kind":"urge","case":"WZ-2026-000001"}"#).unwrap();
        assert_eq!(
            r,
            DocRequest::Urge {
                case: "WZ-2026-000001".into()
            }
        );
        let m: DocRequest =
            serde_json::from_str(r#"{"kind":"monthly","month":"2026-11"}"#).unwrap();
        assert_eq!((m.code(), m.label()), ("monthly", "月报"));
        let d: DocRequest =
            serde_json::from_str(r#"{"kind":"dossier","case":"WZ-2026-000002"}"#).unwrap();
        assert_eq!((d.code(), d.label()), ("dossier", "案卷"));
        assert_eq!((d.case(), d.doc_kind()), (Some("WZ-2026-000002"), None));
        assert_eq!(r.case(), Some("WZ-2026-000001"));
        assert_eq!(m.case(), None);
        assert!(serde_json::from_str::<DocRequest>(r#"{"kind":"feedback"}"#).is_err());
    }
}
