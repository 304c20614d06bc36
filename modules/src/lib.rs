//! Modules: shared libraries named by `--modules` / `--modules_dir` that add
//! hooks, anonymous modules, an allocator and (later) other stages to the
//! master.
//!
//! # Manifests
//!
//! Both flags take Mesos's module manifest, the JSON of `mesos.Modules`:
//!
//! ```json
//! {"libraries": [
//!   {"file": "/usr/lib/mesos/libexample.so",
//!    "modules": [{"name": "example_label_decorator",
//!                 "parameters": [{"key": "key", "value": "team"}]}]},
//!   {"name": "other", "modules": [{"name": "other_module"}]}
//! ]}
//! ```
//!
//! A library is given by `file` (a path when it contains a `/`, otherwise a
//! file name for the dynamic loader to find) or by `name`, which means
//! `lib<name>.so`. File names are looked for in
//! [`ModuleManager::with_library_path`]'s directories first, then by the
//! dynamic loader (`LD_LIBRARY_PATH`, system directories), as Mesos does.
//! `--modules` is one manifest ([`ModuleManager::load_manifest`]);
//! `--modules_dir` is a directory whose every file is a manifest, read in
//! name order ([`ModuleManager::load_dir`]).
//!
//! # Loading
//!
//! A library speaks the small C ABI of the `modules-abi` crate: it exports
//! one function returning a descriptor with the ABI version and, for each
//! module, its name, kind, the version of the kind's method contract, and
//! C function pointers to create an instance, call one of its methods with
//! JSON, and destroy it. Loading checks the ABI version, then that every
//! module the manifest lists exists, is of a [`Kind`] this master loads, and
//! implements the contract version this master speaks; anything else is an
//! error naming the library, the module or the kind and the fix.
//!
//! # Using modules
//!
//! The master, after loading, creates every `Anonymous` module
//! ([`ModuleManager::create_anonymous`]) and keeps the instances alive,
//! installs the `Hook` modules `--hooks` names
//! ([`ModuleManager::install_hooks`], whose method contract is documented
//! there), creates the `Allocator` module `--allocator` names
//! ([`ModuleManager::create_allocator`]; its contract is the one of
//! `allocator::json`) and looks up a module for a stage by name and kind
//! ([`ModuleManager::create`]). An [`Instance`]'s methods take and return
//! JSON ([`Instance::call`]).
//!
//! Libraries are never unloaded, as in Mesos: a module may have started
//! threads or registered callbacks that must outlive any instance.

mod allocator_module;
mod error;
mod ffi;
mod hook;
mod instance;
mod kind;
mod manager;

pub use error::ModuleError;
pub use instance::Instance;
pub use kind::Kind;
pub use manager::ModuleManager;
