//! `set_config()` and `current_setting()`: settings read and changed by a
//! function call inside a statement.
//!
//! A statement sees the session's settings as they were when it started
//! ([`crate::exec::Ctx::settings`]). `set_config(name, value, is_local)`
//! validates the change at once against a copy of them (so an invalid
//! value fails the statement with PostgreSQL's error), records it here, and
//! later `current_setting` calls of the same statement see it. The session
//! applies the recorded changes as `SET` / `SET LOCAL` would when the
//! statement succeeds; a failed statement's changes are dropped with it, as
//! the transaction or savepoint that PostgreSQL rolls back would undo them.

use std::cell::RefCell;

use crate::error::{EngineError, Result, SqlState};
use crate::settings::Settings;

/// One recorded `set_config` call: the name, the value (`None`: reset to
/// the default) and whether it is local to the transaction.
pub type ConfigChange = (String, Option<String>, bool);

/// The `set_config` calls of one statement (empty and allocation-free
/// until one is made).
#[derive(Debug, Default)]
pub struct ConfigChanges {
    state: RefCell<Option<(Settings, Vec<ConfigChange>)>>,
}

impl ConfigChanges {
    /// `current_setting(name [, missing_ok])` over `base`, the settings the
    /// statement started with, and the changes made so far.
    pub fn current(&self, base: &Settings, name: &str, missing_ok: bool) -> Result<Option<String>> {
        let state = self.state.borrow();
        let settings = state.as_ref().map_or(base, |(s, _)| s);
        match settings.get(name) {
            Ok(v) => Ok(Some(v.to_string())),
            Err(_) if missing_ok => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `set_config(name, value, is_local)`: validates and records the
    /// change; returns the new value as `current_setting` shows it.
    pub fn set(
        &self,
        base: &Settings,
        name: &str,
        value: Option<&str>,
        local: bool,
    ) -> Result<String> {
        if name.is_empty() {
            return Err(EngineError::new(
                SqlState::NullValueNotAllowed,
                "SET requires parameter name",
            ));
        }
        let mut state = self.state.borrow_mut();
        let (settings, changes) = state.get_or_insert_with(|| (base.clone(), Vec::new()));
        match value {
            Some(v) => settings.set(name, v)?,
            None => settings.reset(Some(name))?,
        }
        changes.push((name.to_string(), value.map(str::to_string), local));
        Ok(settings.get(name)?.to_string())
    }

    /// The recorded changes, in call order (leaves this empty).
    pub fn take(&self) -> Vec<ConfigChange> {
        self.state
            .borrow_mut()
            .take()
            .map(|(_, changes)| changes)
            .unwrap_or_default()
    }
}
