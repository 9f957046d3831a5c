//! `gvametaconvert` (being written; see SPEC.md §6).

/// Registers `gvametaconvert` with `plugin` (nothing yet).
pub fn register(_plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    Ok(())
}
