//! C string conversions that report errors instead of panicking.

use std::ffi::{CStr, c_char};

use crate::Error;

/// `bytes` as `&str`, or [`Error::InvalidUtf8`] naming `what`.
pub(crate) fn to_str(bytes: &CStr, what: impl FnOnce() -> String) -> Result<&str, Error> {
    bytes.to_str().map_err(|e| Error::InvalidUtf8 {
        what: what(),
        valid_up_to: e.valid_up_to(),
    })
}

/// [`Error::InteriorNul`] if `s` holds a NUL byte, which a C string cannot.
pub(crate) fn check_no_nul(s: &str, what: &'static str) -> Result<(), Error> {
    match s.bytes().position(|b| b == 0) {
        Some(position) => Err(Error::InteriorNul { what, position }),
        None => Ok(()),
    }
}

/// A `g_malloc`ed copy of `s`, or [`Error::InteriorNul`] if C could not hold it.
pub(crate) fn g_strdup(s: &str, what: &'static str) -> Result<*mut c_char, Error> {
    check_no_nul(s, what)?;
    // SAFETY: `s` has no NUL, so g_strndup copies exactly its bytes and terminates them.
    Ok(unsafe { gst::glib::ffi::g_strndup(s.as_ptr() as *const c_char, s.len()) })
}

/// A NUL-terminated copy of `s` for passing to C.
pub(crate) fn c_string(s: &str, what: &'static str) -> Result<std::ffi::CString, Error> {
    std::ffi::CString::new(s).map_err(|e| Error::InteriorNul {
        what,
        position: e.nul_position(),
    })
}
