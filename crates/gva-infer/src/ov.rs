//! The OpenVINO C objects gva-infer takes through openvino-sys, each freed by its owner.
//!
//! openvino 0.11.1 leaks part of what it hands out: its `Node` (the port of every
//! `get_input_by_index` / `get_output_by_index` / `get_input` …, an `ov_output_const_port_t`
//! of about 72 bytes) has no `Drop`; `Node::get_name` never frees the string of
//! `ov_port_get_any_name`; `Core::get_property` and `CompiledModel::get_property` never free
//! the value string. Taken once per region, the port alone leaked ~470 MB an hour per stream.
//! So ports, their names, shapes and element types, and property values are read here, and
//! everything OpenVINO allocates for us is freed before the call returns ([`Owned`],
//! [`take_string`]). The crate's own types are used where they free what they own (`Core`,
//! `Model`, `CompiledModel`, `InferRequest`, `Tensor`, `Shape`, `PartialShape`, `Layout`,
//! and the PrePostProcessor objects); `available_devices` frees its list too.
//!
//! [`openvino::Model`], [`openvino::CompiledModel`] and [`openvino::InferRequest`] keep their
//! C pointer crate-private; it is read through their one-field layout (each size-checked
//! below at compile time).

use std::ffi::{CStr, CString, c_char};
use std::ptr;

use openvino::{ElementType, InferenceError, InferenceErrorKind};
use openvino_sys as sys;

/// An OpenVINO C status as a result, with OpenVINO's last error message.
pub(crate) fn check(status: sys::ov_status_e) -> Result<(), InferenceError> {
    if status == sys::ov_status_e::OK {
        return Ok(());
    }
    // SAFETY: OpenVINO returns a NUL-terminated message (or null) owned by the library.
    let message = unsafe {
        let m = sys::ov_get_last_err_msg();
        (!m.is_null()).then(|| CStr::from_ptr(m).to_string_lossy().into_owned())
    };
    InferenceError::convert(status, message)
}

/// An error of `kind` with `message`, for what gva-infer refuses before calling OpenVINO.
pub(crate) fn error(kind: InferenceErrorKind, message: String) -> InferenceError {
    InferenceError {
        kind,
        message: Some(message),
    }
}

/// A C object of OpenVINO, freed when dropped.
pub(crate) struct Owned<T> {
    pub(crate) ptr: *mut T,
    pub(crate) free: fn(*mut T),
}

impl<T> Drop for Owned<T> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            // `ptr` came from the OpenVINO call paired with `free` and is freed once.
            (self.free)(self.ptr)
        }
    }
}

/// Runs an OpenVINO call that writes a new object through its last argument, and owns the
/// object: `create!(free_fn, create_fn, args…)` gives an [`Owned`] or returns the error.
macro_rules! create {
    ($free:path, $f:path, $($arg:expr),*) => {{
        let mut out = ::std::ptr::null_mut();
        // SAFETY: the arguments are live OpenVINO objects or values; `out` is written on OK.
        $crate::ov::check(unsafe { $f($($arg,)* &mut out) })?;
        $crate::ov::Owned {
            ptr: out,
            // SAFETY: `$free` is the free function of what `$f` created.
            free: |p| unsafe { $free(p) },
        }
    }};
}
pub(crate) use create;

/// A string OpenVINO allocated for us, copied out and freed (`None` for null).
///
/// # Safety
/// `text` is null or a NUL-terminated string from an OpenVINO call whose documentation says
/// to free it with `ov_free`, not used afterwards.
unsafe fn take_string(text: *mut c_char) -> Option<String> {
    if text.is_null() {
        return None;
    }
    // SAFETY: the caller's promise; copied before it is freed.
    let copy = unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: allocated by OpenVINO for us, freed once.
    unsafe { sys::ov_free(text) };
    Some(copy)
}

const _: () = assert!(
    std::mem::size_of::<openvino::Model>() == std::mem::size_of::<*mut sys::ov_model_t>(),
    "openvino::Model is its ov_model_t pointer"
);
const _: () = assert!(
    std::mem::size_of::<openvino::CompiledModel>()
        == std::mem::size_of::<*mut sys::ov_compiled_model_t>(),
    "openvino::CompiledModel is its ov_compiled_model_t pointer"
);
const _: () = assert!(
    std::mem::size_of::<openvino::InferRequest>()
        == std::mem::size_of::<*mut sys::ov_infer_request_t>(),
    "openvino::InferRequest is its ov_infer_request_t pointer"
);

/// The C pointer inside `model`.
pub(crate) fn model_ptr(model: &openvino::Model) -> *mut sys::ov_model_t {
    // SAFETY: `openvino::Model` (0.11.1) is `struct Model { ptr: *mut ov_model_t }`; a
    // one-field struct of the field's size has it at offset 0 (checked above), so this reads
    // that pointer, which `model` keeps alive.
    unsafe { *(model as *const openvino::Model).cast::<*mut sys::ov_model_t>() }
}

/// The C pointer inside `compiled`.
pub(crate) fn compiled_ptr(compiled: &openvino::CompiledModel) -> *mut sys::ov_compiled_model_t {
    // SAFETY: as in `model_ptr`, for `struct CompiledModel { ptr: *mut ov_compiled_model_t }`.
    unsafe { *(compiled as *const openvino::CompiledModel).cast::<*mut sys::ov_compiled_model_t>() }
}

/// The C pointer inside `request`.
pub(crate) fn request_ptr(request: &openvino::InferRequest) -> *mut sys::ov_infer_request_t {
    // SAFETY: as in `model_ptr`, for `struct InferRequest { ptr: *mut ov_infer_request_t }`.
    unsafe { *(request as *const openvino::InferRequest).cast::<*mut sys::ov_infer_request_t>() }
}

/// An `ov_model_t` made by a C call, as the crate's `Model`, which frees it when dropped.
///
/// # Safety
/// `ptr` is a live model nothing else owns.
pub(crate) unsafe fn model_from_ptr(ptr: *mut sys::ov_model_t) -> openvino::Model {
    // SAFETY: the layout of `model_ptr`; the caller's promise of ownership.
    unsafe { std::mem::transmute::<*mut sys::ov_model_t, openvino::Model>(ptr) }
}

/// The model's friendly name (an IR's `<net name=...>`), if it has a non-empty one.
pub(crate) fn friendly_name(model: &openvino::Model) -> Option<String> {
    let mut name = ptr::null_mut();
    // SAFETY: `model` is live; on OK `name` is a string to free with `ov_free`.
    check(unsafe { sys::ov_model_get_friendly_name(model_ptr(model), &mut name) }).ok()?;
    // SAFETY: as just said.
    unsafe { take_string(name) }.filter(|n| !n.is_empty())
}

/// A model's inputs or outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Inputs,
    Outputs,
}

/// What a port declares: its tensor name (empty when it has none), static shape and element
/// type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortInfo {
    pub(crate) name: String,
    pub(crate) shape: Vec<i64>,
    pub(crate) element_type: ElementType,
}

/// Reads one port and frees it.
fn port_info(port: Owned<sys::ov_output_const_port_t>) -> Result<PortInfo, InferenceError> {
    let mut name = ptr::null_mut();
    // SAFETY: a live port; on OK `name` is a string to free with `ov_free` (a port without a
    // tensor name fails, and reads as the empty name).
    let named = check(unsafe { sys::ov_port_get_any_name(port.ptr, &mut name) });
    // SAFETY: as just said.
    let name = named
        .ok()
        .and_then(|()| unsafe { take_string(name) })
        .unwrap_or_default();
    let mut shape = sys::ov_shape_t {
        rank: 0,
        dims: ptr::null_mut(),
    };
    // SAFETY: a live port; on OK `shape` owns its dims, freed below.
    check(unsafe { sys::ov_const_port_get_shape(port.ptr, &mut shape) })?;
    let dims = if shape.dims.is_null() {
        Vec::new()
    } else {
        // SAFETY: `dims` holds `rank` values.
        unsafe { std::slice::from_raw_parts(shape.dims, usize::try_from(shape.rank).unwrap_or(0)) }
            .to_vec()
    };
    // SAFETY: made by the call above, freed once.
    unsafe { sys::ov_shape_free(&mut shape) };
    let mut element_type = sys::ov_element_type_e::DYNAMIC;
    // SAFETY: a live port.
    check(unsafe { sys::ov_port_get_element_type(port.ptr, &mut element_type) })?;
    Ok(PortInfo {
        name,
        shape: dims,
        element_type: element_type.into(),
    })
}

/// Every port of a model: `count` writes how many there are, `port` the port of an index;
/// each port is read and freed.
fn ports(
    count: impl FnOnce(&mut usize) -> sys::ov_status_e,
    port: impl Fn(usize, &mut *mut sys::ov_output_const_port_t) -> sys::ov_status_e,
) -> Result<Vec<PortInfo>, InferenceError> {
    let mut n = 0;
    check(count(&mut n))?;
    (0..n)
        .map(|index| {
            let mut out = ptr::null_mut();
            check(port(index, &mut out))?;
            port_info(Owned {
                ptr: out,
                // SAFETY: a port OpenVINO made for us, freed once.
                free: |p| unsafe { sys::ov_output_const_port_free(p) },
            })
        })
        .collect()
}

/// Every input or output port of a model read from a file.
pub(crate) fn model_ports(
    model: &openvino::Model,
    side: Side,
) -> Result<Vec<PortInfo>, InferenceError> {
    let model = model_ptr(model);
    // SAFETY (each call): `model` is live while borrowed; `ports` owns what is written.
    match side {
        Side::Inputs => ports(
            |n| unsafe { sys::ov_model_inputs_size(model, n) },
            |i, port| unsafe { sys::ov_model_const_input_by_index(model, i, port) },
        ),
        Side::Outputs => ports(
            |n| unsafe { sys::ov_model_outputs_size(model, n) },
            |i, port| unsafe { sys::ov_model_const_output_by_index(model, i, port) },
        ),
    }
}

/// Every input or output port of a compiled model.
pub(crate) fn compiled_ports(
    compiled: &openvino::CompiledModel,
    side: Side,
) -> Result<Vec<PortInfo>, InferenceError> {
    let compiled = compiled_ptr(compiled);
    // SAFETY (each call): `compiled` is live while borrowed; `ports` owns what is written.
    match side {
        Side::Inputs => ports(
            |n| unsafe { sys::ov_compiled_model_inputs_size(compiled, n) },
            |i, port| unsafe { sys::ov_compiled_model_input_by_index(compiled, i, port) },
        ),
        Side::Outputs => ports(
            |n| unsafe { sys::ov_compiled_model_outputs_size(compiled, n) },
            |i, port| unsafe { sys::ov_compiled_model_output_by_index(compiled, i, port) },
        ),
    }
}

/// A property of a compiled model as OpenVINO reports it (the value string freed).
pub(crate) fn compiled_property(
    compiled: &openvino::CompiledModel,
    key: &str,
) -> Result<String, InferenceError> {
    let key = CString::new(key).map_err(|_| {
        error(
            InferenceErrorKind::InvalidCParam,
            format!("property name {key:?} holds a NUL byte"),
        )
    })?;
    let mut value = ptr::null_mut();
    // SAFETY: a live compiled model and key; on OK `value` is a string to free with `ov_free`.
    check(unsafe {
        sys::ov_compiled_model_get_property(compiled_ptr(compiled), key.as_ptr(), &mut value)
    })?;
    // SAFETY: as just said.
    Ok(unsafe { take_string(value) }.unwrap_or_default())
}
