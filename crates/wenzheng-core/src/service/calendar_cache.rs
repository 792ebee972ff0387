//! The working-day calendar kept in memory between calls. Loading it costs two statements
//! and the parsing of every stored day; the services need it on almost every call (due
//! states, dashboard moments, deadlines). It is reloaded only when `calendar_version`
//! (raised by triggers on every change to the stored calendar, migration 0013) differs
//! from the version it was loaded at, so an import or a day edited by another process
//! (the CLI beside the desktop app) is seen on the next call.

use std::sync::{Arc, Mutex, PoisonError};

use sqlx::AnyConnection;

use super::record::load_calendar;
use super::Service;
use crate::calendar::WorkCalendar;
use crate::error::Result;

/// A calendar with the `calendar_version` it was loaded at.
type Loaded = Option<(i64, Arc<WorkCalendar>)>;

/// The last calendar loaded, shared by the clones of a [`Service`].
#[derive(Debug, Clone, Default)]
pub(crate) struct CalendarCache(Arc<Mutex<Loaded>>);

impl CalendarCache {
    /// The stored calendar as seen by `conn` (inside its transaction, if any).
    pub(crate) async fn get(&self, conn: &mut AnyConnection) -> Result<Arc<WorkCalendar>> {
        let version: i64 = sqlx::query_scalar("SELECT version FROM calendar_version")
            .fetch_one(&mut *conn)
            .await?;
        if let Some((v, calendar)) = self.lock().as_ref() {
            if *v == version {
                return Ok(Arc::clone(calendar));
            }
        }
        let calendar = Arc::new(load_calendar(conn).await?);
        *self.lock() = Some((version, Arc::clone(&calendar)));
        Ok(calendar)
    }

    /// Forgets the cached calendar.
    pub(crate) fn clear(&self) {
        *self.lock() = None;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Loaded> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Service {
    /// The working-day calendar for a call, from memory unless the stored one changed.
    pub(crate) async fn work_calendar(
        &self,
        conn: &mut AnyConnection,
    ) -> Result<Arc<WorkCalendar>> {
        self.calendar_cache.get(conn).await
    }

    /// Drops the in-memory working-day calendar so the next call reloads it. Changes to
    /// `calendar_days` / `calendar_years` already do this through `calendar_version`; call
    /// it after changing the calendar by other means.
    pub fn invalidate_calendar(&self) {
        self.calendar_cache.clear();
    }
}
