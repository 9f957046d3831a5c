//! Once the application's interpreter is ending (the exit gate closed, see `gva_exit_gate`),
//! `gvapython` passes nothing on under its Rust frames: frames are refused (`FLUSHING`) before
//! any Python runs, events both ways and queries on both pads are dropped (`false`), messages
//! are not posted.
//!
//! One test function: closing the gate is for good in a process (this test binary's own).

mod common;

use common::init;
use gst::prelude::*;
use gst_check::Harness;

const CAPS: &str = "video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1";

const MODULE: &str = "
calls = 0


def process_frame(frame):
    global calls
    calls += 1
    frame.add_message(str(calls))
    return True
";

fn frame(i: u64) -> gst::Buffer {
    let mut buffer = gst::Buffer::from_mut_slice(vec![i as u8; 256]);
    buffer
        .get_mut()
        .unwrap()
        .set_pts(gst::ClockTime::from_mseconds(33 * i));
    buffer
}

/// The JSON messages gvapython's function added to `buffer` (the call count).
fn calls(buffer: &gst::Buffer) -> Vec<String> {
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Gray8, 16, 16)
        .build()
        .unwrap();
    gva_meta::VideoFrame::new(buffer.as_ref(), info)
        .messages()
        .map(|m| m.text().unwrap().to_owned())
        .collect()
}

/// Whether the bus holds an application message named `name` (the bus is emptied).
fn posted(bus: &gst::Bus, name: &str) -> bool {
    let mut found = false;
    while let Some(message) = bus.pop() {
        found |= message.structure().map(|s| s.name().as_str()) == Some(name);
    }
    found
}

#[test]
fn once_the_gate_is_closed_gvapython_passes_nothing_on() {
    init();
    let module = std::env::temp_dir().join(format!("gvapython-exit-{}.py", std::process::id()));
    std::fs::write(&module, MODULE).unwrap();
    let element = gst::ElementFactory::make("gvapython")
        .property("module", module.to_str().unwrap())
        .build()
        .unwrap();
    let bus = gst::Bus::new();
    element.set_bus(Some(&bus));
    let mut h = Harness::with_element(&element, Some("sink"), Some("src"));
    h.set_src_caps_str(CAPS);
    let post = || {
        element
            .post_message(gst::message::Application::new(gst::Structure::new_empty(
                "gvapython-exit-test",
            )))
            .is_ok()
    };
    let queries = |h: &Harness| {
        let mut from_downstream = gst::query::Caps::new(None);
        let mut from_upstream = gst::query::Caps::new(None);
        (
            h.sinkpad().unwrap().peer_query(&mut from_downstream),
            h.srcpad().unwrap().peer_query(&mut from_upstream),
        )
    };

    // Open: the function runs, everything passes.
    assert_eq!(h.push(frame(0)), Ok(gst::FlowSuccess::Ok));
    assert_eq!(calls(&h.pull().unwrap()), ["1"]);
    assert_eq!(queries(&h), (true, true));
    assert!(post());
    assert!(posted(&bus, "gvapython-exit-test"));
    assert!(h.push_upstream_event(gst::event::Reconfigure::new()));
    while h.try_pull_event().is_some() {}
    while h.try_pull_upstream_event().is_some() {}

    gva_exit_gate::close();

    assert_eq!(h.push(frame(1)), Err(gst::FlowError::Flushing));
    assert!(!h.push_event(gst::event::Eos::new()));
    assert!(!h.push_upstream_event(gst::event::Reconfigure::new()));
    assert_eq!(queries(&h), (false, false));
    assert!(!post());
    assert!(!posted(&bus, "gvapython-exit-test"));
    assert!(h.try_pull_event().is_none());
    assert!(h.try_pull_upstream_event().is_none());
    assert_eq!(h.buffers_received(), 1);
    let _ = std::fs::remove_file(&module);
}
