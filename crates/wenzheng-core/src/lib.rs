//! # wenzheng-core
//!
//! The core of 网络问政办理系统: the case workflow, the working-day calendar and deadline
//! rules, the SQLite store and the service layer that the desktop app and the `wenzheng`
//! command-line tool both call. It does not depend on Tauri.
//!
//! Layers, from the bottom: [`clock`], [`calendar`], [`deadline`], [`model`] and
//! [`workflow`] are pure logic; [`db`] opens and migrates the database; [`service`] holds
//! the operations (one transaction each, taking the actor and `now`); [`view`] is what
//! the services return to the front ends.

pub mod auth;
pub mod calendar;
pub mod clock;
#[cfg(feature = "encryption")]
pub mod crypt;
pub mod db;
pub mod db_choice;
pub mod deadline;
mod dialect;
pub mod due;
pub mod error;
pub mod integrity;
pub mod model;
pub mod paste;
pub mod privacy;
pub mod report;
pub mod service;
pub mod sql;
pub mod view;
pub mod workflow;

pub use error::{Error, Result};
pub use service::{Actor, Ctx, Service};
