//! The exported descriptor and the `extern "C"` functions behind it.
#![allow(unsafe_code)]

use crate::{FifoAllocatorModule, Instance, LabelDecorator, MarkerFile, Outcome};
use modules_abi as abi;
use std::collections::BTreeMap;
use std::ffi::{CStr, c_void};

/// Each instance crosses the boundary as a thin pointer to this box.
type Handle = Box<dyn Instance>;

const fn module(
    name: &'static CStr,
    kind: &'static CStr,
    description: &'static CStr,
    create: abi::CreateFn,
) -> abi::Module {
    abi::Module {
        name: name.as_ptr(),
        kind: kind.as_ptr(),
        kind_version: 1,
        description: description.as_ptr(),
        create,
        call,
        destroy,
    }
}

static MODULES: [abi::Module; 3] = [
    module(
        c"example_label_decorator",
        c"Hook",
        c"Appends the label given by parameters 'key' and 'value' to launched tasks",
        create_label_decorator,
    ),
    module(
        c"example_marker_file",
        c"Anonymous",
        c"Writes 'created' to the file named by parameter 'path' when created",
        create_marker_file,
    ),
    module(
        c"example_fifo_allocator",
        c"Allocator",
        c"Offers each agent whole to the first framework that wants it (first come, first served)",
        create_fifo_allocator,
    ),
];

static LIBRARY: abi::Library = abi::Library {
    abi_version: abi::ABI_VERSION,
    module_count: MODULES.len(),
    modules: MODULES.as_ptr(),
};

/// The one symbol the master looks up (`abi::LIBRARY_SYMBOL`).
#[unsafe(export_name = "mesos_rs_module_library")]
pub extern "C" fn mesos_rs_module_library() -> *const abi::Library {
    &LIBRARY
}

/// # Safety
/// `bytes` must be valid for reads for the current call (ABI: input buffers
/// are lent for one call).
unsafe fn borrow<'a>(bytes: abi::Bytes) -> &'a [u8] {
    if bytes.len == 0 {
        return &[];
    }
    // SAFETY: the caller guarantees `data` points to `len` readable bytes.
    unsafe { std::slice::from_raw_parts(bytes.data, bytes.len) }
}

fn write(output: abi::Output, data: &[u8]) {
    // SAFETY: the master's `write` accepts any byte range during the call.
    unsafe { (output.write)(output.sink, data.as_ptr(), data.len()) }
}

fn instantiate(
    parameters: abi::Bytes,
    error: abi::Output,
    create: fn(&BTreeMap<String, String>) -> Result<Handle, String>,
) -> *mut c_void {
    // SAFETY: the master lends `parameters` for this call.
    let parameters = unsafe { borrow(parameters) };
    match crate::parameters(parameters).and_then(|parameters| create(&parameters)) {
        Ok(instance) => Box::into_raw(Box::new(instance)).cast(),
        Err(message) => {
            write(error, message.as_bytes());
            std::ptr::null_mut()
        }
    }
}

unsafe extern "C" fn create_label_decorator(
    parameters: abi::Bytes,
    error: abi::Output,
) -> *mut c_void {
    instantiate(parameters, error, LabelDecorator::create)
}

unsafe extern "C" fn create_marker_file(parameters: abi::Bytes, error: abi::Output) -> *mut c_void {
    instantiate(parameters, error, MarkerFile::create)
}

unsafe extern "C" fn create_fifo_allocator(
    parameters: abi::Bytes,
    error: abi::Output,
) -> *mut c_void {
    instantiate(parameters, error, FifoAllocatorModule::create)
}

unsafe extern "C" fn call(
    instance: *mut c_void,
    method: abi::Bytes,
    input: abi::Bytes,
    output: abi::Output,
) -> abi::Status {
    // SAFETY: `instance` came from `instantiate` and is not yet destroyed;
    // `method` and `input` are lent for this call.
    let (instance, method, input) =
        unsafe { (&*instance.cast::<Handle>(), borrow(method), borrow(input)) };
    let outcome = match (std::str::from_utf8(method), serde_json::from_slice(input)) {
        (Ok(method), Ok(input)) => instance.call(method, &input),
        (Err(_), _) => Outcome::Failed("method name is not UTF-8".to_owned()),
        (_, Err(e)) => Outcome::Failed(format!("input is not JSON: {e}")),
    };
    match outcome {
        Outcome::Done(result) => {
            if let Some(result) = result {
                write(output, result.to_string().as_bytes());
            }
            abi::STATUS_OK
        }
        Outcome::Unsupported => abi::STATUS_UNSUPPORTED,
        Outcome::Failed(message) => {
            write(output, message.as_bytes());
            abi::STATUS_ERROR
        }
    }
}

unsafe extern "C" fn destroy(instance: *mut c_void) {
    // SAFETY: `instance` came from `Box::into_raw` in `instantiate`, and the
    // master destroys each instance once.
    drop(unsafe { Box::from_raw(instance.cast::<Handle>()) });
}
