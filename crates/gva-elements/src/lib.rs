//! `gva-elements` — the GStreamer plugin `gva` (not built yet).
//!
//! It will hold `gvadetect`, `gvaclassify`, `gvainference`, `gvametaconvert`, `gvametapublish`,
//! `gvawatermark` and `gvafpscounter`, built as a `cdylib` plugin loaded through `GST_PLUGIN_PATH`.
//! Until those elements exist the crate is a plain library, so no half-made plugin is installed.
//! See SPEC.md §5 and §6.
