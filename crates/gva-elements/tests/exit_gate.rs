//! Once the application's interpreter is ending (the exit gate closed, see `gva_exit_gate`),
//! no gva element passes anything on under its Rust frames: frames are refused (`FLUSHING`),
//! events both ways and queries on both pads are dropped (`false`), messages are not posted;
//! a thread that was inside when the gate closed (a frame the inference pool is pushing)
//! finishes what it was doing.
//!
//! One test function: closing the gate is for good in a process (this test binary's own).

mod common;

use std::sync::mpsc;

use gst::prelude::*;
use gst_check::Harness;

const CAPS: &str = "video/x-raw,format=BGR,width=64,height=64,framerate=30/1";

fn frame(i: u64) -> gst::Buffer {
    let mut buffer = gst::Buffer::from_slice(common::frame(64, 64, (8, 8, 8, 8), [0, 0, 255]));
    buffer
        .get_mut()
        .expect("new")
        .set_pts(gst::ClockTime::from_mseconds(33 * i));
    buffer
}

/// An element in a harness, with a bus of its own.
struct Case {
    name: String,
    harness: Harness,
    element: gst::Element,
    bus: gst::Bus,
}

impl Case {
    fn new(description: &str) -> Self {
        let element = gst::parse::launch(description).expect("parses");
        let bus = gst::Bus::new();
        element.set_bus(Some(&bus));
        let mut harness = Harness::with_element(&element, Some("sink"), Some("src"));
        harness.set_src_caps_str(CAPS);
        Self {
            name: description.split(' ').next().unwrap_or_default().to_owned(),
            harness,
            element,
            bus,
        }
    }

    fn post(&self) -> bool {
        self.element
            .post_message(gst::message::Application::new(gst::Structure::new_empty(
                "gva-exit-gate-test",
            )))
            .is_ok()
    }

    /// Whether the bus holds the message of [`Case::post`] (the bus is emptied).
    fn posted(&self) -> bool {
        let mut found = false;
        while let Some(message) = self.bus.pop() {
            found |= message.structure().map(|s| s.name().as_str()) == Some("gva-exit-gate-test");
        }
        found
    }

    /// A caps query through the element, from downstream (src pad) and from upstream (sink).
    fn queries(&self) -> (bool, bool) {
        let mut from_downstream = gst::query::Caps::new(None);
        let mut from_upstream = gst::query::Caps::new(None);
        let sinkpad = self.harness.sinkpad().expect("harness sink pad");
        let srcpad = self.harness.srcpad().expect("harness src pad");
        (
            sinkpad.peer_query(&mut from_downstream),
            srcpad.peer_query(&mut from_upstream),
        )
    }

    fn drain_events(&mut self) {
        while self.harness.try_pull_event().is_some() {}
        while self.harness.try_pull_upstream_event().is_some() {}
    }
}

#[test]
fn once_the_gate_is_closed_no_element_passes_anything_on() {
    common::init();
    let dir = std::env::temp_dir().join(format!("gva-exit-gate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let published = dir.join("records.json");
    let descriptions = [
        format!(
            "gvadetect model={} model-proc={}",
            common::model("detector_ssd.xml"),
            common::model("detector_ssd.json")
        ),
        format!(
            "gvaclassify model={} model-proc={}",
            common::model("classifier.xml"),
            common::model("classifier.json")
        ),
        format!("gvainference model={}", common::model("classifier.xml")),
        "gvametaconvert".to_owned(),
        format!("gvametapublish file-path={}", published.display()),
        "gvawatermark".to_owned(),
        "gvafpscounter".to_owned(),
        "gvatrack".to_owned(),
        "gvaattachroi roi=0,0,8,8".to_owned(),
    ];
    let mut cases: Vec<Case> = descriptions.iter().map(|d| Case::new(d)).collect();

    // Open: everything passes.
    for case in &mut cases {
        let name = &case.name;
        assert_eq!(
            case.harness.push(frame(0)),
            Ok(gst::FlowSuccess::Ok),
            "{name}"
        );
        assert!(case.harness.pull().is_ok(), "{name}: the frame comes out");
        assert_eq!(case.queries(), (true, true), "{name}");
        assert!(case.post(), "{name}");
        assert!(case.posted(), "{name}: the message is on the bus");
        assert!(
            case.harness
                .push_upstream_event(gst::event::Reconfigure::new()),
            "{name}"
        );
        case.drain_events();
    }

    // gvadetect's pool delivers frame 1 into a probe that holds the completion thread inside
    // the gate while the gate closes: what was inside finishes, frame 1 comes out.
    let detect = &mut cases[0];
    let (entered, wait_entered) = mpsc::channel();
    let (release, wait_release) = mpsc::channel::<()>();
    let src = detect.element.static_pad("src").expect("src pad");
    let held = std::sync::Mutex::new(Some((entered, wait_release)));
    let probe = src
        .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            if let Some((entered, wait_release)) = held.lock().unwrap().take() {
                entered.send(()).unwrap();
                wait_release.recv().unwrap();
            }
            gst::PadProbeReturn::Ok
        })
        .expect("probe");
    assert_eq!(detect.harness.push(frame(1)), Ok(gst::FlowSuccess::Ok));
    wait_entered.recv().expect("frame 1 in the probe");

    gva_exit_gate::close();
    release.send(()).expect("release frame 1");
    assert!(detect.harness.pull().is_ok(), "frame 1 comes out");
    src.remove_probe(probe);

    // Closed: nothing passes.
    for case in &mut cases {
        let name = &case.name;
        let before = case.harness.buffers_received();
        assert_eq!(
            case.harness.push(frame(3)),
            Err(gst::FlowError::Flushing),
            "{name}"
        );
        assert!(!case.harness.push_event(gst::event::Eos::new()), "{name}");
        assert!(
            !case
                .harness
                .push_upstream_event(gst::event::Reconfigure::new()),
            "{name}"
        );
        assert_eq!(case.queries(), (false, false), "{name}");
        assert!(!case.post(), "{name}");
        assert!(!case.posted(), "{name}: the message is not on the bus");
        assert!(
            case.harness.try_pull_event().is_none(),
            "{name}: no event out"
        );
        assert!(
            case.harness.try_pull_upstream_event().is_none(),
            "{name}: no upstream event out"
        );
        assert_eq!(
            case.harness.buffers_received(),
            before,
            "{name}: no frame out"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The gate reaches the interpreter through `dlsym`: the plugin links no libpython and refers to
/// no CPython symbol, so it loads in a plain `gst-launch-1.0`.
#[test]
fn the_plugin_does_not_link_python() {
    let plugin = common::built_plugin();
    let readelf = |args: &[&str]| {
        let out = std::process::Command::new("readelf")
            .args(args)
            .arg(&plugin)
            .output()
            .expect("readelf runs (binutils)");
        assert!(out.status.success(), "readelf {args:?} failed");
        String::from_utf8(out.stdout).expect("readelf prints text")
    };
    let needed: Vec<String> = readelf(&["-d", "-W"])
        .lines()
        .filter(|l| l.contains("(NEEDED)"))
        .map(str::to_owned)
        .collect();
    assert!(
        needed.iter().any(|l| l.contains("libgstreamer-1.0")),
        "{needed:?}"
    );
    assert!(
        !needed.iter().any(|l| l.contains("libpython")),
        "{needed:?}"
    );
    let python_imports: Vec<String> = readelf(&["--dyn-syms", "-W"])
        .lines()
        .filter(|l| l.contains(" UND "))
        .filter_map(|l| l.split_whitespace().last())
        .filter(|name| name.starts_with("Py") || name.starts_with("_Py"))
        .map(str::to_owned)
        .collect();
    assert!(python_imports.is_empty(), "{python_imports:?}");
}
