//! The vocabulary of a case: its states, categories and the values of each workflow step.

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal)),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and printed in `--json`.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Chinese name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        /// Accepts the code or the Chinese name.
        impl FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                let s = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == s || v.label() == s)
                    .ok_or_else(|| {
                        let names: Vec<&str> = $name::ALL.iter().map(|v| v.label()).collect();
                        Error::Invalid(format!(
                            "{}“{}”无效，可选：{}", $what, s, names.join("、")
                        ))
                    })
            }
        }
    };
}

labelled_enum! {
    /// Where a case stands in its life.
    CaseStatus, "案件状态" {
        /// Registered, not yet acknowledged on the platform.
        Pending = ("pending", "待受理"),
        /// Acknowledged; not (or no longer) assigned to a unit.
        Acknowledged = ("acknowledged", "已受理"),
        /// Assigned to one or more handling units.
        Assigned = ("assigned", "已交办"),
        /// A unit has reported progress.
        InProgress = ("in_progress", "办理中"),
        /// The final reply was given.
        Replied = ("replied", "已答复"),
        /// Closed with a result.
        Closed = ("closed", "已办结"),
        /// Materials put in order and archived; final.
        Archived = ("archived", "已归档"),
    }
}

impl CaseStatus {
    /// Whether the case still runs against its reply deadline.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            CaseStatus::Pending
                | CaseStatus::Acknowledged
                | CaseStatus::Assigned
                | CaseStatus::InProgress
        )
    }
}

labelled_enum! {
    /// What a citizen's message is about.
    Category, "问题类别" {
        /// A personal problem.
        Personal = ("personal", "个人诉求"),
        /// Livelihood.
        Livelihood = ("livelihood", "民生"),
        /// Economy.
        Economy = ("economy", "经济"),
        /// Social development.
        Social = ("social", "社会发展"),
        /// A major event.
        Major = ("major", "重大事件"),
        /// A sudden event.
        Sudden = ("sudden", "突发事件"),
        /// Public-opinion information.
        Opinion = ("opinion", "舆情信息"),
    }
}

labelled_enum! {
    /// How hard a case is; sets the reply period.
    Complexity, "复杂程度" {
        /// 一般问题: 7 working days.
        Ordinary = ("ordinary", "一般"),
        /// 复杂问题: 15 working days.
        Complex = ("complex", "复杂"),
    }
}

labelled_enum! {
    /// The role of a unit in an assignment.
    UnitRole, "承办方式" {
        /// 主办.
        Lead = ("lead", "主办"),
        /// 协办.
        Assist = ("assist", "协办"),
    }
}

labelled_enum! {
    /// How strongly a unit is urged.
    UrgeLevel, "催办级别" {
        /// 普通催办.
        Normal = ("普通", "普通"),
        /// 黄牌警示.
        Yellow = ("黄牌", "黄牌"),
        /// 红牌警示.
        Red = ("红牌", "红牌"),
    }
}

labelled_enum! {
    /// The kind of a reply published to the citizen.
    ReplyKind, "答复类型" {
        /// The initial acknowledgment within 24 hours.
        Acknowledgment = ("acknowledgment", "受理回复"),
        /// A reply on progress.
        Interim = ("interim", "阶段性答复"),
        /// The final reply.
        Final = ("final", "最终答复"),
    }
}

labelled_enum! {
    /// What a user may do.
    Role, "角色" {
        /// 管理员.
        Admin = ("admin", "管理员"),
        /// 网络问政办公室工作人员.
        Clerk = ("clerk", "办公室工作人员"),
        /// 领导.
        Leader = ("leader", "领导"),
        /// 承办单位.
        Unit = ("unit", "承办单位"),
    }
}

labelled_enum! {
    /// The citizen's satisfaction at the follow-up (回访).
    Satisfaction, "回访结果" {
        /// 满意.
        Satisfied = ("satisfied", "满意"),
        /// 基本满意.
        Basic = ("basic", "基本满意"),
        /// 不满意: the case is handled again.
        Unsatisfied = ("unsatisfied", "不满意"),
    }
}

/// The standard acknowledgment text of the plan.
pub const STANDARD_ACK_TEXT: &str = "您反映的问题已由我单位受理，将尽快给您回复。";

/// The recipients of every written feedback.
pub const FEEDBACK_RECIPIENTS: &str = "县信访局、县委办督查室";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_chinese_names() {
        assert_eq!(
            "已受理".parse::<CaseStatus>().unwrap(),
            CaseStatus::Acknowledged
        );
        assert_eq!(
            "in_progress".parse::<CaseStatus>().unwrap(),
            CaseStatus::InProgress
        );
        assert_eq!("舆情信息".parse::<Category>().unwrap(), Category::Opinion);
        assert_eq!("红牌".parse::<UrgeLevel>().unwrap(), UrgeLevel::Red);
        let err = "紫牌".parse::<UrgeLevel>().unwrap_err().to_string();
        assert_eq!(err, "催办级别“紫牌”无效，可选：普通、黄牌、红牌");
    }

    #[test]
    fn codes_are_unique() {
        let codes: std::collections::HashSet<_> =
            CaseStatus::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes.len(), CaseStatus::ALL.len());
    }
}
