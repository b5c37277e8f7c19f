//! The sequence every command starts with, written once: load the module, instantiate it the
//! way MIDIMon's `init` does (no capabilities yet), call `init`, read the metadata, and grant
//! the capabilities it declares.
//!
//! `run`, `bench`, `inspect` and `manifest` all need a plugin and its metadata before they can
//! do their own work, and they must agree on how a plugin gets its grants. `check` walks the
//! same steps itself (`checks::dynamic`, its `init` phase), because it reports each step as a finding.

use thiserror::Error;

use super::error::{CallError, LoadError};
use super::instance::{InitOutput, PluginInstance};
use super::limits::{FuelMode, Grants, Limits};
use super::plugin::Plugin;
use crate::metadata::{MetadataProblem, PluginMeta};

/// A plugin whose `init` ran once, with what it said about itself.
#[derive(Debug)]
pub struct Opened {
    /// The compiled module.
    pub plugin: Plugin,
    /// The metadata `init` returned, or why MIDIMon would reject it.
    pub meta: Result<PluginMeta, MetadataProblem>,
    /// What later instances get: the declared capabilities, none when the metadata is invalid.
    pub grants: Grants,
}

/// Why a plugin could not be opened.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum OpenError {
    /// The module did not compile under the limits.
    #[error("{0}")]
    Load(#[from] LoadError),
    /// Instantiation (the start function included) failed.
    #[error("instantiation failed: {0}")]
    Instantiate(CallError),
    /// `init` trapped, ran out of a budget or returned a bad pointer.
    #[error("init failed: {0}")]
    Init(CallError),
}

impl Plugin {
    /// Loads `wasm`, calls `init` on a first instance with the initial grants (`fuel_mode`
    /// chooses one fuel budget for the start function and `init`, as MIDIMon's, or one per
    /// call), reads the metadata and works out the grants of later instances.
    pub fn open(wasm: &[u8], limits: Limits, fuel_mode: FuelMode) -> Result<Opened, OpenError> {
        let plugin = Plugin::load(wasm, limits)?;
        let mut first = plugin
            .instantiate_with(&plugin.initial_grants(), fuel_mode)
            .map_err(OpenError::Instantiate)?;
        let init = first.init().map_err(OpenError::Init)?;
        drop(first);
        let meta = PluginMeta::parse(&init.metadata);
        let capabilities = meta.as_ref().map(|m| m.capabilities).unwrap_or_default();
        let grants = Grants::for_plugin(plugin.imports_wasi(), capabilities);
        Ok(Opened {
            plugin,
            meta,
            grants,
        })
    }
}

impl Opened {
    /// The metadata MIDIMon would load, as a one-line error otherwise (what `inspect` and
    /// `manifest` print).
    pub fn into_meta(self) -> Result<PluginMeta, String> {
        self.meta.map_err(|e| e.to_string())
    }

    /// A fresh instance with the declared grants and `init` already called, as a host keeps
    /// between events; every call gets a fresh fuel budget.
    pub fn ready_instance(&self) -> Result<(PluginInstance, InitOutput), OpenError> {
        let mut instance = self
            .plugin
            .instantiate(&self.grants)
            .map_err(OpenError::Instantiate)?;
        let init = instance.init().map_err(OpenError::Init)?;
        Ok((instance, init))
    }
}
