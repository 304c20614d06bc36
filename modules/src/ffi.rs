//! The only code that crosses the C ABI: opening a library, reading its
//! descriptor, and creating, calling and destroying instances.
//!
//! Everything here relies on the contract written in `modules_abi`; each
//! `unsafe` block names the rule it relies on.
#![allow(unsafe_code)]

use modules_abi as abi;
use std::ffi::{CStr, c_char, c_void};
use std::ptr::NonNull;

/// Why a file could not be used as a module library.
#[derive(Debug)]
pub(crate) enum OpenError {
    /// The dynamic loader could not load it.
    Load(String),
    /// It loaded, but does not follow the ABI.
    NotAModuleLibrary(String),
}

/// Loads the shared library `filename` (a path, or a bare file name for the
/// dynamic loader's search) and returns its descriptor.
///
/// The library is never unloaded (ABI rule 8), so the descriptor, its
/// strings and its function pointers live as long as the process.
pub(crate) fn open(filename: &str) -> Result<&'static abi::Library, OpenError> {
    // SAFETY: loading runs the library's initialisers. The operator named
    // this library in a module manifest precisely so that it runs inside the
    // master, as Mesos's module loading does.
    let library = unsafe { libloading::Library::new(filename) }
        .map_err(|e| OpenError::Load(e.to_string()))?;
    // SAFETY: the ABI fixes the type of the exported symbol as `LibraryFn`.
    let describe = unsafe { library.get::<abi::LibraryFn>(abi::LIBRARY_SYMBOL) }
        .map(|symbol| *symbol)
        .map_err(|e| OpenError::NotAModuleLibrary(e.to_string()))?;
    // Libraries stay loaded: `describe` and what it returns must stay valid.
    std::mem::forget(library);
    // SAFETY: `describe` takes no arguments and returns a pointer to a static
    // descriptor (ABI rule 1).
    let descriptor = unsafe { describe() };
    // SAFETY: non-null, the descriptor is static and immutable (rule 1).
    unsafe { descriptor.as_ref() }.ok_or_else(|| {
        OpenError::NotAModuleLibrary(format!("'{}' returned no descriptor", abi::LIBRARY_SYMBOL))
    })
}

/// Why a descriptor cannot be used.
#[derive(Debug, PartialEq)]
pub(crate) enum DescriptorError {
    AbiVersion(u32),
    Malformed(String),
}

/// One module as its library describes it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub name: String,
    pub kind: String,
    pub kind_version: u32,
    pub description: String,
    functions: Functions,
}

#[derive(Debug, Clone, Copy)]
struct Functions {
    create: abi::CreateFn,
    call: abi::CallFn,
    destroy: abi::DestroyFn,
}

/// Reads a library's modules, checking the ABI version before anything else.
pub(crate) fn entries(library: &'static abi::Library) -> Result<Vec<Entry>, DescriptorError> {
    if library.abi_version != abi::ABI_VERSION {
        return Err(DescriptorError::AbiVersion(library.abi_version));
    }
    if library.module_count == 0 {
        return Ok(Vec::new());
    }
    if library.modules.is_null() {
        return Err(DescriptorError::Malformed(format!(
            "it declares {} modules but gives no module table",
            library.module_count
        )));
    }
    // SAFETY: rule 3: `modules` points to `module_count` static descriptors.
    let modules = unsafe { std::slice::from_raw_parts(library.modules, library.module_count) };
    modules
        .iter()
        .enumerate()
        .map(|(index, module)| {
            let field = |pointer: *const c_char, what: &str| {
                // SAFETY: rule 4: non-null strings are static and NUL-terminated.
                let text = (!pointer.is_null()).then(|| unsafe { CStr::from_ptr(pointer) });
                text.and_then(|text| text.to_str().ok())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        DescriptorError::Malformed(format!(
                            "module #{} has no UTF-8 {what}",
                            index + 1
                        ))
                    })
            };
            Ok(Entry {
                name: field(module.name, "name")?,
                kind: field(module.kind, "kind")?,
                kind_version: module.kind_version,
                description: field(module.description, "description")?,
                functions: Functions {
                    create: module.create,
                    call: module.call,
                    destroy: module.destroy,
                },
            })
        })
        .collect()
}

/// A live module instance, destroyed when dropped.
#[derive(Debug)]
pub(crate) struct RawInstance {
    handle: NonNull<c_void>,
    functions: Functions,
}

// SAFETY: rule 8: instances are thread-safe and may be called from any
// thread, concurrently; the function pointers are plain code addresses.
unsafe impl Send for RawInstance {}
// SAFETY: as above.
unsafe impl Sync for RawInstance {}

/// What a method call returned.
#[derive(Debug, PartialEq)]
pub(crate) enum Reply {
    Ok(Vec<u8>),
    Unsupported,
    Error(String),
    UnknownStatus(abi::Status),
}

impl RawInstance {
    /// Creates an instance of `entry` from its parameters' JSON.
    pub(crate) fn create(entry: &Entry, parameters: &[u8]) -> Result<Self, String> {
        let mut error = Vec::new();
        // SAFETY: rule 5: `create` reads `parameters` during the call only and
        // writes its error through `output`, which lives across the call.
        let handle = unsafe { (entry.functions.create)(lend(parameters), output(&mut error)) };
        match NonNull::new(handle) {
            Some(handle) => Ok(Self {
                handle,
                functions: entry.functions,
            }),
            None if error.is_empty() => Err("the module gave no reason".to_owned()),
            None => Err(String::from_utf8_lossy(&error).into_owned()),
        }
    }

    /// Runs `method` on `input` (JSON).
    pub(crate) fn call(&self, method: &str, input: &[u8]) -> Reply {
        let mut result = Vec::new();
        // SAFETY: rule 6: the instance is alive (not yet dropped); `method` and
        // `input` are read during the call only; `output` outlives the call.
        let status = unsafe {
            (self.functions.call)(
                self.handle.as_ptr(),
                lend(method.as_bytes()),
                lend(input),
                output(&mut result),
            )
        };
        match status {
            abi::STATUS_OK => Reply::Ok(result),
            abi::STATUS_UNSUPPORTED => Reply::Unsupported,
            abi::STATUS_ERROR => Reply::Error(String::from_utf8_lossy(&result).into_owned()),
            other => Reply::UnknownStatus(other),
        }
    }
}

impl Drop for RawInstance {
    fn drop(&mut self) {
        // SAFETY: rule 7: destroyed once, and `&mut self` proves no call is
        // running on it.
        unsafe { (self.functions.destroy)(self.handle.as_ptr()) }
    }
}

fn lend(bytes: &[u8]) -> abi::Bytes {
    abi::Bytes {
        data: bytes.as_ptr(),
        len: bytes.len(),
    }
}

/// An [`abi::Output`] appending to `buffer`; valid while `buffer` is borrowed.
fn output(buffer: &mut Vec<u8>) -> abi::Output {
    abi::Output {
        sink: (buffer as *mut Vec<u8>).cast(),
        write: append,
    }
}

unsafe extern "C" fn append(sink: *mut c_void, data: *const u8, len: usize) {
    if len == 0 {
        return;
    }
    // SAFETY: `sink` is the `Vec<u8>` given to `output`, exclusively borrowed
    // for the call in progress; the module passes `len` readable bytes.
    unsafe {
        let buffer = &mut *sink.cast::<Vec<u8>>();
        buffer.extend_from_slice(std::slice::from_raw_parts(data, len));
    }
}
