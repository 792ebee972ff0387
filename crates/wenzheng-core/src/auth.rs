//! Who may do what, and password hashing. The rules are enforced in the services, so a
//! request over IPC or from the CLI with the wrong role is refused the same way.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use password_hash::rand_core::OsRng;

use crate::error::{Error, Result};
use crate::model::Role;

/// An operation that needs permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See every case.
    ViewAll,
    /// Register a case.
    Register,
    /// 受理.
    Acknowledge,
    /// Record a leader's instruction.
    Instruct,
    /// 交办 / 改派.
    Assign,
    /// 退回 an assignment.
    Return,
    /// 催办.
    Urge,
    /// Report progress.
    Progress,
    /// 延期.
    Extend,
    /// Reply to the citizen.
    Reply,
    /// Written feedback to the county.
    Feedback,
    /// 办结.
    Close,
    /// 归档.
    Archive,
    /// 重新办理.
    Reopen,
    /// Link cases (关联) and merge a duplicate into its main case (重复件).
    Link,
    /// Show a citizen's phone number unmasked.
    RevealPersonal,
    /// Add and edit handling units.
    ManageUnits,
    /// Add users and set roles.
    ManageUsers,
    /// Import working-day schedules.
    ManageCalendar,
    /// Back up and restore the database.
    Backup,
}

impl Permission {
    /// What the operation is called in a refusal.
    pub fn label(self) -> &'static str {
        use Permission::*;
        match self {
            ViewAll => "查看全部案件",
            Register => "登记案件",
            Acknowledge => "受理案件",
            Instruct => "记录领导批示",
            Assign => "交办案件",
            Return => "退回交办",
            Urge => "催办",
            Progress => "报告办理进展",
            Extend => "批准延期",
            Reply => "答复网民",
            Feedback => "出具书面反馈",
            Close => "办结案件",
            Archive => "归档案件",
            Reopen => "重新办理案件",
            Link => "关联或合并案件",
            RevealPersonal => "查看完整的个人信息",
            ManageUnits => "管理承办单位",
            ManageUsers => "管理用户",
            ManageCalendar => "维护工作日历",
            Backup => "备份与恢复",
        }
    }
}

/// Whether `role` may perform `permission`. A unit handler's rights apply only to the
/// cases of its own unit; the services check that part.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Admin => true,
        Role::Clerk => !matches!(
            permission,
            ManageUnits | ManageUsers | ManageCalendar | Backup
        ),
        Role::Leader => matches!(permission, ViewAll | Instruct | Extend | RevealPersonal),
        Role::Unit => matches!(permission, Return | Progress),
    }
}

/// Refuses, in Chinese, when `role` may not perform `permission`.
pub fn require(role: Role, permission: Permission) -> Result<()> {
    if allows(role, permission) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "您的角色是“{}”，无权{}",
            role.label(),
            permission.label()
        )))
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Hashes a password with argon2id (a PHC string with its own salt).
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "密码至少需要 {MIN_PASSWORD_CHARS} 个字符"
        )));
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Corrupt(format!("无法计算密码摘要：{e}")))
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_matrix() {
        use Permission::*;
        assert!(allows(Role::Admin, ManageUsers));
        assert!(allows(Role::Clerk, Assign) && !allows(Role::Clerk, ManageUsers));
        assert!(allows(Role::Leader, Instruct) && !allows(Role::Leader, Assign));
        assert!(allows(Role::Unit, Progress) && !allows(Role::Unit, ViewAll));
        assert!(
            allows(Role::Clerk, Link) && !allows(Role::Leader, Link) && !allows(Role::Unit, Link)
        );
        let err = require(Role::Leader, Close).unwrap_err().to_string();
        assert_eq!(err, "您的角色是“领导”，无权办结案件");
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password("正确的密码123").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password("正确的密码123", &h));
        assert!(!verify_password("错误的密码123", &h));
        assert!(!verify_password("x", "not a hash"));
        assert!(hash_password("short")
            .unwrap_err()
            .to_string()
            .contains("至少"));
    }
}
