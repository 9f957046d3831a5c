//! What the integration tests share: GStreamer initialised once, with GLib's criticals recorded.

use std::sync::{Mutex, Once};

use gst::glib;

/// GLib warnings and criticals seen since the process started ("domain: message").
static CRITICALS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// `gst::init()` plus a GLib log handler that records every CRITICAL and WARNING, so a test can
/// prove that GStreamer never complained (a `g_return_val_if_fail` only logs and returns NULL).
pub fn init() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        gst::init().unwrap();
        glib::log_set_default_handler(|domain, level, message| {
            if matches!(level, glib::LogLevel::Critical | glib::LogLevel::Warning) {
                CRITICALS
                    .lock()
                    .unwrap()
                    .push(format!("{}: {message}", domain.unwrap_or("")));
            }
            glib::log_default_handler(domain, level, Some(message));
        });
    });
}

pub fn assert_no_criticals() {
    assert_eq!(*CRITICALS.lock().unwrap(), Vec::<String>::new());
}
