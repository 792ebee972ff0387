//! What the app keeps while it runs: the open service and the acting user.

use std::path::Path;

use wenzheng_core::{Actor, Ctx, Service};

/// Shared state of the app, managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    /// The operations over the open database.
    pub service: Service,
    /// Who acts (for now the built-in administrator).
    pub actor: Actor,
}

impl AppState {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub async fn open(path: &Path) -> wenzheng_core::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let service = Service::open(path).await?;
        let actor = service.actor(None).await?;
        Ok(AppState { service, actor })
    }

    /// The context of one operation: the acting user and the current time.
    pub fn ctx(&self) -> Ctx {
        Ctx {
            actor: self.actor.clone(),
            now: wenzheng_core::clock::now(),
        }
    }
}
