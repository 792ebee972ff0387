//! The state machine of a case: which step is allowed in which state, and where it leads.
//! Pure: the services ask it before they write anything.

use crate::error::{Error, Result};
use crate::model::CaseStatus::{self, *};

/// A workflow step applied to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// 受理: the acknowledgment is given.
    Acknowledge,
    /// 领导批示.
    Instruct,
    /// 交办 (also 改派: assigning further units).
    Assign,
    /// 退回: a unit hands its assignment back.
    Return,
    /// 催办.
    Urge,
    /// 办理进展 reported by a unit.
    Progress,
    /// 延期.
    Extend,
    /// 阶段性答复.
    InterimReply,
    /// 最终答复.
    FinalReply,
    /// 书面反馈 to the county.
    Feedback,
    /// 办结.
    Close,
    /// 归档.
    Archive,
    /// 重新办理.
    Reopen,
    /// 合并为重复件: the case repeats another (the main case) and is closed into it.
    Merge,
    /// 回访: the citizen is asked whether they are satisfied; `reopens` when they are
    /// not, and the case is handled again (重办).
    FollowUp {
        /// The citizen is not satisfied.
        reopens: bool,
    },
}

impl Step {
    /// The verb shown in messages.
    pub fn label(self) -> &'static str {
        match self {
            Step::Acknowledge => "受理",
            Step::Instruct => "领导批示",
            Step::Assign => "交办",
            Step::Return => "退回",
            Step::Urge => "催办",
            Step::Progress => "报告办理进展",
            Step::Extend => "延期",
            Step::InterimReply => "阶段性答复",
            Step::FinalReply => "最终答复",
            Step::Feedback => "书面反馈",
            Step::Close => "办结",
            Step::Archive => "归档",
            Step::Reopen => "重新办理",
            Step::Merge => "合并为重复件",
            Step::FollowUp { .. } => "回访",
        }
    }

    /// The states in which the step is allowed.
    pub fn allowed_from(self) -> &'static [CaseStatus] {
        match self {
            Step::Acknowledge => &[Pending],
            Step::Instruct => &[Pending, Acknowledged, Assigned, InProgress, Replied],
            Step::Assign | Step::Extend | Step::InterimReply | Step::FinalReply => {
                &[Acknowledged, Assigned, InProgress]
            }
            Step::Return | Step::Urge | Step::Progress => &[Assigned, InProgress],
            Step::Feedback => &[Acknowledged, Assigned, InProgress, Replied, Closed],
            Step::Close => &[Replied],
            Step::Archive => &[Closed],
            Step::Reopen | Step::FollowUp { .. } => &[Replied, Closed],
            // Only before any unit holds it: an assigned duplicate is returned first.
            Step::Merge => &[Pending, Acknowledged],
        }
    }
}

/// The state after `step` from `status`, where `active_units` is the number of units
/// still assigned once the step is done; or a refusal in Chinese.
pub fn next(status: CaseStatus, step: Step, active_units: usize) -> Result<CaseStatus> {
    if !step.allowed_from().contains(&status) {
        let allowed: Vec<String> = step
            .allowed_from()
            .iter()
            .map(|s| format!("“{}”", s.label()))
            .collect();
        return Err(Error::IllegalStep(format!(
            "案件当前为“{}”状态，不能{}；只有{}的案件可以{}",
            status.label(),
            step.label(),
            allowed.join(""),
            step.label()
        )));
    }
    Ok(match step {
        Step::Acknowledge => Acknowledged,
        Step::Assign if status == InProgress => InProgress,
        Step::Assign => Assigned,
        Step::Return if active_units == 0 => Acknowledged,
        Step::Progress => InProgress,
        Step::FinalReply => Replied,
        Step::Close | Step::Merge => Closed,
        Step::Archive => Archived,
        Step::Reopen | Step::FollowUp { reopens: true } if active_units > 0 => InProgress,
        Step::Reopen | Step::FollowUp { reopens: true } => Acknowledged,
        _ => status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_road() {
        let mut s = Pending;
        for (step, want) in [
            (Step::Acknowledge, Acknowledged),
            (Step::Instruct, Acknowledged),
            (Step::Assign, Assigned),
            (Step::Urge, Assigned),
            (Step::Progress, InProgress),
            (Step::Extend, InProgress),
            (Step::FinalReply, Replied),
            (Step::Feedback, Replied),
            (Step::Close, Closed),
            (Step::Archive, Archived),
        ] {
            s = next(s, step, 1).unwrap();
            assert_eq!(s, want, "{step:?}");
        }
    }

    #[test]
    fn return_and_reopen_depend_on_remaining_units() {
        assert_eq!(next(Assigned, Step::Return, 0).unwrap(), Acknowledged);
        assert_eq!(next(InProgress, Step::Return, 1).unwrap(), InProgress);
        assert_eq!(next(Closed, Step::Reopen, 1).unwrap(), InProgress);
        assert_eq!(next(Replied, Step::Reopen, 0).unwrap(), Acknowledged);
        assert_eq!(
            next(Closed, Step::FollowUp { reopens: false }, 1).unwrap(),
            Closed
        );
        assert_eq!(
            next(Closed, Step::FollowUp { reopens: true }, 1).unwrap(),
            InProgress
        );
        assert!(next(InProgress, Step::FollowUp { reopens: false }, 1).is_err());
    }

    #[test]
    fn illegal_steps_are_refused_in_chinese() {
        let err = next(Pending, Step::Assign, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "案件当前为“待受理”状态，不能交办；只有“已受理”“已交办”“办理中”的案件可以交办"
        );
        assert!(next(Archived, Step::Reopen, 0).is_err());
        assert!(next(Archived, Step::Instruct, 0).is_err());
        assert!(next(Pending, Step::Close, 0).is_err());
    }

    #[test]
    fn a_duplicate_is_merged_only_before_assignment() {
        assert_eq!(next(Pending, Step::Merge, 0).unwrap(), Closed);
        assert_eq!(next(Acknowledged, Step::Merge, 0).unwrap(), Closed);
        let err = next(Assigned, Step::Merge, 1).unwrap_err().to_string();
        assert_eq!(
            err,
            "案件当前为“已交办”状态，不能合并为重复件；只有“待受理”“已受理”的案件可以合并为重复件"
        );
        assert!(next(Closed, Step::Merge, 0).is_err());
    }
}
