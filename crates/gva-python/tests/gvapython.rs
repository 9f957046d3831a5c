//! Integration tests of the `gvapython` element: gst-check harnesses and real pipelines running
//! Python scripts that each test writes to its own temporary file.
//!
//! The embedded interpreter is the project's `.venv` (it has `gstgva` and numpy): the plugin's
//! default when built with `PYO3_PYTHON=.venv/bin/python`; otherwise [`init`](common::init) points
//! `GVA_PYTHON_EXE` at it.

mod common;

use common::init;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gst::prelude::*;
use gst_check::Harness;
use gva_meta::VideoFrame;

const TIMEOUT: gst::ClockTime = gst::ClockTime::from_seconds(60);
const GRAY_CAPS: &str = "video/x-raw,format=GRAY8,width=16,height=16,framerate=30/1";

/// A Python file written by a test; deleted when dropped.
struct Script(PathBuf);

impl std::ops::Deref for Script {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Writes `source` to a new `.py` file (unique per call and process).
fn script(name: &str, source: &str) -> Script {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join("gvapython-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{name}_{}_{n}.py", std::process::id()));
    std::fs::write(&path, source).unwrap();
    Script(path)
}

fn gvapython(module: &Path) -> gst::Element {
    gst::ElementFactory::make("gvapython")
        .property("module", module.to_str().unwrap())
        .build()
        .unwrap()
}

fn gray_info() -> gst_video::VideoInfo {
    gst_video::VideoInfo::builder(gst_video::VideoFormat::Gray8, 16, 16)
        .fps(gst::Fraction::new(30, 1))
        .build()
        .unwrap()
}

fn gray_buffer(i: u64) -> gst::Buffer {
    let mut buffer = gst::Buffer::from_mut_slice(vec![i as u8; 256]);
    {
        let b = buffer.get_mut().unwrap();
        b.set_pts(gst::ClockTime::from_mseconds(33 * i));
        b.set_offset(i);
    }
    buffer
}

/// A harness around a configured `gvapython` (started: the Python callback is loaded).
fn harness(element: &gst::Element) -> Harness {
    let mut h = Harness::with_element(element, Some("sink"), Some("src"));
    h.set_src_caps_str(GRAY_CAPS);
    h
}

fn messages(buffer: &gst::BufferRef, info: &gst_video::VideoInfo) -> Vec<String> {
    VideoFrame::new(buffer, info.clone())
        .messages()
        .map(|m| m.text().unwrap().to_owned())
        .collect()
}

fn json_messages(buffer: &gst::BufferRef, info: &gst_video::VideoInfo) -> Vec<serde_json::Value> {
    messages(buffer, info)
        .iter()
        .map(|m| serde_json::from_str(m).unwrap_or_else(|e| panic!("{m}: {e}")))
        .collect()
}

#[derive(Debug)]
struct BusError {
    src: String,
    message: String,
    debug: String,
}

/// What came out of a pipeline run.
#[derive(Default)]
struct Sunk {
    buffers: Vec<gst::Buffer>,
    info: Option<gst_video::VideoInfo>,
}

struct Run {
    sunk: Arc<Mutex<Sunk>>,
    errors: Vec<BusError>,
    /// EOS came, and before any error.
    eos: bool,
}

impl Run {
    fn buffers(&self) -> Vec<gst::Buffer> {
        self.sunk.lock().unwrap().buffers.clone()
    }

    fn info(&self) -> gst_video::VideoInfo {
        self.sunk
            .lock()
            .unwrap()
            .info
            .clone()
            .expect("caps at the sink")
    }

    /// The error posted by the element named `name`.
    fn error_from(&self, name: &str) -> &BusError {
        self.errors
            .iter()
            .find(|e| e.src == name)
            .unwrap_or_else(|| panic!("no error from {name}; errors: {:?}", self.errors))
    }
}

/// A pipeline from `desc`; its `appsink name=sink` (if any) collects buffers.
fn pipeline(desc: &str) -> (gst::Pipeline, Arc<Mutex<Sunk>>) {
    let pipeline = gst::parse::launch(desc)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let sunk = Arc::new(Mutex::new(Sunk::default()));
    if let Some(sink) = pipeline.by_name("sink") {
        let sink = sink.downcast::<gst_app::AppSink>().unwrap();
        let sunk = sunk.clone();
        sink.set_callbacks(
            gst_app::AppSinkCallbacks::builder()
                .new_sample(move |sink| {
                    let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                    let mut sunk = sunk.lock().unwrap();
                    if sunk.info.is_none() {
                        sunk.info = sample
                            .caps()
                            .and_then(|c| gst_video::VideoInfo::from_caps(c).ok());
                    }
                    sunk.buffers.push(sample.buffer_owned().unwrap());
                    Ok(gst::FlowSuccess::Ok)
                })
                .build(),
        );
    }
    (pipeline, sunk)
}

/// Plays `pipeline` until EOS or an error (start failures included), then stops it (NULL).
fn play(pipeline: &gst::Pipeline, sunk: &Arc<Mutex<Sunk>>) -> Run {
    let run = play_keep(pipeline, sunk);
    pipeline.set_state(gst::State::Null).unwrap();
    run
}

/// [`play`] without the final NULL.
fn play_keep(pipeline: &gst::Pipeline, sunk: &Arc<Mutex<Sunk>>) -> Run {
    let bus = pipeline.bus().unwrap();
    let started = pipeline.set_state(gst::State::Playing);
    let mut errors = Vec::new();
    let mut eos = false;
    let mut next = bus.timed_pop_filtered(
        if started.is_ok() {
            TIMEOUT
        } else {
            gst::ClockTime::from_seconds(5)
        },
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    while let Some(msg) = next {
        match msg.view() {
            // An EOS after an error is the source's EOS that follows its flow error.
            gst::MessageView::Eos(_) => eos = errors.is_empty(),
            gst::MessageView::Error(e) => errors.push(BusError {
                src: msg.src().map(|s| s.name().to_string()).unwrap_or_default(),
                message: e.error().message().to_owned(),
                debug: e.debug().map(|d| d.to_string()).unwrap_or_default(),
            }),
            _ => {}
        }
        // Collect whatever else is already on the bus (other errors of the same failure).
        next = bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(50),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        );
    }
    assert!(
        eos || !errors.is_empty(),
        "neither EOS nor an error within {TIMEOUT} (start: {started:?})"
    );
    Run {
        sunk: sunk.clone(),
        errors,
        eos,
    }
}

fn gray_src(n: u32) -> String {
    format!("videotestsrc num-buffers={n} ! {GRAY_CAPS}")
}

/// Runs `gray_src(n) ! gvapython name=py ! appsink` with `configure` applied to the element.
fn run_gvapython(n: u32, configure: impl FnOnce(&gst::Element)) -> Run {
    init();
    let (p, sunk) = pipeline(&format!(
        "{} ! gvapython name=py ! appsink name=sink sync=false",
        gray_src(n)
    ));
    configure(&p.by_name("py").unwrap());
    play(&p, &sunk)
}

/// A start-up failure: the error the element posted (the pipeline never runs).
fn start_failure(configure: impl FnOnce(&gst::Element)) -> BusError {
    let run = run_gvapython(3, configure);
    assert!(!run.eos, "the pipeline ran");
    assert!(run.buffers().is_empty());
    let e = run.error_from("py");
    BusError {
        src: e.src.clone(),
        message: e.message.clone(),
        debug: e.debug.clone(),
    }
}

fn assert_contains(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "{part:?} is missing from:\n{text}");
    }
}

// ------------------------------------------------------------------------------------------------

#[test]
fn function_adding_a_region_passes_every_buffer_with_it() {
    init();
    let module = script(
        "add_region",
        "def process_frame(frame):\n    \
             frame.add_region(2, 3, 8, 6, label='face', confidence=0.75)\n    \
             return True\n",
    );
    let mut h = harness(&gvapython(&module));
    const N: u64 = 20;
    for i in 0..N {
        assert_eq!(h.push(gray_buffer(i)), Ok(gst::FlowSuccess::Ok));
    }
    assert_eq!(h.buffers_in_queue(), N as u32);
    let info = gray_info();
    for i in 0..N {
        let out = h.pull().unwrap();
        assert_eq!(out.offset(), i);
        let frame = VideoFrame::new(out.as_ref(), info.clone());
        let regions: Vec<_> = frame.regions().collect();
        assert_eq!(regions.len(), 1, "buffer {i}");
        let r = regions[0];
        assert_eq!(r.label().unwrap(), "face");
        assert_eq!(
            (r.rect().x, r.rect().y, r.rect().w, r.rect().h),
            (2, 3, 8, 6)
        );
        assert!((r.confidence().unwrap() - 0.75).abs() < 1e-9);
    }
    assert_eq!(h.buffers_in_queue(), 0);
}

#[test]
fn falsy_return_drops_the_buffer() {
    init();
    let module = script(
        "drop_odd",
        "frame_number = 0\n\
         def process_frame(frame):\n    \
             global frame_number\n    \
             n = frame_number\n    \
             frame_number += 1\n    \
             frame.add_message(str(n))\n    \
             return frame_number % 2 == 1\n",
    );
    let mut h = harness(&gvapython(&module));
    for i in 0..11 {
        assert_eq!(h.push(gray_buffer(i)), Ok(gst::FlowSuccess::Ok));
    }
    assert_eq!(h.buffers_in_queue(), 6);
    let info = gray_info();
    for i in [0u64, 2, 4, 6, 8, 10] {
        let out = h.pull().unwrap();
        assert_eq!(out.offset(), i);
        assert_eq!(messages(&out, &info), vec![i.to_string()]);
    }
}

#[test]
fn none_and_every_falsy_value_drop_the_buffer() {
    init();
    let module = script(
        "drop_none",
        "RESULTS = [True, False, 0, '', [], None, 1, 'yes', {}, 0.0]\n\
         calls = 0\n\
         def process_frame(frame):\n    \
             global calls\n    \
             r = RESULTS[calls % len(RESULTS)]\n    \
             calls += 1\n    \
             frame.add_message(repr(r))\n    \
             if r is None:\n        \
                 return\n    \
             return r\n",
    );
    let run = run_gvapython(20, |py| py.set_property("module", module.to_str().unwrap()));
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    let info = run.info();
    let seen: Vec<Vec<String>> = run.buffers().iter().map(|b| messages(b, &info)).collect();
    let passed = |v: &str| vec![v.to_owned()];
    assert_eq!(
        seen,
        vec![
            passed("True"),
            passed("1"),
            passed("'yes'"),
            passed("True"),
            passed("1"),
            passed("'yes'"),
        ]
    );
}

#[test]
fn class_without_constructor_arguments() {
    let module = script(
        "class_noargs",
        "class Plain:\n    \
             def __init__(self):\n        \
                 self.calls = 0\n    \
             def process_frame(self, frame):\n        \
                 self.calls += 1\n        \
                 frame.add_message('Plain %d' % self.calls)\n        \
                 return True\n",
    );
    let run = run_gvapython(3, |py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("class", "Plain");
    });
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    let info = run.info();
    let seen: Vec<_> = run.buffers().iter().map(|b| messages(b, &info)).collect();
    assert_eq!(
        seen,
        vec![vec!["Plain 1"], vec!["Plain 2"], vec!["Plain 3"]]
    );
}

#[test]
fn class_gets_accumulated_arg_and_kwarg() {
    let module = script(
        "class_args",
        "import json\n\
         class Recorder:\n    \
             def __init__(self, *args, **kwargs):\n        \
                 self.got = json.dumps({'args': args, 'kwargs': kwargs, \
                                        'types': [type(a).__name__ for a in args]})\n    \
             def handle(self, frame):\n        \
                 frame.add_message(self.got)\n        \
                 return True\n",
    );
    let mut getters = None;
    let run = run_gvapython(2, |py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("class", "Recorder");
        py.set_property("function", "handle");
        py.set_property("arg", "[1, 2]");
        py.set_property("arg", "\"x\"");
        py.set_property("kwarg", r#"{"a": 1}"#);
        py.set_property("kwarg", r#"{"b": 2}"#);
        getters = Some((py.property::<String>("arg"), py.property::<String>("kwarg")));
    });
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    let (arg, kwarg) = getters.unwrap();
    let parse = |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap();
    assert_eq!(parse(&arg), serde_json::json!([1, 2, "x"]));
    assert_eq!(parse(&kwarg), serde_json::json!({"a": 1, "b": 2}));
    let info = run.info();
    let buffers = run.buffers();
    assert_eq!(buffers.len(), 2);
    for b in &buffers {
        assert_eq!(
            json_messages(b, &info),
            vec![serde_json::json!({
                "args": [1, 2, "x"],
                "kwargs": {"a": 1, "b": 2},
                "types": ["int", "int", "str"],
            })]
        );
    }
}

#[test]
fn property_defaults() {
    init();
    let py = gst::ElementFactory::make("gvapython").build().unwrap();
    assert_eq!(py.property::<Option<String>>("module"), None);
    assert_eq!(py.property::<Option<String>>("class"), None);
    assert_eq!(py.property::<String>("function"), "process_frame");
    assert_eq!(py.property::<String>("arg"), "[]");
    assert_eq!(py.property::<String>("kwarg"), "{}");
}

#[test]
fn exception_in_the_callback_posts_the_traceback_and_stops() {
    let module = script(
        "raises",
        "calls = 0\n\
         def helper(n):\n    \
             raise ValueError('boom at call %d' % n)\n\
         def process_frame(frame):\n    \
             global calls\n    \
             calls += 1\n    \
             if calls == 3:\n        \
                 helper(calls)\n    \
             return True\n",
    );
    let run = run_gvapython(10, |py| py.set_property("module", module.to_str().unwrap()));
    assert!(!run.eos, "the pipeline should stop on the exception");
    let e = run.error_from("py");
    let file = module.file_name().unwrap().to_str().unwrap();
    assert_contains(
        &e.message,
        &[
            "Traceback (most recent call last)",
            file,
            "line 8, in process_frame",
            "line 3, in helper",
            "ValueError: boom at call 3",
        ],
    );
    // Frames 1 and 2 passed; frame 3 failed and the stream stopped.
    assert_eq!(run.buffers().len(), 2);
}

#[test]
fn start_fails_when_module_is_not_set() {
    init();
    let e = start_failure(|_| {});
    assert_contains(&e.message, &["module", "not set"]);
}

#[test]
fn start_fails_on_a_missing_file_naming_the_path() {
    init();
    let missing = std::env::temp_dir().join("gvapython-tests-no-such-dir/absent_script.py");
    let e = start_failure(|py| py.set_property("module", missing.to_str().unwrap()));
    assert_contains(&e.message, &[missing.to_str().unwrap(), "does not exist"]);
}

#[test]
fn start_fails_on_a_syntax_error_with_its_traceback() {
    let module = script(
        "syntax_error",
        "x = 1\ndef process_frame(frame:\n    return True\n",
    );
    let e = start_failure(|py| py.set_property("module", module.to_str().unwrap()));
    assert_contains(
        &e.message,
        &[
            "Traceback",
            "SyntaxError",
            module.file_name().unwrap().to_str().unwrap(),
            "line 2",
        ],
    );
}

#[test]
fn start_fails_on_an_import_error_inside_the_module() {
    let module = script(
        "import_error",
        "import gvapython_tests_no_such_module\n\
         def process_frame(frame):\n    return True\n",
    );
    let e = start_failure(|py| py.set_property("module", module.to_str().unwrap()));
    assert_contains(
        &e.message,
        &[
            "Traceback",
            "ModuleNotFoundError",
            "gvapython_tests_no_such_module",
            module.file_name().unwrap().to_str().unwrap(),
        ],
    );
}

#[test]
fn start_fails_on_a_missing_class() {
    let module = script("no_class", "class Present:\n    pass\n");
    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("class", "Absent");
    });
    assert_contains(&e.message, &["Absent", "AttributeError"]);
}

#[test]
fn start_fails_on_a_missing_function() {
    let module = script("no_function", "def other(frame):\n    return True\n");
    let e = start_failure(|py| py.set_property("module", module.to_str().unwrap()));
    assert_contains(&e.message, &["process_frame", "AttributeError"]);

    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("function", "absent_function");
    });
    assert_contains(&e.message, &["absent_function"]);
}

#[test]
fn start_fails_on_a_missing_method_of_the_class() {
    let module = script(
        "no_method",
        "class K:\n    def other(self, frame):\n        return True\n",
    );
    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("class", "K");
    });
    assert_contains(&e.message, &["process_frame", "K"]);
}

#[test]
fn start_fails_when_constructor_arguments_do_not_match() {
    let module = script(
        "bad_ctor",
        "class NeedsTwo:\n    \
             def __init__(self, first, second):\n        \
                 pass\n    \
             def process_frame(self, frame):\n        \
                 return True\n",
    );
    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("class", "NeedsTwo");
        py.set_property("arg", "[1]");
        py.set_property("kwarg", r#"{"third": 3}"#);
    });
    // The call fails before any Python frame runs, so Python has no stack lines to show.
    assert_contains(
        &e.message,
        &[
            "NeedsTwo",
            module.file_name().unwrap().to_str().unwrap(),
            "TypeError",
            "unexpected keyword argument 'third'",
        ],
    );
}

#[test]
fn start_fails_when_the_constructor_raises_with_its_traceback() {
    let module = script(
        "ctor_raises",
        "class Strict:\n    \
             def __init__(self, limit):\n        \
                 if limit < 0:\n            \
                     raise ValueError('limit must be >= 0, got %r' % limit)\n    \
             def process_frame(self, frame):\n        \
                 return True\n",
    );
    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("class", "Strict");
        py.set_property("kwarg", r#"{"limit": -1}"#);
    });
    assert_contains(
        &e.message,
        &[
            "Traceback (most recent call last)",
            module.file_name().unwrap().to_str().unwrap(),
            "line 4, in __init__",
            "ValueError: limit must be >= 0, got -1",
        ],
    );
}

#[test]
fn start_fails_on_invalid_json_in_arg() {
    let module = script("json_arg", "def process_frame(frame):\n    return True\n");
    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("arg", "[1, 2");
    });
    assert_contains(&e.message, &["'arg'", "JSON"]);
}

#[test]
fn start_fails_on_invalid_json_in_kwarg() {
    let module = script("json_kwarg", "def process_frame(frame):\n    return True\n");
    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("kwarg", "{'single': 'quotes'}");
    });
    assert_contains(&e.message, &["'kwarg'", "JSON"]);
}

#[test]
fn start_fails_on_a_kwarg_that_is_an_array() {
    let module = script(
        "array_kwarg",
        "def process_frame(frame):\n    return True\n",
    );
    let e = start_failure(|py| {
        py.set_property("module", module.to_str().unwrap());
        py.set_property("kwarg", "[1, 2]");
    });
    assert_contains(&e.message, &["'kwarg'", "must be a JSON object"]);
}

#[test]
fn audio_caps_fail_negotiation_with_a_clear_message() {
    init();
    let module = script("audio", "def process_frame(frame):\n    return True\n");
    let (p, sunk) = pipeline(&format!(
        "audiotestsrc num-buffers=3 ! audio/x-raw ! gvapython name=py module={} ! fakesink",
        module.display()
    ));
    let run = play(&p, &sunk);
    assert!(!run.eos);
    let e = run.error_from("py");
    assert_contains(
        &e.message,
        &["gvapython handles video/* and image/*", "audio/x-raw"],
    );
}

#[test]
fn image_caps_are_accepted() {
    init();
    assert!(
        gst::ElementFactory::find("jpegenc").is_some(),
        "jpegenc is missing: it comes with gstreamer1.0-plugins-good, which `cargo xtask setup` \
         installs"
    );
    let module = script(
        "image",
        "def process_frame(frame):\n    \
             frame.add_message('jpeg %d regions' % len(list(frame.regions())))\n    \
             return True\n",
    );
    let (p, sunk) = pipeline(&format!(
        "{} ! jpegenc ! image/jpeg ! gvapython name=py module={} ! appsink name=sink sync=false",
        gray_src(3),
        module.display()
    ));
    let run = play(&p, &sunk);
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    let buffers = run.buffers();
    assert_eq!(buffers.len(), 3);
    for b in &buffers {
        assert_eq!(messages(b, &gray_info()), vec!["jpeg 0 regions"]);
    }
}

#[test]
fn module_path_without_the_py_suffix_is_found() {
    let module = script("no_suffix", "def process_frame(frame):\n    return True\n");
    let stem = module.with_extension("");
    let run = run_gvapython(2, |py| py.set_property("module", stem.to_str().unwrap()));
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    assert_eq!(run.buffers().len(), 2);
}

#[test]
fn script_imports_a_neighbour_from_its_folder() {
    let helper = script("neighbour_helper", "VALUE = 'from the neighbour'\n");
    let helper_name = helper.file_stem().unwrap().to_str().unwrap().to_owned();
    let module = script(
        "uses_neighbour",
        &format!(
            "import {helper_name} as helper\n\
             def process_frame(frame):\n    \
                 frame.add_message(helper.VALUE)\n    \
                 return True\n"
        ),
    );
    let run = run_gvapython(1, |py| py.set_property("module", module.to_str().unwrap()));
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    assert_eq!(
        messages(&run.buffers()[0], &run.info()),
        vec!["from the neighbour"]
    );
}

#[test]
fn restart_reuses_the_instance() {
    init();
    let module = script(
        "restart",
        "import json\n\
         class Counter:\n    \
             def __init__(self):\n        \
                 self.count = 0\n    \
             def process_frame(self, frame):\n        \
                 self.count += 1\n        \
                 frame.add_message(json.dumps({'count': self.count, 'instance': id(self)}))\n        \
                 return True\n",
    );
    let (p, sunk) = pipeline(&format!(
        "{} ! gvapython name=py ! appsink name=sink sync=false",
        gray_src(5)
    ));
    let py = p.by_name("py").unwrap();
    py.set_property("module", module.to_str().unwrap());
    py.set_property("class", "Counter");
    let first = play(&p, &sunk);
    assert!(first.eos && first.errors.is_empty(), "{:?}", first.errors);
    assert_eq!(first.buffers().len(), 5);
    let second = play(&p, &sunk);
    assert!(
        second.eos && second.errors.is_empty(),
        "{:?}",
        second.errors
    );
    let info = second.info();
    let seen: Vec<serde_json::Value> = second
        .buffers()
        .iter()
        .flat_map(|b| json_messages(b, &info))
        .collect();
    let counts: Vec<i64> = seen.iter().map(|m| m["count"].as_i64().unwrap()).collect();
    assert_eq!(counts, (1..=10).collect::<Vec<_>>());
    let instance = &seen[0]["instance"];
    assert!(seen.iter().all(|m| &m["instance"] == instance));
}

#[test]
fn two_elements_loading_one_file_do_not_share_globals() {
    init();
    let module = script(
        "shared_file",
        "import json\n\
         count = 0\n\
         def process_frame(frame):\n    \
             global count\n    \
             count += 1\n    \
             frame.add_message(json.dumps({'name': __name__, 'count': count}))\n    \
             return True\n",
    );
    let (p, sunk) = pipeline(&format!(
        "{src} ! gvapython name=first module={m} ! gvapython name=second module={m} \
         ! appsink name=sink sync=false",
        src = gray_src(4),
        m = module.display()
    ));
    let run = play(&p, &sunk);
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    let info = run.info();
    let buffers = run.buffers();
    assert_eq!(buffers.len(), 4);
    for (i, b) in buffers.iter().enumerate() {
        let m = json_messages(b, &info);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["count"], i + 1, "{m:?}");
        assert_eq!(m[1]["count"], i + 1, "{m:?}");
        assert_ne!(m[0]["name"], m[1]["name"]);
    }
}

/// Element names are unique only inside a bin: two pipelines may both have a `gvapython name=py`.
/// Each script's module must still be the one registered under its `__name__`, or `pickle`
/// (and anything else that resolves `cls.__module__` through `sys.modules`) breaks.
#[test]
fn same_element_name_in_two_pipelines_keeps_each_module_registered() {
    init();
    let first = script(
        "name_clash_first",
        "import pickle\n\
         import sys\n\
         class Marker:\n    \
             pass\n\
         def process_frame(frame):\n    \
             registered = sys.modules.get(__name__)\n    \
             same = registered is not None and registered.__dict__ is globals()\n    \
             try:\n        \
                 pickle.dumps(Marker())\n        \
                 pickled = 'pickled'\n    \
             except Exception as e:\n        \
                 pickled = type(e).__name__\n    \
             frame.add_message('%s %s' % ('registered' if same else 'replaced', pickled))\n    \
             return True\n",
    );
    let second = script(
        "name_clash_second",
        "def process_frame(frame):\n    return True\n",
    );

    // Pipeline A loads its script (start), then pipeline B, with the same element name, loads
    // another one; then A processes a frame.
    let (a, a_sunk) = pipeline(&format!(
        "appsrc name=src format=time caps={GRAY_CAPS} ! gvapython name=py module={} \
         ! appsink name=sink sync=false",
        first.display()
    ));
    a.set_state(gst::State::Playing).unwrap();
    let b_run = run_gvapython(1, |py| py.set_property("module", second.to_str().unwrap()));
    assert!(b_run.eos && b_run.errors.is_empty(), "{:?}", b_run.errors);

    let src = a
        .by_name("src")
        .unwrap()
        .downcast::<gst_app::AppSrc>()
        .unwrap();
    src.push_buffer(gray_buffer(0)).unwrap();
    src.end_of_stream().unwrap();
    let run = play(&a, &a_sunk);
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    assert_eq!(
        messages(&run.buffers()[0], &run.info()),
        vec!["registered pickled"]
    );
}

#[test]
fn two_pipelines_in_parallel_threads_count_every_frame() {
    init();
    const FRAMES: u64 = 3000;
    let module = script(
        "parallel",
        "class Counter:\n    \
             def __init__(self, tag):\n        \
                 self.tag = tag\n        \
                 self.count = 0\n    \
             def process_frame(self, frame):\n        \
                 self.count += 1\n        \
                 frame.add_message('%s %d' % (self.tag, self.count))\n        \
                 return True\n",
    );
    let threads: Vec<_> = ["left", "right"]
        .into_iter()
        .map(|tag| {
            let module = module.to_path_buf();
            std::thread::spawn(move || {
                let p = gst::parse::launch(&format!(
                    "{} ! gvapython name=py ! appsink name=sink sync=false",
                    gray_src(FRAMES as u32)
                ))
                .unwrap()
                .downcast::<gst::Pipeline>()
                .unwrap();
                let py = p.by_name("py").unwrap();
                py.set_property("module", module.to_str().unwrap());
                py.set_property("class", "Counter");
                py.set_property("arg", format!("\"{tag}\""));
                let seen = Arc::new(Mutex::new((0u64, String::new())));
                let sink = p
                    .by_name("sink")
                    .unwrap()
                    .downcast::<gst_app::AppSink>()
                    .unwrap();
                let info = gray_info();
                let s = seen.clone();
                sink.set_callbacks(
                    gst_app::AppSinkCallbacks::builder()
                        .new_sample(move |sink| {
                            let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                            let msgs = messages(sample.buffer().unwrap(), &info);
                            let mut s = s.lock().unwrap();
                            s.0 += 1;
                            let expected = format!("{tag} {}", s.0);
                            if msgs != [expected.clone()] {
                                s.1 = format!("frame {}: {msgs:?} != {expected}", s.0);
                            }
                            Ok(gst::FlowSuccess::Ok)
                        })
                        .build(),
                );
                let run = play(&p, &Arc::new(Mutex::new(Sunk::default())));
                assert!(run.eos && run.errors.is_empty(), "{tag}: {:?}", run.errors);
                let s = seen.lock().unwrap();
                (s.0, s.1.clone())
            })
        })
        .collect();
    for t in threads {
        let (count, mismatch) = t.join().unwrap();
        assert_eq!(mismatch, "");
        assert_eq!(count, FRAMES);
    }
}

#[test]
fn callback_reads_pixels_with_numpy() {
    init();
    let module = script(
        "numpy_data",
        "import json\n\
         import numpy as np\n\
         def process_frame(frame):\n    \
             with frame.data() as a:\n        \
                 frame.add_message(json.dumps({\n            \
                     'shape': list(a.shape),\n            \
                     'pixel': [int(v) for v in a[5, 7, :3]],\n            \
                     'writeable': bool(a.flags.writeable),\n            \
                     'numpy': isinstance(a, np.ndarray),\n        \
                 }))\n    \
             return True\n",
    );
    // foreground-color is ARGB: R=0x10, G=0x20, B=0x30; BGRx stores B, G, R, x.
    let (p, sunk) = pipeline(&format!(
        "videotestsrc num-buffers=2 pattern=solid-color foreground-color=0xff102030 \
         ! video/x-raw,format=BGRx,width=16,height=8 \
         ! gvapython name=py module={} ! appsink name=sink sync=false",
        module.display()
    ));
    let run = play(&p, &sunk);
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    let info = run.info();
    let buffers = run.buffers();
    assert_eq!(buffers.len(), 2);
    for b in &buffers {
        let m = json_messages(b, &info);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0]["shape"], serde_json::json!([8, 16, 4]));
        assert_eq!(m[0]["pixel"], serde_json::json!([0x30, 0x20, 0x10]));
        assert_eq!(m[0]["numpy"], true);
        assert_eq!(
            m[0]["writeable"], true,
            "no flag: writable, as the buffer is (issue 13: DL Streamer scripts draw on it)"
        );
    }
}

#[test]
fn callback_writes_pixels_in_place() {
    init();
    let module = script(
        "numpy_write",
        "import gi\n\
         gi.require_version('Gst', '1.0')\n\
         from gi.repository import Gst\n\
         def process_frame(frame):\n    \
             with frame.data(Gst.MapFlags.WRITE) as a:\n        \
                 a[0, 0, 0] = 200\n        \
                 a[15, 15, 0] = 100\n    \
             return True\n",
    );
    let mut h = harness(&gvapython(&module));
    h.push(gray_buffer(7)).unwrap();
    let out = h.pull().unwrap();
    let map = out.map_readable().unwrap();
    assert_eq!(map[0], 200);
    assert_eq!(map[255], 100);
    assert!(map[1..255].iter().all(|&v| v == 7));
}

#[test]
fn regions_added_in_python_are_read_by_a_rust_appsink() {
    init();
    let module = script(
        "regions_downstream",
        "def process_frame(frame):\n    \
             frame.add_region(10, 5, 30, 40, label='person', confidence=0.9)\n    \
             frame.add_region(0.5, 0.25, 0.25, 0.5, label='car', confidence=0.4, normalized=True)\n    \
             roi = frame.add_region(1, 1, 4, 4, label='bike', confidence=0.1)\n    \
             roi.set_object_id(77)\n    \
             return True\n",
    );
    let (p, sunk) = pipeline(&format!(
        "videotestsrc num-buffers=4 ! video/x-raw,format=BGRx,width=64,height=48 \
         ! gvapython name=py module={} ! queue ! appsink name=sink sync=false",
        module.display()
    ));
    let run = play(&p, &sunk);
    assert!(run.eos && run.errors.is_empty(), "{:?}", run.errors);
    let info = run.info();
    let buffers = run.buffers();
    assert_eq!(buffers.len(), 4);
    for b in &buffers {
        let frame = VideoFrame::new(b.as_ref(), info.clone());
        let regions: Vec<_> = frame.regions().collect();
        assert_eq!(regions.len(), 3);
        let described: Vec<_> = regions
            .iter()
            .map(|r| {
                let rect = r.rect();
                (
                    r.label().unwrap().to_owned(),
                    (rect.x, rect.y, rect.w, rect.h),
                    (r.confidence().unwrap() * 100.0).round() as i64,
                )
            })
            .collect();
        assert_eq!(
            described,
            vec![
                ("person".to_owned(), (10, 5, 30, 40), 90),
                ("car".to_owned(), (32, 12, 16, 24), 40),
                ("bike".to_owned(), (1, 1, 4, 4), 10),
            ]
        );
        let n = regions[1].normalized_rect().unwrap();
        assert!(
            (n.x - 0.5).abs() < 1e-6 && (n.w - 0.25).abs() < 1e-6,
            "{n:?}"
        );
        assert_eq!(regions[2].object_id().unwrap(), 77);
        // Ids are unique.
        assert_ne!(regions[0].id(), regions[1].id());
    }
}

#[test]
fn handles_kept_past_the_callback_raise_instead_of_dangling() {
    init();
    let module = script(
        "expired",
        "saved = None\n\
         def process_frame(frame):\n    \
             global saved\n    \
             if saved is not None:\n        \
                 outcome = []\n        \
                 for use in (lambda: saved[0].regions(), lambda: saved[1].label(), \
                             lambda: saved[1].rect()):\n            \
                     try:\n                \
                         use()\n                \
                         outcome.append('ok')\n            \
                     except Exception as e:\n                \
                         outcome.append(type(e).__name__)\n        \
                 frame.add_message(','.join(outcome))\n    \
             roi = frame.add_region(1, 1, 2, 2, label='kept')\n    \
             saved = (frame, roi)\n    \
             return True\n",
    );
    let mut h = harness(&gvapython(&module));
    h.push(gray_buffer(0)).unwrap();
    h.push(gray_buffer(1)).unwrap();
    let info = gray_info();
    assert!(messages(&h.pull().unwrap(), &info).is_empty());
    assert_eq!(
        messages(&h.pull().unwrap(), &info),
        vec!["ExpiredError,ExpiredError,ExpiredError"]
    );
}
