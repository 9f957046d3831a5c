//! `gvametapublish` (being written; see SPEC.md §6).

/// Registers `gvametapublish` with `plugin` (nothing yet).
pub fn register(_plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    Ok(())
}
