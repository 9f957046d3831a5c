//! `gva-python` — the GStreamer plugin `gvapython` (not built yet).
//!
//! It will hold the `gvapython` element: CPython embedded with pyo3, running a user's Python
//! function or class method on every frame with a `gstgva.VideoFrame`. Until the element exists the
//! crate is a plain library, so no half-made plugin is installed. See SPEC.md §4.
