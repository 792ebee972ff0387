//! Printed documents: the settings that head them (发文机关, office, recipients) and the
//! per-year document numbers (文号, e.g. 镇网政〔2026〕12号). Rendering is the job of the
//! `wenzheng-print` crate; this module only decides what may be issued and records it.

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::record::{active_units, event, load_case, put_setting, CaseRow};
use super::{optional, Ctx, Service};
use crate::auth::{self, Permission};
use crate::clock::format_instant;
use crate::error::{Error, Result};

/// A kind of printed document about one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// 书面反馈 to 县信访局 and 县委办督查室.
    Feedback,
    /// 交办通知单 to the handling units.
    Notice,
    /// 催办通知单.
    Urge,
    /// 信息专报 of an important or sensitive item to the town leaders.
    Brief,
}

impl DocKind {
    /// Stable code (`feedback`, `notice`, `urge`, `brief`).
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Feedback => "feedback",
            DocKind::Notice => "notice",
            DocKind::Urge => "urge",
            DocKind::Brief => "brief",
        }
    }

    /// The permission needed to issue this document.
    pub fn permission(self) -> Permission {
        match self {
            DocKind::Feedback => Permission::Feedback,
            DocKind::Notice => Permission::Assign,
            DocKind::Urge => Permission::Urge,
            DocKind::Brief => Permission::Register,
        }
    }

    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            DocKind::Feedback => "书面反馈",
            DocKind::Notice => "交办通知单",
            DocKind::Urge => "催办通知单",
            DocKind::Brief => "信息专报",
        }
    }
}

/// The names printed on documents; an administrator sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocSettings {
    /// 发文机关 (issuing organ), e.g. 某某镇人民政府.
    pub organ: String,
    /// The office that handles the messages, e.g. 某某镇网络问政工作办公室.
    pub office: String,
    /// 机关代字 of the document numbers, e.g. 镇网政 (→ 镇网政〔2026〕12号).
    pub code: String,
    /// 主送 of the written feedback.
    pub feedback_to: String,
    /// 主送 of the briefing.
    pub brief_to: String,
}

/// Changes to [`DocSettings`]; `None` keeps a value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DocSettingsPatch {
    /// New 发文机关.
    pub organ: Option<String>,
    /// New office name.
    pub office: Option<String>,
    /// New 机关代字.
    pub code: Option<String>,
    /// New recipients of the feedback.
    pub feedback_to: Option<String>,
    /// New recipients of the briefing.
    pub brief_to: Option<String>,
}

/// A document number issued for one case, with everything needed to print it.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedDocument {
    /// What document.
    pub kind: DocKind,
    /// The case's number.
    pub case_number: String,
    /// Year of the number.
    pub year: i32,
    /// Sequence in the year.
    pub seq: i64,
    /// 文号, e.g. 镇网政〔2026〕12号.
    pub number: String,
    /// For a feedback: which one (第N次).
    pub feedback_seq: Option<i64>,
    /// The settings at the time of issue.
    pub settings: DocSettings,
    /// When it was issued.
    pub issued_at: String,
}

const KEYS: [&str; 5] = [
    "doc.organ",
    "doc.office",
    "doc.code",
    "doc.feedback_to",
    "doc.brief_to",
];

async fn read_settings(conn: &mut sqlx::AnyConnection) -> Result<DocSettings> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'doc.%'")
            .fetch_all(&mut *conn)
            .await?;
    let get = |k: &str| {
        rows.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| Error::Corrupt(format!("缺少设置项 {k}")))
    };
    Ok(DocSettings {
        organ: get("doc.organ")?,
        office: get("doc.office")?,
        code: get("doc.code")?,
        feedback_to: get("doc.feedback_to")?,
        brief_to: get("doc.brief_to")?,
    })
}

impl Service {
    /// The names printed on documents.
    pub async fn doc_settings(&self) -> Result<DocSettings> {
        let mut conn = self.db.pool().acquire().await?;
        read_settings(&mut conn).await
    }

    /// Changes the names printed on documents (administrators only).
    pub async fn set_doc_settings(
        &self,
        ctx: &Ctx,
        patch: DocSettingsPatch,
    ) -> Result<DocSettings> {
        if ctx.actor.role != crate::model::Role::Admin {
            return Err(Error::Forbidden("只有管理员可以修改公文设置".into()));
        }
        let values = [
            optional("发文机关", patch.organ.as_deref(), 60)?,
            optional("办公室名称", patch.office.as_deref(), 60)?,
            optional("机关代字", patch.code.as_deref(), 20)?,
            optional("书面反馈主送", patch.feedback_to.as_deref(), 200)?,
            optional("信息专报主送", patch.brief_to.as_deref(), 200)?,
        ];
        let mut tx = self.db.write().await?;
        let before = read_settings(&mut tx).await?;
        for (key, value) in KEYS.iter().zip(values) {
            if let Some(v) = value {
                put_setting(&mut tx, ctx, key, &v).await?;
            }
        }
        let after = read_settings(&mut tx).await?;
        event(
            &mut tx,
            ctx,
            None,
            "doc_settings",
            "修改公文设置",
            Some(json!(before)),
            Some(json!(after)),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records on the case's timeline that a document was sent to a printer.
    pub async fn record_print(
        &self,
        ctx: &Ctx,
        key: &str,
        document_number: &str,
        printer: &str,
        job: &str,
    ) -> Result<()> {
        let mut tx = self.db.write().await?;
        let case = load_case(&mut tx, key).await?;
        let summary = format!("打印 {document_number}（打印机 {printer}，任务 {job}）");
        let after =
            serde_json::json!({ "document": document_number, "printer": printer, "job": job });
        event(
            &mut tx,
            ctx,
            Some(case.id),
            "print",
            &summary,
            None,
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues the next document number of the year for a document about a case, after
    /// checking that the case has what the document reports: a written feedback (feedback),
    /// an assigned unit (notice), an urging (urge), the important or sensitive flag (brief).
    /// Records the number and logs an event on the case's timeline.
    pub async fn issue_document(
        &self,
        ctx: &Ctx,
        key: &str,
        kind: DocKind,
    ) -> Result<IssuedDocument> {
        auth::require(ctx.actor.role, kind.permission())?;
        let mut tx = self.db.write().await?;
        let (case, feedback_seq) = check_issuable(&mut tx, key, kind).await?;
        let settings = read_settings(&mut tx).await?;
        let year = ctx.now.year();
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO counters (name, year, value) VALUES ('doc', $1, 1)
             ON CONFLICT (name, year) DO UPDATE SET value = counters.value + 1 RETURNING value",
        )
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
        let number = format!("{}〔{year}〕{seq}号", settings.code);
        let issued_at = format_instant(&ctx.now);
        sqlx::query(
            "INSERT INTO documents (case_id, kind, year, seq, number, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(case.id)
        .bind(kind.code())
        .bind(year)
        .bind(seq)
        .bind(&number)
        .bind(&issued_at)
        .bind(ctx.actor.id)
        .execute(&mut *tx)
        .await?;
        let which = feedback_seq
            .map(|n| format!("（第{n}次）"))
            .unwrap_or_default();
        event(
            &mut tx,
            ctx,
            Some(case.id),
            "document",
            &format!("打印{}{which}，文号{number}", kind.label()),
            None,
            Some(json!({ "kind": kind.code(), "number": number, "feedback_seq": feedback_seq })),
        )
        .await?;
        tx.commit().await?;
        Ok(IssuedDocument {
            kind,
            case_number: case.number,
            year,
            seq,
            number,
            feedback_seq,
            settings,
            issued_at,
        })
    }

    /// What [`Service::issue_document`] would issue now, for a preview: the same checks,
    /// the number the next document of the year would take, and nothing written (no
    /// number is used up, nothing is logged).
    pub async fn draft_document(
        &self,
        ctx: &Ctx,
        key: &str,
        kind: DocKind,
    ) -> Result<IssuedDocument> {
        auth::require(ctx.actor.role, kind.permission())?;
        // One read transaction: a consistent snapshot.
        let mut tx = self.db.pool().begin().await?;
        let (case, feedback_seq) = check_issuable(&mut tx, key, kind).await?;
        let settings = read_settings(&mut tx).await?;
        let year = ctx.now.year();
        let used: Option<i64> =
            sqlx::query_scalar("SELECT value FROM counters WHERE name = 'doc' AND year = $1")
                .bind(year)
                .fetch_optional(&mut *tx)
                .await?;
        tx.commit().await?;
        let seq = used.unwrap_or(0) + 1;
        Ok(IssuedDocument {
            kind,
            case_number: case.number,
            year,
            seq,
            number: format!("{}〔{year}〕{seq}号", settings.code),
            feedback_seq,
            settings,
            issued_at: format_instant(&ctx.now),
        })
    }
}

/// Checks that the case `key` has what a document of `kind` reports; returns the case and,
/// for a feedback, which one (第N次).
async fn check_issuable(
    conn: &mut sqlx::AnyConnection,
    key: &str,
    kind: DocKind,
) -> Result<(CaseRow, Option<i64>)> {
    let case = load_case(&mut *conn, key).await?;
    let refuse = |why: &str| {
        Err(Error::IllegalStep(format!(
            "{}：{why}，不能打印{}",
            case.number,
            kind.label()
        )))
    };
    let mut feedback_seq = None;
    match kind {
        DocKind::Feedback => {
            feedback_seq = sqlx::query_scalar("SELECT MAX(seq) FROM feedbacks WHERE case_id = $1")
                .bind(case.id)
                .fetch_one(&mut *conn)
                .await?;
            if feedback_seq.is_none() {
                return refuse("案件还没有出具书面反馈（先执行 case feedback）");
            }
        }
        DocKind::Notice => {
            if active_units(&mut *conn, case.id).await?.is_empty() {
                return refuse("案件当前没有承办单位（先交办）");
            }
        }
        DocKind::Urge => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM urgings WHERE case_id = $1")
                .bind(case.id)
                .fetch_one(&mut *conn)
                .await?;
            if n == 0 {
                return refuse("案件还没有催办记录（先催办）");
            }
        }
        DocKind::Brief => {
            if !case.important && !case.sensitive {
                return refuse("案件未标记为重要信息或敏感信息");
            }
        }
    }
    Ok((case, feedback_seq))
}
