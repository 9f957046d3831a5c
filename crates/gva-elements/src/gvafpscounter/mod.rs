//! `gvafpscounter` (being written; see SPEC.md §6).

/// Registers `gvafpscounter` with `plugin` (nothing yet).
pub fn register(_plugin: &gst::Plugin) -> Result<(), gst::glib::BoolError> {
    Ok(())
}
