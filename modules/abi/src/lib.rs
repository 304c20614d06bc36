//! The C ABI between the master and a module library, version [`ABI_VERSION`].
//!
//! A module library is a shared object (`.so`) named in a Mesos module
//! manifest (`--modules`, `--modules_dir`). The master talks to it only
//! through the `#[repr(C)]` types below, so a library can be written in C,
//! or in Rust built by any compiler version: nothing of Rust's own layout
//! crosses the boundary, and data travels as JSON in Mesos's JSON mapping.
//!
//! # The contract
//!
//! 1. The library exports one function named [`LIBRARY_SYMBOL`] with the
//!    signature [`LibraryFn`]. It returns a pointer to a [`Library`] that
//!    stays valid and unchanged for the life of the process (a `static`).
//! 2. [`Library::abi_version`] is the first field and is checked before any
//!    other: a library built for another version is refused at load time.
//! 3. [`Library::modules`] points to [`Library::module_count`] [`Module`]s.
//!    Each has a unique `name` (the name manifests and `--hooks` use), a
//!    `kind` (`"Hook"`, `"Anonymous"`, `"Allocator"`, `"Authorizer"`,
//!    `"MasterContender"`, `"MasterDetector"`) and the `kind_version` of that
//!    kind's method contract it implements; the master refuses kinds it does
//!    not load and contract versions it does not speak.
//! 4. Strings in descriptors are NUL-terminated UTF-8 with static lifetime.
//! 5. [`Module::create`] gets the module's manifest parameters as the JSON of
//!    a `mesos.Parameters` message (`{"parameter":[{"key":..,"value":..}]}`)
//!    and returns an opaque instance, or null after writing a one-line error
//!    message to its [`Output`].
//! 6. [`Module::call`] runs one named method of an instance: `method` is an
//!    ASCII name, `input` a JSON document, and whatever the method writes to
//!    [`Output`] is its JSON result. It returns a [`Status`]: [`STATUS_OK`],
//!    [`STATUS_UNSUPPORTED`] (the module does not implement the method: the
//!    master does what it does without the module) or [`STATUS_ERROR`] (the
//!    output is a one-line error message). The methods of each kind, with
//!    their input and result, are documented by the master's `modules` crate.
//! 7. [`Module::destroy`] releases an instance. It is called at most once,
//!    after every call on that instance has returned.
//! 8. Instances are called from any thread, concurrently: they must be
//!    thread-safe. Libraries are never unloaded.
//!
//! Input buffers ([`Bytes`]) are lent for the duration of one call. Output
//! is copied out by the master as the module writes it, so no memory is ever
//! freed across the boundary.

#![no_std]

use core::ffi::{c_char, c_void};

/// The version of this ABI. Bumped on any change to the types below.
pub const ABI_VERSION: u32 = 1;

/// The name of the function every module library exports.
pub const LIBRARY_SYMBOL: &str = "mesos_rs_module_library";

/// The exported function: returns the library's static descriptor.
pub type LibraryFn = unsafe extern "C" fn() -> *const Library;

/// A module library's descriptor.
#[repr(C)]
#[derive(Debug)]
pub struct Library {
    /// [`ABI_VERSION`] as the library was built; must stay the first field.
    pub abi_version: u32,
    pub module_count: usize,
    pub modules: *const Module,
}

/// One module of a library.
#[repr(C)]
#[derive(Debug)]
pub struct Module {
    pub name: *const c_char,
    pub kind: *const c_char,
    /// The version of the kind's method contract the module implements.
    pub kind_version: u32,
    /// One line for operators: what the module does.
    pub description: *const c_char,
    pub create: CreateFn,
    pub call: CallFn,
    pub destroy: DestroyFn,
}

/// Creates an instance from its parameters' JSON; null on failure, with the
/// reason written to `error`.
pub type CreateFn = unsafe extern "C" fn(parameters: Bytes, error: Output) -> *mut c_void;

/// Runs `method` of `instance` on `input`; the result or error goes to `output`.
pub type CallFn = unsafe extern "C" fn(
    instance: *mut c_void,
    method: Bytes,
    input: Bytes,
    output: Output,
) -> Status;

/// Releases an instance made by [`CreateFn`].
pub type DestroyFn = unsafe extern "C" fn(instance: *mut c_void);

/// The outcome of a [`CallFn`].
pub type Status = i32;
/// The method ran; its output is its JSON result (empty or `null`: no result).
pub const STATUS_OK: Status = 0;
/// The module does not implement the method.
pub const STATUS_UNSUPPORTED: Status = 1;
/// The method failed; its output is a one-line message.
pub const STATUS_ERROR: Status = 2;

/// Bytes lent to the callee for one call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Bytes {
    pub data: *const u8,
    pub len: usize,
}

/// Where the callee writes its output: `write(sink, data, len)` appends
/// `len` bytes; it may be called any number of times during the call, and
/// never after it returns.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub sink: *mut c_void,
    pub write: unsafe extern "C" fn(sink: *mut c_void, data: *const u8, len: usize),
}

// SAFETY: descriptors are immutable once built (rule 1) and their pointers
// point to static, immutable data (rule 4), so sharing them across threads,
// as a `static` requires, is sound.
#[allow(unsafe_code)]
unsafe impl Sync for Library {}
// SAFETY: as for `Library`.
#[allow(unsafe_code)]
unsafe impl Sync for Module {}
