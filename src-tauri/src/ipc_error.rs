//! The only shape in which errors cross IPC: `{ "code": "...", "message": "..." }`.

use serde::Serialize;

/// An error as the front end sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IpcError {
    /// Stable machine-readable code (`invalid`, `not_found`, …); the UI may branch on it.
    pub code: &'static str,
    /// What went wrong, in Chinese, ready to show.
    pub message: String,
}

impl From<wenzheng_core::Error> for IpcError {
    fn from(e: wenzheng_core::Error) -> Self {
        if !e.is_refusal() {
            eprintln!("错误（{}）：{e}", e.code());
        }
        IpcError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_code_and_message() {
        let e: IpcError = wenzheng_core::Error::Invalid("标题不能为空".into()).into();
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "code": "invalid", "message": "标题不能为空" })
        );
    }
}
