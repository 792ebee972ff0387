//! The workflow steps of a case, from acknowledgment to archive. Each is one transaction:
//! it checks the state machine and the input first, writes, and logs one event.

use serde::Deserialize;
use serde_json::{json, Value};
use sqlx::{Any, Transaction};

use crate::sql::Sql;

use super::record::{active_units, event, load_case, save_case, CaseRow};
use super::{optional, required, CaseRef, Ctx, Service};
use crate::auth::{self, Permission};
use crate::calendar::WorkCalendar;
use crate::clock::{format_instant, parse_local};
use crate::error::{Error, Result};
use crate::model::{
    CaseStatus, ReplyKind, Role, Satisfaction, UnitRole, UrgeLevel, FEEDBACK_RECIPIENTS,
    STANDARD_ACK_TEXT,
};
use crate::view::{AssignedUnit, CaseView};
use crate::workflow::{self, Step};

/// What to assign: the units, which of them leads, and the office's requirements.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Assignment {
    /// Names of the units to assign (at least one).
    pub units: Vec<String>,
    /// The lead unit (主办); default: the first unit, unless the case already has a lead.
    pub lead: Option<String>,
    /// 办理要求.
    pub requirements: Option<String>,
}

/// The most working days one extension may add.
pub const MAX_EXTENSION_DAYS: u32 = 30;

/// A step in progress: the open transaction and the case as it was.
struct Run {
    tx: Transaction<'static, Any>,
    case: CaseRow,
    calendar: std::sync::Arc<WorkCalendar>,
    status: CaseStatus,
    units: Vec<AssignedUnit>,
    /// For a unit handler: the only unit it may act for.
    unit_scope: Option<i64>,
}

impl Run {
    fn unit(&self, name: &str) -> Result<&AssignedUnit> {
        let name = name.trim();
        let unit = self.units.iter().find(|u| u.unit == name).ok_or_else(|| {
            Error::Invalid(format!(
                "“{name}”不是案件 {} 当前的承办单位{}",
                self.case.number,
                listing(&self.units)
            ))
        })?;
        match self.unit_scope {
            Some(own) if own != unit.unit_id => Err(Error::Forbidden(format!(
                "您只能以本单位的名义操作，不能代“{name}”操作"
            ))),
            _ => Ok(unit),
        }
    }

    /// Applies the state machine, saves the case and logs the event.
    async fn finish(
        mut self,
        ctx: &Ctx,
        step: Step,
        summary: String,
        detail: Value,
    ) -> Result<CaseView> {
        let units = active_units(&mut self.tx, self.case.id).await?;
        let status = workflow::next(self.status, step, units.len())?;
        let before = json!({
            "status": self.status.code(), "reply_due": self.case.reply_due,
            "working_days": self.case.working_days,
        });
        let deadlines = self.case.deadlines(&self.calendar, units.len())?;
        save_case(&mut self.tx, &self.case, status, &deadlines).await?;
        let mut after = json!({
            "status": status.code(), "reply_due": deadlines.reply_due.to_string(),
            "working_days": deadlines.working_days,
        });
        if let (Value::Object(a), Value::Object(d)) = (&mut after, detail) {
            a.extend(d);
        }
        event(
            &mut self.tx,
            ctx,
            Some(self.case.id),
            step_kind(step),
            &summary,
            Some(before),
            Some(after),
        )
        .await?;
        let row = load_case(&mut self.tx, &self.case.id.to_string()).await?;
        self.tx.commit().await?;
        row.view(&self.calendar, ctx, units)
    }
}

fn listing(units: &[AssignedUnit]) -> String {
    if units.is_empty() {
        "（案件当前没有承办单位）".into()
    } else {
        let names: Vec<&str> = units.iter().map(|u| u.unit.as_str()).collect();
        format!("（当前为：{}）", names.join("、"))
    }
}

pub(super) fn permission(step: Step) -> Permission {
    match step {
        Step::Acknowledge => Permission::Acknowledge,
        Step::Instruct => Permission::Instruct,
        Step::Assign => Permission::Assign,
        Step::Return => Permission::Return,
        Step::Urge => Permission::Urge,
        Step::Progress => Permission::Progress,
        Step::Extend => Permission::Extend,
        Step::InterimReply | Step::FinalReply => Permission::Reply,
        Step::Feedback => Permission::Feedback,
        Step::Close => Permission::Close,
        Step::Archive => Permission::Archive,
        Step::Reopen => Permission::Reopen,
        Step::Merge => Permission::Link,
        Step::FollowUp { .. } => Permission::Reply,
    }
}

pub(super) fn step_kind(step: Step) -> &'static str {
    match step {
        Step::Acknowledge => "acknowledge",
        Step::Instruct => "instruct",
        Step::Assign => "assign",
        Step::Return => "return",
        Step::Urge => "urge",
        Step::Progress => "progress",
        Step::Extend => "extend",
        Step::InterimReply => "reply_interim",
        Step::FinalReply => "reply_final",
        Step::Feedback => "feedback",
        Step::Close => "close",
        Step::Archive => "archive",
        Step::Reopen => "reopen",
        Step::Merge => "merge",
        Step::FollowUp { .. } => "followup",
    }
}

impl Service {
    /// Opens the transaction, loads the case and refuses the step early when the user saw
    /// another version of it, or when its state does not allow it.
    async fn begin(&self, ctx: &Ctx, case: CaseRef<'_>, step: Step) -> Result<Run> {
        // Each step checks its permission before validating input; this is the backstop.
        auth::require(ctx.actor.role, permission(step))?;
        let mut tx = self.db.write().await?;
        let seen = case.expected_version;
        let case = load_case(&mut tx, case.key).await?;
        super::version::check(&mut tx, &case, seen).await?;
        let status = case.status()?;
        if ctx.actor.role == Role::Unit {
            let units = active_units(&mut tx, case.id).await?;
            if !units.iter().any(|u| Some(u.unit_id) == ctx.actor.unit_id) {
                return Err(Error::Forbidden(format!(
                    "案件 {} 不是交由您单位承办的，不能操作",
                    case.number
                )));
            }
        }
        if !step.allowed_from().contains(&status) {
            // Same message as the state machine's, with the case number in front.
            let err = workflow::next(status, step, 0).unwrap_err();
            return Err(Error::IllegalStep(format!("{}：{err}", case.number)));
        }
        let calendar = self.work_calendar(&mut tx).await?;
        let units = active_units(&mut tx, case.id).await?;
        let unit_scope = (ctx.actor.role == Role::Unit)
            .then_some(ctx.actor.unit_id)
            .flatten();
        Ok(Run {
            tx,
            case,
            calendar,
            status,
            units,
            unit_scope,
        })
    }

    /// 受理: records the acknowledgment (the standard text unless another is given).
    pub async fn acknowledge(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        text: Option<&str>,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Acknowledge)?;
        let text = optional("受理回复", text, 2_000)?.unwrap_or_else(|| STANDARD_ACK_TEXT.into());
        let mut run = self.begin(ctx, case.into(), Step::Acknowledge).await?;
        insert_reply(&mut run, ctx, ReplyKind::Acknowledgment, &text, None).await?;
        run.case.acknowledged_at = Some(format_instant(&ctx.now));
        let summary = format!("受理：{text}");
        run.finish(ctx, Step::Acknowledge, summary, json!({ "text": text }))
            .await
    }

    /// 领导批示: records a leader's instruction.
    pub async fn instruct(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        leader: &str,
        text: &str,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Instruct)?;
        let leader = required("批示领导", leader, 50)?;
        let text = required("批示内容", text, 5_000)?;
        let mut run = self.begin(ctx, case.into(), Step::Instruct).await?;
        sqlx::query("INSERT INTO instructions (case_id, leader, text, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(run.case.id)
            .bind(&leader)
            .bind(&text)
            .bind(format_instant(&ctx.now))
            .bind(ctx.actor.id)
            .execute(&mut *run.tx)
            .await?;
        let summary = format!("{leader}批示：{text}");
        run.finish(
            ctx,
            Step::Instruct,
            summary,
            json!({ "leader": leader, "text": text }),
        )
        .await
    }

    /// 交办 / 改派: assigns one or more units; one of the case's units leads.
    pub async fn assign(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        input: Assignment,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Assign)?;
        let mut names: Vec<String> = Vec::new();
        for name in &input.units {
            let name = required("承办单位", name, 100)?;
            if names.contains(&name) {
                return Err(Error::Invalid(format!("承办单位“{name}”重复")));
            }
            names.push(name);
        }
        if names.is_empty() {
            return Err(Error::Invalid("请至少选择一个承办单位".into()));
        }
        let lead = optional("主办单位", input.lead.as_deref(), 100)?;
        if let Some(l) = &lead {
            if !names.contains(l) {
                return Err(Error::Invalid(format!("主办单位“{l}”不在所选承办单位之中")));
            }
        }
        let requirements = optional("办理要求", input.requirements.as_deref(), 5_000)?;

        let mut run = self.begin(ctx, case.into(), Step::Assign).await?;
        let current_lead = run
            .units
            .iter()
            .find(|u| u.role == UnitRole::Lead.code())
            .cloned();
        if let (Some(cur), Some(l)) = (&current_lead, &lead) {
            return Err(Error::Invalid(format!(
                "案件已有主办单位“{}”，不能再指定“{l}”为主办；如需更换，请先将“{}”退回",
                cur.unit, cur.unit
            )));
        }
        let lead = match (&current_lead, lead) {
            (Some(_), _) => None,
            (None, Some(l)) => Some(l),
            (None, None) => names.first().cloned(),
        };
        for name in &names {
            if run.units.iter().any(|u| &u.unit == name) {
                return Err(Error::Invalid(format!("“{name}”已在承办此案件")));
            }
            let unit: Option<(i64, crate::sql::Flag)> =
                sqlx::query_as("SELECT id, active FROM units WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *run.tx)
                    .await?;
            let unit_id = match unit {
                Some((id, crate::sql::Flag(true))) => id,
                Some((_, crate::sql::Flag(false))) => {
                    return Err(Error::Invalid(format!("承办单位“{name}”已停用")))
                }
                None => {
                    return Err(Error::NotFound(format!(
                        "承办单位“{name}”不存在，请先在单位管理中添加"
                    )))
                }
            };
            let role = if lead.as_ref() == Some(name) {
                UnitRole::Lead
            } else {
                UnitRole::Assist
            };
            sqlx::query(
                "INSERT INTO assignments (case_id, unit_id, role, requirements, assigned_at, assigned_by)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(run.case.id)
            .bind(unit_id)
            .bind(role.code())
            .bind(&requirements)
            .bind(format_instant(&ctx.now))
            .bind(ctx.actor.id)
            .execute(&mut *run.tx)
            .await?;
        }
        let described: Vec<String> = names
            .iter()
            .map(|n| {
                let role = if lead.as_ref() == Some(n) {
                    "主办"
                } else {
                    "协办"
                };
                format!("{n}（{role}）")
            })
            .collect();
        let summary = format!("交办：{}", described.join("、"));
        let detail = json!({ "units": names, "lead": lead, "requirements": requirements });
        run.finish(ctx, Step::Assign, summary, detail).await
    }

    /// 退回: a unit hands its assignment back. When the lead returns, the whole case returns
    /// to the office (已受理) for reassignment.
    pub async fn return_unit(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        unit: &str,
        reason: &str,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Return)?;
        let reason = required("退回理由", reason, 2_000)?;
        let mut run = self.begin(ctx, case.into(), Step::Return).await?;
        let returned = run.unit(unit)?.clone();
        let all = returned.role == UnitRole::Lead.code();
        let mut q = Sql::new("UPDATE assignments SET returned_at = ");
        q.push_bind(format_instant(&ctx.now))
            .push(", return_reason = ")
            .push_bind(&reason)
            .push(" WHERE case_id = ")
            .push_bind(run.case.id)
            .push(" AND returned_at IS NULL");
        if !all {
            q.push(" AND unit_id = ").push_bind(returned.unit_id);
        }
        q.build().execute(&mut *run.tx).await?;
        let summary = if all {
            format!(
                "主办单位{}退回（协办单位随之退回）：{reason}",
                returned.unit
            )
        } else {
            format!("{}退回：{reason}", returned.unit)
        };
        let detail = json!({ "unit": returned.unit, "reason": reason });
        run.finish(ctx, Step::Return, summary, detail).await
    }

    /// 催办: urges a unit of the case.
    pub async fn urge(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        unit: &str,
        level: Option<&str>,
        text: Option<&str>,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Urge)?;
        let level = match level.map(str::trim).filter(|l| !l.is_empty()) {
            Some(l) => l.parse::<UrgeLevel>()?,
            None => UrgeLevel::Normal,
        };
        let text = optional("催办内容", text, 2_000)?
            .unwrap_or_else(|| "请抓紧办理，按时报送办理结果。".into());
        let mut run = self.begin(ctx, case.into(), Step::Urge).await?;
        let target = run.unit(unit)?.clone();
        sqlx::query("INSERT INTO urgings (case_id, unit_id, level, text, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(run.case.id)
            .bind(target.unit_id)
            .bind(level.code())
            .bind(&text)
            .bind(format_instant(&ctx.now))
            .bind(ctx.actor.id)
            .execute(&mut *run.tx)
            .await?;
        let summary = format!("催办{}（{}）：{text}", target.unit, level.label());
        let detail = json!({ "unit": target.unit, "level": level.code(), "text": text });
        run.finish(ctx, Step::Urge, summary, detail).await
    }

    /// 办理进展: a unit reports progress (the case moves to 办理中).
    pub async fn report_progress(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        unit: &str,
        text: &str,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Progress)?;
        let text = required("进展情况", text, 5_000)?;
        let mut run = self.begin(ctx, case.into(), Step::Progress).await?;
        let target = run.unit(unit)?.clone();
        sqlx::query("INSERT INTO progress_reports (case_id, unit_id, text, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
            .bind(run.case.id)
            .bind(target.unit_id)
            .bind(&text)
            .bind(format_instant(&ctx.now))
            .bind(ctx.actor.id)
            .execute(&mut *run.tx)
            .await?;
        let summary = format!("{}报告进展：{text}", target.unit);
        run.finish(
            ctx,
            Step::Progress,
            summary,
            json!({ "unit": target.unit, "text": text }),
        )
        .await
    }

    /// 延期: adds approved working days to the reply period.
    pub async fn extend(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        days: u32,
        reason: &str,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Extend)?;
        if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
            return Err(Error::Invalid(format!(
                "延期天数应为 1–{MAX_EXTENSION_DAYS} 个工作日，不能是 {days}"
            )));
        }
        let reason = required("延期理由", reason, 2_000)?;
        let mut run = self.begin(ctx, case.into(), Step::Extend).await?;
        sqlx::query("INSERT INTO extensions (case_id, days, reason, approved_by, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(run.case.id)
            .bind(i64::from(days))
            .bind(&reason)
            .bind(ctx.actor.id)
            .bind(format_instant(&ctx.now))
            .execute(&mut *run.tx)
            .await?;
        run.case.extension_days += i64::from(days);
        let summary = format!("延期 {days} 个工作日：{reason}");
        run.finish(
            ctx,
            Step::Extend,
            summary,
            json!({ "days": days, "reason": reason }),
        )
        .await
    }

    /// 答复: an interim or the final reply to the citizen; `published_at` is when it
    /// appeared in the platform's 部门回应 column, if it has.
    pub async fn reply(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        text: &str,
        is_final: bool,
        published_at: Option<&str>,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Reply)?;
        let text = required("答复内容", text, 10_000)?;
        let published = optional("发布时间", published_at, 40)?
            .map(|t| parse_local(&t).map(|dt| format_instant(&dt)))
            .transpose()?;
        let (step, kind) = if is_final {
            (Step::FinalReply, ReplyKind::Final)
        } else {
            (Step::InterimReply, ReplyKind::Interim)
        };
        let mut run = self.begin(ctx, case.into(), step).await?;
        insert_reply(&mut run, ctx, kind, &text, published.as_deref()).await?;
        if is_final {
            run.case.replied_at = Some(format_instant(&ctx.now));
        }
        let summary = format!("{}：{text}", kind.label());
        run.finish(
            ctx,
            step,
            summary,
            json!({ "kind": kind.code(), "text": text }),
        )
        .await
    }

    /// 书面反馈: records the next numbered written feedback to 县信访局 and 县委办督查室 on
    /// the latest reply.
    pub async fn feedback(&self, ctx: &Ctx, case: impl Into<CaseRef<'_>>) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Feedback)?;
        let mut run = self.begin(ctx, case.into(), Step::Feedback).await?;
        let latest: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM replies WHERE case_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(run.case.id)
        .fetch_optional(&mut *run.tx)
        .await?;
        let Some(reply_id) = latest else {
            return Err(Error::IllegalStep(format!(
                "{}：案件还没有任何答复，不能出具书面反馈",
                run.case.number
            )));
        };
        let seq: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM feedbacks WHERE case_id = $1",
        )
        .bind(run.case.id)
        .fetch_one(&mut *run.tx)
        .await?;
        sqlx::query(
            "INSERT INTO feedbacks (case_id, seq, recipients, reply_id, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(run.case.id)
        .bind(seq)
        .bind(FEEDBACK_RECIPIENTS)
        .bind(reply_id)
        .bind(format_instant(&ctx.now))
        .bind(ctx.actor.id)
        .execute(&mut *run.tx)
        .await?;
        let summary = format!("第{seq}次书面反馈，报送{FEEDBACK_RECIPIENTS}");
        let detail = json!({ "seq": seq, "recipients": FEEDBACK_RECIPIENTS, "reply_id": reply_id });
        run.finish(ctx, Step::Feedback, summary, detail).await
    }

    /// 办结: closes a replied case with its result.
    pub async fn close(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        result: &str,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Close)?;
        let result = required("办理结果", result, 5_000)?;
        let mut run = self.begin(ctx, case.into(), Step::Close).await?;
        run.case.closed_at = Some(format_instant(&ctx.now));
        run.case.result = Some(result.clone());
        let summary = format!("办结：{result}");
        run.finish(ctx, Step::Close, summary, json!({ "result": result }))
            .await
    }

    /// 归档: archives a closed case; final.
    pub async fn archive(&self, ctx: &Ctx, case: impl Into<CaseRef<'_>>) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Archive)?;
        let mut run = self.begin(ctx, case.into(), Step::Archive).await?;
        run.case.archived_at = Some(format_instant(&ctx.now));
        run.finish(ctx, Step::Archive, "归档".into(), json!({}))
            .await
    }

    /// 重新办理: reopens a replied or closed case (e.g. the citizen is not satisfied).
    pub async fn reopen(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        reason: &str,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Reopen)?;
        let reason = required("重新办理的理由", reason, 2_000)?;
        let mut run = self.begin(ctx, case.into(), Step::Reopen).await?;
        run.case.replied_at = None;
        run.case.closed_at = None;
        run.case.result = None;
        let mut summary = format!("重新办理：{reason}");
        if let Some(main) = super::links::undo_duplicate(&mut run.tx, run.case.id).await? {
            summary.push_str(&format!("（不再作为 {main} 的重复件，改为关联案件）"));
        }
        run.finish(ctx, Step::Reopen, summary, json!({ "reason": reason }))
            .await
    }
}

impl Service {
    /// 回访: records the citizen's satisfaction; 不满意 reopens the case (重办).
    pub async fn follow_up(
        &self,
        ctx: &Ctx,
        case: impl Into<CaseRef<'_>>,
        satisfaction: &str,
        note: Option<&str>,
    ) -> Result<CaseView> {
        auth::require(ctx.actor.role, Permission::Reply)?;
        let satisfaction: Satisfaction = satisfaction.parse()?;
        let note = optional("回访情况", note, 2_000)?;
        let step = Step::FollowUp {
            reopens: satisfaction == Satisfaction::Unsatisfied,
        };
        let mut run = self.begin(ctx, case.into(), step).await?;
        sqlx::query(
            "INSERT INTO followups (case_id, satisfaction, note, created_at, created_by)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(run.case.id)
        .bind(satisfaction.code())
        .bind(&note)
        .bind(format_instant(&ctx.now))
        .bind(ctx.actor.id)
        .execute(&mut *run.tx)
        .await?;
        let mut summary = format!("回访：{}", satisfaction.label());
        if let Some(n) = &note {
            summary.push_str(&format!("，{n}"));
        }
        if satisfaction == Satisfaction::Unsatisfied {
            summary.push_str("；网民不满意，案件重办");
            if let Some(main) = super::links::undo_duplicate(&mut run.tx, run.case.id).await? {
                summary.push_str(&format!("（不再作为 {main} 的重复件，改为关联案件）"));
            }
            run.case.replied_at = None;
            run.case.closed_at = None;
            run.case.result = None;
        }
        let detail = json!({ "satisfaction": satisfaction.code(), "note": note });
        run.finish(ctx, step, summary, detail).await
    }
}

async fn insert_reply(
    run: &mut Run,
    ctx: &Ctx,
    kind: ReplyKind,
    text: &str,
    published_at: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO replies (case_id, kind, text, published_at, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(run.case.id)
    .bind(kind.code())
    .bind(text)
    .bind(published_at)
    .bind(format_instant(&ctx.now))
    .bind(ctx.actor.id)
    .execute(&mut *run.tx)
    .await?;
    Ok(())
}
