//! What the app keeps while it runs: the open service, who is signed in (and since when
//! they last did something), and what the checks at start found.
//!
//! The session is enforced here, in Rust: every command asks [`AppState::ctx`] for its
//! context, which refuses with code `locked` when nobody is signed in or the idle time
//! has passed (and then signs the user out). The webview's own idle timer only locks
//! earlier.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use wenzheng_core::db::{Footprint, Location};
use wenzheng_core::{Actor, Ctx, Service};

use crate::ipc_error::IpcError;

/// What the checks at start found: the integrity check and the daily backup.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Startup {
    /// The checks still run (in the background, after the window opened); the other
    /// fields are not known yet.
    pub checking: bool,
    /// The integrity check and the event chain are in order.
    pub verify_ok: bool,
    /// What the check found wrong, in Chinese.
    pub problems: Vec<String>,
    /// The backup made at this start (none when today's existed already or it failed).
    pub backup: Option<String>,
    /// Why the backup failed, in Chinese.
    pub backup_error: Option<String>,
    /// The database could not be opened: the window offers only the restore.
    pub recovery: Option<Recovery>,
    /// The database could not be reached: the window offers only the 数据库 setting.
    pub unavailable: Option<Unavailable>,
}

/// The database could not be reached at start (a server that is down or refuses this PC, a
/// file on a disk that is not there): what the window shows instead of the login form,
/// with the 数据库 setting to correct it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Unavailable {
    /// Why it could not be reached, in Chinese (a server's password hidden).
    pub problem: String,
    /// The database, for people (a server's password hidden).
    pub database: String,
}

/// The database could not be opened at start (a damaged file): what the window shows
/// instead of the login form.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Recovery {
    /// Why it could not be opened, in Chinese.
    pub problem: String,
    /// The database file.
    pub database: String,
    /// The newest backup found, if any.
    pub latest_backup: Option<String>,
    /// The folder searched.
    pub backup_dir: String,
}

/// A signed-in user and when they last did something.
#[derive(Debug, Clone)]
struct Session {
    actor: Actor,
    last: Instant,
    idle: Duration,
}

/// The refusal of any command while the app is locked.
fn locked() -> IpcError {
    IpcError {
        code: "locked",
        message: "请先登录".into(),
    }
}

/// The signed-in actor at `now`, marking the activity; signs out (and refuses) when the
/// idle time has passed since the last activity.
fn touch(slot: &mut Option<Session>, now: Instant) -> Result<Actor, IpcError> {
    match slot {
        Some(s) if now.saturating_duration_since(s.last) < s.idle => {
            s.last = now;
            Ok(s.actor.clone())
        }
        Some(_) => {
            *slot = None;
            Err(locked())
        }
        None => Err(locked()),
    }
}

/// What the backup screen says on a server: it is backed up there, not on this PC.
pub fn server_backup_note(location: &Location) -> String {
    format!(
        "数据库在服务器 {} 上，由管理员在服务器上备份与恢复（如 pg_dump / pg_restore）；本机不保存也不恢复数据库备份",
        location.display()
    )
}

/// The refusal of any command once the database was replaced by a restore.
fn restart_needed() -> IpcError {
    IpcError {
        code: "restart",
        message: "数据库已从备份恢复，请重新启动程序".into(),
    }
}

/// Shared state of the app, managed by Tauri.
#[derive(Debug)]
pub struct AppState {
    /// The operations over the open database.
    pub service: Service,
    /// Where the database is: a file on this PC, or a PostgreSQL server.
    pub location: Location,
    /// Set once the database was replaced by a restore: every command then asks for a
    /// restart (the service's connections are closed).
    restored: AtomicBool,
    /// In recovery mode, or when the database could not be reached, the scratch folder of
    /// the empty database the window runs on.
    scratch_dir: Option<tempfile::TempDir>,
    /// The built-in administrator, on whose behalf the app's own tasks act.
    system: Actor,
    /// The signed-in user, if any.
    session: Mutex<Option<Session>>,
    /// What the checks at start found (or that they still run).
    startup: Mutex<Startup>,
    /// Told when a list has been served to the window: the checks at start wait for it.
    first_list: tokio::sync::Notify,
}

impl AppState {
    /// Opens (creating and migrating if needed) the database at `location`: a file, or a
    /// PostgreSQL server shared by several PCs; nobody is signed in.
    pub async fn connect(location: &Location) -> wenzheng_core::Result<Self> {
        if let Location::File(path) = location {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        // The app runs all day: a small footprint (no memory map of the file), so that
        // scans such as the deadline watch's leave no pages of the file resident in it.
        let service = Service::connect_with(location, Footprint::Small).await?;
        let system = service.actor(None).await?;
        Ok(AppState {
            service,
            location: location.clone(),
            restored: AtomicBool::new(false),
            scratch_dir: None,
            system,
            session: Mutex::new(None),
            startup: Mutex::new(Startup::default()),
            first_list: tokio::sync::Notify::new(),
        })
    }

    /// The app when the database at `path` cannot be opened: it runs on an empty scratch
    /// database nobody can sign in to, and the window offers the restore in `recovery`.
    pub async fn recovery(path: &Path, recovery: Recovery) -> wenzheng_core::Result<Self> {
        AppState::on_scratch(Location::File(path.to_path_buf()), |s| {
            s.recovery = Some(recovery)
        })
        .await
    }

    /// The app when the database at `location` cannot be reached for `problem`: it runs on
    /// an empty scratch database nobody can sign in to, and the window offers the 数据库
    /// setting.
    pub async fn unavailable(location: &Location, problem: String) -> wenzheng_core::Result<Self> {
        let unavailable = Unavailable {
            problem,
            database: location.display(),
        };
        AppState::on_scratch(location.clone(), |s| s.unavailable = Some(unavailable)).await
    }

    async fn on_scratch(
        location: Location,
        mode: impl FnOnce(&mut Startup),
    ) -> wenzheng_core::Result<Self> {
        let scratch = tempfile::tempdir()?;
        let mut state =
            AppState::connect(&Location::File(scratch.path().join("scratch.db"))).await?;
        state.location = location;
        state.scratch_dir = Some(scratch);
        mode(&mut state.startup_slot());
        Ok(state)
    }

    /// The database file; on a server, refuses in Chinese: the files of this PC (backups,
    /// restores, the backup folder) have nothing to do with it.
    pub fn db_file(&self) -> Result<&Path, IpcError> {
        match &self.location {
            Location::File(path) => Ok(path),
            Location::Server(_) => Err(IpcError {
                code: "server",
                message: server_backup_note(&self.location),
            }),
        }
    }

    /// Whether the window runs in recovery mode (the database could not be opened).
    pub fn in_recovery(&self) -> bool {
        self.startup_slot().recovery.is_some()
    }

    /// Whether the database could not be reached at start (the window offers the 数据库
    /// setting).
    pub fn is_unavailable(&self) -> bool {
        self.startup_slot().unavailable.is_some()
    }

    /// Whether the window runs on a scratch database (recovery mode, or the database could
    /// not be reached): nothing to check, back up or sign in to.
    pub fn on_scratch_db(&self) -> bool {
        self.scratch_dir.is_some()
    }

    /// What the checks at start found so far.
    pub fn startup(&self) -> Startup {
        self.startup_slot().clone()
    }

    /// Notes that the checks at start are running (before the window asks).
    pub fn startup_checking(&self) {
        self.startup_slot().checking = true;
    }

    /// Notes that the window has shown a list (the dashboard, the register): the checks at
    /// start may run now.
    pub fn list_shown(&self) {
        self.first_list.notify_one();
    }

    /// Waits until the window has shown its first list, or `at_most`.
    pub async fn first_list_shown(&self, at_most: Duration) {
        let _ = tokio::time::timeout(at_most, self.first_list.notified()).await;
    }

    /// Keeps what the checks at start found (the recovery or unavailability, if any, stays).
    pub fn startup_done(&self, found: Startup) {
        let mut slot = self.startup_slot();
        let recovery = slot.recovery.take();
        let unavailable = slot.unavailable.take();
        *slot = Startup {
            checking: false,
            recovery,
            unavailable,
            ..found
        };
    }

    fn startup_slot(&self) -> MutexGuard<'_, Startup> {
        self.startup
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks the database as replaced: from now on every command asks for a restart.
    pub fn mark_restored(&self) {
        self.restored.store(true, Ordering::SeqCst);
        self.sign_out();
    }

    /// Refuses with code `restart` once the database was replaced by a restore.
    pub fn check_not_restored(&self) -> Result<(), IpcError> {
        if self.restored.load(Ordering::SeqCst) {
            Err(restart_needed())
        } else {
            Ok(())
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Session>> {
        // A panic while holding the lock cannot leave a half-written session.
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The context of one operation by the signed-in user at the current time; refuses
    /// with code `locked` when nobody is signed in or the session has been idle too long.
    pub fn ctx(&self) -> Result<Ctx, IpcError> {
        self.check_not_restored()?;
        let actor = touch(&mut self.slot(), Instant::now())?;
        Ok(Ctx {
            actor,
            now: crate::clock::now(),
        })
    }

    /// Like [`AppState::ctx`], without counting as activity: for what the window refreshes
    /// by itself (the bell), which must not keep an idle session open.
    pub fn quiet_ctx(&self) -> Result<Ctx, IpcError> {
        let actor = self.current().ok_or_else(locked)?;
        Ok(Ctx {
            actor,
            now: crate::clock::now(),
        })
    }

    /// The context of the app's own tasks (the deadline watch, the backup at start): the
    /// built-in administrator, whoever is signed in.
    pub fn system_ctx(&self) -> Ctx {
        Ctx {
            actor: self.system.clone(),
            now: crate::clock::now(),
        }
    }

    /// The context of a pass of the deadline watch: desktop notifications are raised for
    /// the user signed in on this PC when they may see every case (each user gets each
    /// notification once, on whichever of their PCs runs first), else — nobody signed in,
    /// or a unit handler — on behalf of the built-in administrator.
    pub fn watch_ctx(&self) -> Ctx {
        let actor = self
            .current()
            .filter(|a| {
                wenzheng_core::auth::allows(a.role, wenzheng_core::auth::Permission::ViewAll)
            })
            .unwrap_or_else(|| self.system.clone());
        Ctx {
            actor,
            now: crate::clock::now(),
        }
    }

    /// The signed-in user, without counting as activity; signs out when idle too long.
    pub fn current(&self) -> Option<Actor> {
        let mut slot = self.slot();
        let now = Instant::now();
        match slot.as_ref() {
            Some(s) if now.saturating_duration_since(s.last) < s.idle => Some(s.actor.clone()),
            _ => {
                *slot = None;
                None
            }
        }
    }

    /// Signs `actor` in; the session locks after `idle_minutes` without a command.
    pub fn sign_in(&self, actor: Actor, idle_minutes: u32) {
        *self.slot() = Some(Session {
            actor,
            last: Instant::now(),
            idle: Duration::from_secs(u64::from(idle_minutes) * 60),
        });
    }

    /// Signs the user out.
    pub fn sign_out(&self) {
        *self.slot() = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wenzheng_core::model::Role;

    fn session(idle_secs: u64, at: Instant) -> Option<Session> {
        Some(Session {
            actor: Actor {
                id: 2,
                login: "clerk".into(),
                display_name: "王小明".into(),
                role: Role::Clerk,
                unit_id: None,
            },
            last: at,
            idle: Duration::from_secs(idle_secs),
        })
    }

    #[test]
    fn nobody_signed_in_is_locked() {
        let err = touch(&mut None, Instant::now()).unwrap_err();
        assert_eq!((err.code, err.message.as_str()), ("locked", "请先登录"));
    }

    #[test]
    fn activity_keeps_the_session_and_idleness_ends_it() {
        let t0 = Instant::now();
        let mut slot = session(60, t0);
        // Activity within the idle time moves the mark forward each time.
        for step in 1..=5 {
            let at = t0 + Duration::from_secs(50 * step);
            assert_eq!(touch(&mut slot, at).unwrap().login, "clerk");
        }
        // Then 60 s without a command: locked, and signed out for good.
        let late = t0 + Duration::from_secs(250 + 60);
        assert_eq!(touch(&mut slot, late).unwrap_err().code, "locked");
        assert!(slot.is_none());
        assert_eq!(touch(&mut slot, late).unwrap_err().code, "locked");
    }
}
