//! The crate's one error type: each message is one line naming the manifest,
//! library, module or kind at fault and the fix.

use crate::Kind;
use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ModuleError {
    #[error(
        "Bad module manifest in {origin}: {reason}; write Mesos's Modules JSON, e.g. \
         {{\"libraries\":[{{\"file\":\"/usr/lib/libexample.so\",\"modules\":[{{\"name\":\"example\",\
         \"parameters\":[{{\"key\":\"k\",\"value\":\"v\"}}]}}]}}]}}"
    )]
    Manifest { origin: String, reason: String },

    #[error("Cannot read module manifests at '{}': {source}; check the --modules_dir path", path.display())]
    ReadManifests {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "Library #{number} in {origin} has neither 'file' nor 'name'; give its path as 'file' \
         or its name as 'name' (for lib<name>.so)"
    )]
    LibraryUnnamed { origin: String, number: usize },

    #[error("Module #{number} of library '{library}' in {origin} has no 'name'; name each module")]
    ModuleUnnamed {
        origin: String,
        library: String,
        number: usize,
    },

    #[error(
        "Cannot open module library '{library}' (from {origin}): {reason}; fix its 'file' path, \
         or put it in a directory on the library search path (LD_LIBRARY_PATH)"
    )]
    OpenLibrary {
        origin: String,
        library: String,
        reason: String,
    },

    #[error(
        "'{library}' (from {origin}) is not a module library for this master: {reason}; build it \
         against the modules-abi crate so that it exports '{}'",
        modules_abi::LIBRARY_SYMBOL
    )]
    NotAModuleLibrary {
        origin: String,
        library: String,
        reason: String,
    },

    #[error(
        "Module library '{library}' was built for module ABI version {found}, but this master \
         speaks version {}; rebuild the library against that modules-abi",
        modules_abi::ABI_VERSION
    )]
    AbiVersion { library: String, found: u32 },

    #[error("Module library '{library}' has a malformed descriptor: {reason}; fix the library")]
    Malformed { library: String, reason: String },

    #[error(
        "Module library '{library}' has no module named '{module}' (it has: {available}); fix \
         the module name in {origin}"
    )]
    UnknownModule {
        origin: String,
        library: String,
        module: String,
        available: String,
    },

    #[error(
        "Module '{module}' of library '{library}' is of kind '{kind}', which this master does \
         not load (it loads {}); remove the module from the manifest",
        crate::kind::known_kinds()
    )]
    UnknownKind {
        library: String,
        module: String,
        kind: String,
    },

    #[error(
        "Module '{module}' of library '{library}' implements version {found} of kind '{kind}', \
         but this master speaks version {}; rebuild the module for that version",
        kind.contract_version()
    )]
    KindVersion {
        library: String,
        module: String,
        kind: Kind,
        found: u32,
    },

    #[error(
        "Module '{module}' is loaded from '{first}' and again from '{second}' with a different \
         library or parameters; give each module name one entry"
    )]
    Duplicate {
        module: String,
        first: String,
        second: String,
    },

    #[error(
        "No module named '{module}' is loaded; add a module of kind '{kind}' with that name to \
         --modules or --modules_dir"
    )]
    NotLoaded { module: String, kind: Kind },

    #[error(
        "Module '{module}' is of kind '{kind}', not '{wanted}'; name a module of kind '{wanted}'"
    )]
    WrongKind {
        module: String,
        kind: Kind,
        wanted: Kind,
    },

    #[error("Hook module '{module}' is named twice in --hooks; name each hook once")]
    DuplicateHook { module: String },

    #[error(
        "Module '{module}' could not be created: {reason}; check its parameters in the manifest"
    )]
    Create { module: String, reason: String },

    #[error("Module '{module}' failed in method '{method}': {reason}")]
    Call {
        module: String,
        method: String,
        reason: String,
    },
}
