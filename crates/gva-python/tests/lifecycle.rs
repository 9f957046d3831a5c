//! The life of the Python objects a `gvapython` element loads, in a process where the plugin
//! started Python itself (as in `gst-launch-1.0`): they live from the first start to the
//! element's dispose — across PLAYING→NULL→PLAYING — and are released then, with the interpreter
//! attached, whichever thread drops the last reference: the instance's `__del__` runs at once and
//! the module leaves `sys.modules`.

mod common;

use common::init;
use std::path::{Path, PathBuf};

use gst::prelude::*;
use pyo3::prelude::*;

const CAPS: &str = "video/x-raw,format=GRAY8,width=16,height=16";

/// A scratch folder of this test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("gvapython-lifecycle-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A class that counts frames and records its own end in `events` (one line per event, the
/// file opened and closed each time so that what the test reads is on disk).
const TRACKER: &str = r#"
class Tracker:
    def __init__(self, events):
        self.events = events
        self.frames = 0
        self.note("created")

    def note(self, what):
        with open(self.events, "a") as f:
            f.write(what + "\n")

    def process_frame(self, frame):
        self.frames += 1
        return True

    def __del__(self):
        self.note(f"deleted after {self.frames} frames")
"#;

fn events(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A pipeline of `frames` frames through a `gvapython name={name}` running [`TRACKER`] (names
/// unique per test: tests run in parallel in one interpreter).
fn tracker_pipeline(scratch: &Scratch, name: &str, frames: u32) -> gst::Pipeline {
    let module = scratch.path("tracker.py");
    std::fs::write(&module, TRACKER).unwrap();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers={frames} ! {CAPS} ! gvapython name={name} module={} \
         class=Tracker ! fakesink",
        module.display()
    ))
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let events = serde_json::json!([scratch.path("events.txt")]).to_string();
    pipeline.by_name(name).unwrap().set_property("arg", events);
    pipeline
}

/// Plays to EOS, then NULL.
fn run(pipeline: &gst::Pipeline) {
    pipeline.set_state(gst::State::Playing).unwrap();
    let message = pipeline
        .bus()
        .unwrap()
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(60),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("EOS or an error in time");
    assert!(
        matches!(message.view(), gst::MessageView::Eos(_)),
        "{message:?}"
    );
    drop(message); // it holds its source element
    pipeline.set_state(gst::State::Null).unwrap();
}

/// Names in `sys.modules` of the modules gvapython loaded for elements named `name`.
fn loaded_modules(name: &str) -> Vec<String> {
    let prefix = format!("gvapython_{name}_");
    gstgvapython::thread_state::with_gil(|py| {
        py.import("sys")
            .and_then(|sys| sys.getattr("modules"))
            .and_then(|modules| modules.call_method0("keys"))
            .and_then(|keys| keys.try_iter()?.map(|k| k?.extract()).collect())
            .map(|names: Vec<String>| {
                names
                    .into_iter()
                    .filter(|n| n.starts_with(&prefix))
                    .collect()
            })
            .unwrap()
    })
    .unwrap_or_else(|_| panic!("Python is not running"))
}

#[test]
fn dispose_releases_the_instance_and_the_module_at_once() {
    init();
    let scratch = Scratch::new("dispose");
    let events_file = scratch.path("events.txt");
    let name = "disposed_tracker";
    let pipeline = tracker_pipeline(&scratch, name, 7);

    run(&pipeline);
    // NULL keeps the instance (SPEC §4) and its module.
    assert_eq!(events(&events_file), ["created"]);
    assert_eq!(loaded_modules(name).len(), 1);
    run(&pipeline);
    assert_eq!(events(&events_file), ["created"]);

    drop(pipeline); // the last reference: the element is disposed here
    assert_eq!(events(&events_file), ["created", "deleted after 14 frames"]);
    assert_eq!(loaded_modules(name), Vec::<String>::new());
}

#[test]
fn dispose_on_a_thread_python_never_saw_releases_too() {
    init();
    let scratch = Scratch::new("thread");
    let events_file = scratch.path("events.txt");
    let pipeline = tracker_pipeline(&scratch, "thread_tracker", 5);
    run(&pipeline);
    assert_eq!(events(&events_file), ["created"]);
    std::thread::spawn(move || drop(pipeline)).join().unwrap();
    assert_eq!(events(&events_file), ["created", "deleted after 5 frames"]);
}

#[test]
fn a_failed_start_leaves_no_module_behind() {
    init();
    let scratch = Scratch::new("failed");
    let module = scratch.path("broken.py");
    std::fs::write(&module, "class Other:\n    pass\n").unwrap();
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc num-buffers=1 ! {CAPS} ! gvapython name=broken_start module={} \
         class=Missing ! fakesink",
        module.display()
    ))
    .unwrap();
    assert!(pipeline.set_state(gst::State::Playing).is_err());
    pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(loaded_modules("broken_start"), Vec::<String>::new());
}
