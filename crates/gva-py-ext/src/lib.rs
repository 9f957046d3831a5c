//! `gva-py-ext` — the native part of the `gstgva` Python package (not built yet).
//!
//! It will be built by maturin into the wheel `gstgva` (module `gstgva._native` plus a pure-Python
//! shim, `.pyi` stubs and `py.typed`), API-compatible with DL Streamer's `gstgva`, over `gva-meta`.
//! See SPEC.md §3.
