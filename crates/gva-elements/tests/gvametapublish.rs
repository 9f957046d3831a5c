//! gvametapublish, method=file: framing, order, append, early stop, restarts, errors, and the
//! file a `gst-launch-1.0` run leaves when it is interrupted or killed.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use gst::prelude::*;
use gva_meta::JsonMeta;

/// A fresh path in a per-process temporary folder.
fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gvametapublish-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// The record of frame `i`: compact JSON like gvametaconvert's.
fn record(i: usize) -> String {
    format!(r#"{{"frame":{i},"objects":[{{"detection":{{"label":"car","label_id":3}}}}]}}"#)
}

/// A buffer carrying `messages` as JSON metas, in order.
fn buffer(i: usize, messages: &[String]) -> gst::Buffer {
    let mut buffer = gst::Buffer::from_slice(vec![i as u8; 16]);
    {
        let b = buffer.get_mut().expect("a new buffer");
        b.set_pts(gst::ClockTime::from_mseconds(i as u64));
        for m in messages {
            JsonMeta::add(b, m).expect("a JSON meta");
        }
    }
    buffer
}

/// `appsrc ! gvametapublish <props> ! appsink` in the state it was left.
struct Run {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    sink: gst_app::AppSink,
}

impl Run {
    /// `appsrc ! <element> ! appsink` around an element configured by the caller.
    fn with_element(element: &gst::Element) -> Self {
        common::init();
        let pipeline = gst::Pipeline::new();
        let src = gst_app::AppSrc::builder()
            .format(gst::Format::Time)
            .caps(&gst::Caps::new_empty_simple("application/x-gva-test"))
            .build();
        let sink = gst_app::AppSink::builder().sync(false).build();
        sink.set_property("wait-on-eos", false);
        pipeline
            .add_many([src.upcast_ref(), element, sink.upcast_ref()])
            .expect("adds");
        gst::Element::link_many([src.upcast_ref(), element, sink.upcast_ref()]).expect("links");
        Self {
            pipeline,
            src,
            sink,
        }
    }

    fn new(props: &str) -> Self {
        common::init();
        let pipeline = gst::parse::launch(&format!(
            "appsrc name=src format=time caps=application/x-gva-test \
             ! gvametapublish name=publish {props} ! appsink name=sink sync=false wait-on-eos=false"
        ))
        .expect("the pipeline parses")
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
        let src = pipeline.by_name("src").and_downcast().expect("appsrc");
        let sink = pipeline.by_name("sink").and_downcast().expect("appsink");
        Self {
            pipeline,
            src,
            sink,
        }
    }

    /// Starts; the error text if the pipeline does not reach PLAYING.
    fn play(&self) -> Result<(), String> {
        match self.pipeline.set_state(gst::State::Playing) {
            Ok(_) => Ok(()),
            Err(_) => Err(self
                .error()
                .unwrap_or_else(|| "no error message".to_owned())),
        }
    }

    fn push(&self, buffer: gst::Buffer) {
        let _ = self.src.push_buffer(buffer);
    }

    /// Pulls `n` buffers from the sink (they have passed the publisher).
    fn pull(&self, n: usize) -> Vec<gst::Buffer> {
        (0..n)
            .map(|_| {
                self.sink
                    .try_pull_sample(gst::ClockTime::from_seconds(10))
                    .expect("a buffer within 10 s")
                    .buffer_owned()
                    .expect("a buffer")
            })
            .collect()
    }

    /// Sends EOS and waits for it (or an error) on the bus; the error text if any.
    fn finish(&self) -> Result<(), String> {
        let _ = self.src.end_of_stream();
        let bus = self.pipeline.bus().expect("a bus");
        let message = bus
            .timed_pop_filtered(
                gst::ClockTime::from_seconds(30),
                &[gst::MessageType::Eos, gst::MessageType::Error],
            )
            .expect("EOS or an error within 30 s");
        match message.view() {
            gst::MessageView::Error(e) => Err(e.error().to_string()),
            _ => Ok(()),
        }
    }

    fn error(&self) -> Option<String> {
        let bus = self.pipeline.bus().expect("a bus");
        bus.timed_pop_filtered(
            gst::ClockTime::from_mseconds(500),
            &[gst::MessageType::Error],
        )
        .map(|m| match m.view() {
            gst::MessageView::Error(e) => e.error().to_string(),
            _ => unreachable!(),
        })
    }

    fn stop(&self) {
        self.pipeline.set_state(gst::State::Null).expect("stops");
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Runs `frames` buffers (each with the records given) through to EOS; the buffers that came out.
fn publish_all(props: &str, frames: &[Vec<String>]) -> Result<Vec<gst::Buffer>, String> {
    let run = Run::new(props);
    run.play()?;
    let mut out = Vec::new();
    for (i, messages) in frames.iter().enumerate() {
        run.push(buffer(i, messages));
        // Drain as we go so the appsink queue stays short.
        while let Some(sample) = run.sink.try_pull_sample(gst::ClockTime::ZERO) {
            out.extend(sample.buffer_owned());
        }
    }
    run.finish()?;
    while let Some(sample) = run.sink.try_pull_sample(gst::ClockTime::ZERO) {
        out.extend(sample.buffer_owned());
    }
    run.stop();
    Ok(out)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).expect("the output file")
}

/// The records of a `json` file, after checking it is exactly `[` + records joined by `,\n` +
/// `]\n` and valid JSON.
fn json_records(text: &str) -> Vec<String> {
    serde_json::from_str::<serde_json::Value>(text).expect("the file is valid JSON");
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix("]\n"))
        .unwrap_or_else(|| panic!("not framed as [ … ]\\n: {text:?}"));
    if inner.is_empty() {
        return Vec::new();
    }
    inner.split(",\n").map(str::to_owned).collect()
}

#[test]
fn json_file_holds_every_record_once_in_order() {
    let path = temp_path("many.json");
    // 5000 frames; every 7th has no message and must pass silently.
    let frames: Vec<Vec<String>> = (0..5000)
        .map(|i| if i % 7 == 3 { vec![] } else { vec![record(i)] })
        .collect();
    let out = publish_all(&format!("file-path={}", path.display()), &frames).expect("runs");
    assert_eq!(out.len(), 5000, "every buffer passes through");
    for (i, b) in out.iter().enumerate() {
        assert_eq!(b.pts(), Some(gst::ClockTime::from_mseconds(i as u64)));
        let metas = b.iter_meta::<JsonMeta>().count();
        assert_eq!(metas, usize::from(i % 7 != 3), "metas stay on buffer {i}");
    }
    let expected: Vec<String> = (0..5000).filter(|i| i % 7 != 3).map(record).collect();
    assert_eq!(json_records(&read(&path)), expected);
}

#[test]
fn json_file_with_no_records_is_an_empty_array() {
    let path = temp_path("empty.json");
    publish_all(&format!("file-path={}", path.display()), &[vec![], vec![]]).expect("runs");
    assert_eq!(read(&path), "[]\n");
}

#[test]
fn only_the_first_message_of_a_buffer_is_published() {
    let path = temp_path("first.json");
    let frames = vec![
        vec![record(0), r#"{"second":true}"#.to_owned()],
        vec![record(1)],
    ];
    publish_all(&format!("file-path={}", path.display()), &frames).expect("runs");
    assert_eq!(read(&path), format!("[{},\n{}]\n", record(0), record(1)));
}

#[test]
fn json_file_is_closed_when_stopped_without_eos() {
    for records in [0usize, 1, 250] {
        let path = temp_path(&format!("early-{records}.json"));
        let run = Run::new(&format!("file-path={}", path.display()));
        run.play().expect("plays");
        for i in 0..records {
            run.push(buffer(i, &[record(i)]));
        }
        run.pull(records);
        // Each record is on disk as soon as its buffer has passed (flushed per record).
        let partial = read(&path);
        assert!(partial.starts_with('['));
        assert_eq!(partial.matches("\"frame\"").count(), records);
        run.stop();
        let expected: Vec<String> = (0..records).map(record).collect();
        assert_eq!(json_records(&read(&path)), expected, "{records} records");
    }
}

#[test]
fn json_file_is_truncated_on_each_start() {
    let path = temp_path("restart.json");
    std::fs::write(&path, "old content that is not JSON").expect("writes");
    let run = Run::new(&format!("file-path={}", path.display()));
    for (round, range) in [(0, 0..3), (1, 3..5)] {
        run.play().expect("plays");
        for i in range.clone() {
            run.push(buffer(i, &[record(i)]));
        }
        run.finish().expect("EOS");
        run.stop();
        let expected: Vec<String> = range.map(record).collect();
        assert_eq!(json_records(&read(&path)), expected, "round {round}");
    }
}

#[test]
fn json_lines_appends_one_record_per_line() {
    let path = temp_path("lines.jsonl");
    std::fs::write(&path, "{\"earlier\":1}\n").expect("writes");
    let props = format!("file-path={} file-format=json-lines", path.display());
    let frames: Vec<Vec<String>> = (0..2000).map(|i| vec![record(i)]).collect();
    publish_all(&props, &frames[..1200]).expect("first run");
    // The same element restarted (NULL -> PLAYING twice) appends too.
    let run = Run::new(&props);
    for range in [1200..1600, 1600..2000] {
        run.play().expect("plays");
        for i in range {
            run.push(buffer(i, &frames[i]));
        }
        run.finish().expect("EOS");
        run.stop();
    }
    let mut expected = String::from("{\"earlier\":1}\n");
    for i in 0..2000 {
        expected.push_str(&record(i));
        expected.push('\n');
    }
    assert_eq!(read(&path), expected);
}

#[test]
fn json_lines_stopped_early_keeps_whole_lines() {
    let path = temp_path("early.jsonl");
    let run = Run::new(&format!(
        "file-path={} file-format=json-lines",
        path.display()
    ));
    run.play().expect("plays");
    for i in 0..10 {
        run.push(buffer(i, &[record(i)]));
    }
    run.pull(10);
    run.stop();
    let expected: String = (0..10).map(|i| record(i) + "\n").collect();
    assert_eq!(read(&path), expected);
}

#[test]
fn an_unwritable_path_fails_at_start_naming_it() {
    let path = "/nonexistent-gva-dir/out.json";
    for format in ["json", "json-lines"] {
        let run = Run::new(&format!("file-path={path} file-format={format}"));
        let error = run.play().expect_err("cannot start");
        assert!(error.contains(path), "{error}");
        assert!(error.contains("No such file or directory"), "{error}");
    }
}

#[test]
fn an_empty_path_fails_at_start() {
    let run = Run::new("file-path=\"\"");
    let error = run.play().expect_err("cannot start");
    assert!(error.contains("file-path is empty"), "{error}");
}

#[test]
fn a_write_failure_is_a_flow_error_with_the_path() {
    // json writes `[` at start: the failure is a start error.
    let run = Run::new("file-path=/dev/full");
    let error = run.play().expect_err("cannot start");
    assert_eq!(
        error,
        "could not write to /dev/full: No space left on device (os error 28)"
    );
    // json-lines writes nothing before the first record.
    let run = Run::new("file-path=/dev/full file-format=json-lines");
    run.play().expect("plays");
    run.push(buffer(0, &[]));
    run.push(buffer(1, &[record(1)]));
    let error = run.finish().expect_err("the record cannot be written");
    assert_eq!(
        error,
        "could not write record 1 to /dev/full: No space left on device (os error 28)"
    );
}

#[test]
fn kafka_is_refused_at_start() {
    let run = Run::new("method=kafka");
    let error = run.play().expect_err("cannot start");
    assert!(error.contains("method=kafka is not supported"), "{error}");
}

#[test]
fn properties_have_dl_streamer_defaults() {
    common::init();
    let e = gst::ElementFactory::make("gvametapublish")
        .build()
        .expect("the element");
    assert_eq!(nick(&e, "method"), "file");
    assert_eq!(e.property::<String>("file-path"), "stdout");
    assert_eq!(nick(&e, "file-format"), "json");
    assert_eq!(e.property::<Option<String>>("address"), None);
    assert_eq!(e.property::<Option<String>>("topic"), None);
    assert_eq!(e.property::<Option<String>>("mqtt-client-id"), None);
    assert_eq!(e.property::<Option<String>>("mqtt-config"), None);
    assert_eq!(e.property::<Option<String>>("username"), None);
    assert_eq!(e.property::<u32>("max-connect-attempts"), 1);
    assert_eq!(e.property::<u32>("max-reconnect-interval"), 30);
    assert_eq!(e.property::<u32>("max-buffered-records"), 10_000);
    assert_eq!(e.property::<u32>("flush-timeout"), 10);
    assert!(!e.property::<bool>("signal-handoffs"));
    let spec = e
        .find_property("max-connect-attempts")
        .expect("the property");
    let spec = spec
        .downcast_ref::<gst::glib::ParamSpecUInt>()
        .expect("a uint");
    assert_eq!((spec.minimum(), spec.maximum()), (1, 10));
    let password = e.find_property("password").expect("the property");
    assert!(
        !password.flags().contains(gst::glib::ParamFlags::READABLE),
        "write-only"
    );
    e.set_property_from_str("method", "mqtt");
    e.set_property_from_str("file-format", "json-lines");
    assert_eq!(nick(&e, "method"), "mqtt");
    assert_eq!(nick(&e, "file-format"), "json-lines");

    // The element acts on what was set: method=mqtt starts an MQTT publisher (which needs an
    // address) and leaves file-path alone; back to file, the records are JSON lines appended
    // to the file (no `[`).
    let path = temp_path("properties.jsonl");
    std::fs::write(&path, "{\"earlier\":1}\n").expect("writes");
    e.set_property("file-path", path.to_str().expect("a UTF-8 path"));
    let run = Run::with_element(&e);
    assert_eq!(
        run.play()
            .expect_err("mqtt without an address cannot start"),
        "method=mqtt needs the broker's address (host:port)"
    );
    run.stop();
    assert_eq!(read(&path), "{\"earlier\":1}\n");
    e.set_property_from_str("method", "file");
    run.play().expect("plays");
    for i in 0..2 {
        run.push(buffer(i, &[record(i)]));
    }
    run.finish().expect("EOS");
    run.stop();
    assert_eq!(
        read(&path),
        format!("{{\"earlier\":1}}\n{}\n{}\n", record(0), record(1))
    );
}

/// The nick of an enum property's value.
fn nick(e: &gst::Element, property: &str) -> String {
    let value = e.property_value(property);
    let (_, v) = gst::glib::EnumValue::from_value(&value).expect("an enum value");
    v.nick().to_owned()
}

#[test]
fn handoff_is_emitted_per_buffer_when_asked() {
    let path = temp_path("handoff.json");
    let run = Run::new(&format!(
        "file-path={} signal-handoffs=true",
        path.display()
    ));
    let count = Arc::new(AtomicUsize::new(0));
    let publish = run.pipeline.by_name("publish").expect("the element");
    let c = count.clone();
    publish.connect("handoff", false, move |_| {
        c.fetch_add(1, Ordering::SeqCst);
        None
    });
    run.play().expect("plays");
    for i in 0..5 {
        let messages = if i % 2 == 0 { vec![] } else { vec![record(i)] };
        run.push(buffer(i, &messages));
    }
    run.finish().expect("EOS");
    assert_eq!(count.load(Ordering::SeqCst), 5);
}

/// Runs in a child process for `stdout_is_the_default`: publishes three records to stdout
/// between markers.
#[test]
#[ignore = "a helper, not a test: stdout_is_the_default runs it in a child process (with \
            GVA_PUBLISH_STDOUT_CHILD set) to read what it prints"]
fn stdout_child() {
    let format = std::env::var("GVA_PUBLISH_STDOUT_CHILD")
        .expect("GVA_PUBLISH_STDOUT_CHILD names the file-format: run stdout_is_the_default");
    use std::io::Write;
    let frames: Vec<Vec<String>> = (0..3).map(|i| vec![record(i)]).collect();
    print!("<<<BEGIN>>>");
    std::io::stdout().flush().expect("flushes");
    publish_all(&format!("file-format={format}"), &frames).expect("runs");
    print!("<<<END>>>");
    std::io::stdout().flush().expect("flushes");
}

#[test]
fn stdout_is_the_default() {
    for (format, expected) in [
        (
            "json",
            format!("{},\n{},\n{}\n", record(0), record(1), record(2)),
        ),
        (
            "json-lines",
            format!("{}\n{}\n{}\n", record(0), record(1), record(2)),
        ),
    ] {
        let output = std::process::Command::new(std::env::current_exe().expect("this test"))
            .args([
                "--exact",
                "stdout_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("GVA_PUBLISH_STDOUT_CHILD", format)
            .output()
            .expect("the child runs");
        assert!(output.status.success(), "{output:?}");
        let text = String::from_utf8(output.stdout).expect("UTF-8");
        let begin = text.find("<<<BEGIN>>>").expect("begin marker") + "<<<BEGIN>>>".len();
        let end = text.find("<<<END>>>").expect("end marker");
        assert_eq!(&text[begin..end], expected, "{format}");
    }
}

// ---- a gst-launch-1.0 run interrupted or killed -----------------------------------------------

/// A folder holding only this build's gva plugin (the cdylib cargo builds next to this test
/// binary), for `GST_PLUGIN_PATH`.
fn plugin_dir() -> PathBuf {
    let built = common::built_plugin();
    let dir = temp_path("plugins");
    std::fs::create_dir_all(&dir).expect("a plugin folder");
    let link = dir.join("libgstgva.so");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(&built, &link).expect("links the plugin");
    dir
}

/// Frames a run's records must come from: `source` of each record (long, so that a record
/// takes a few KiB on disk).
fn long_source() -> String {
    format!("camera-{}", "x".repeat(4000))
}

/// Starts `gst-launch-1.0 [-e] videotestsrc ! gvametaconvert ! gvametapublish …` writing one
/// record per frame (30 per second, timestamps `i * 1 s / 30`) to `path` in `format`.
fn launch_publisher(path: &Path, format: &str, eos_on_interrupt: bool) -> std::process::Child {
    let mut cmd = std::process::Command::new("gst-launch-1.0");
    if eos_on_interrupt {
        cmd.arg("-e");
    }
    cmd.args([
        "videotestsrc",
        "!",
        "video/x-raw,format=BGRx,width=64,height=48,framerate=30/1",
        "!",
        "gvametaconvert",
        "add-empty-results=true",
        &format!("source={}", long_source()),
        "!",
        "gvametapublish",
        &format!("file-path={}", path.display()),
        &format!("file-format={format}"),
        "!",
        "fakesink",
        "sync=true",
    ])
    .env("GST_PLUGIN_PATH", plugin_dir())
    .env("GST_REGISTRY_1_0", temp_path("kill-registry.bin"))
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped());
    cmd.spawn()
        .expect("gst-launch-1.0 starts (gstreamer1.0-tools, installed by `cargo xtask setup`)")
}

/// Waits until `path` holds at least `n` records (whole or not).
fn wait_for_records(path: &Path, n: usize, child: &mut std::process::Child) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.matches("\"timestamp\"").count() >= n {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut stderr = String::new();
            use std::io::Read;
            let _ = child
                .stderr
                .take()
                .map(|mut e| e.read_to_string(&mut stderr));
            panic!("gst-launch-1.0 ended early ({status}): {stderr}");
        }
        assert!(
            std::time::Instant::now() < deadline,
            "fewer than {n} records in {} after 30 s: {text:?}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Checks that `records` are the records of frames 0, 1, 2, … in order: none torn, lost or
/// repeated; returns how many.
fn assert_frames_in_order(records: &[serde_json::Value], what: &str) -> usize {
    let source = long_source();
    for (i, r) in records.iter().enumerate() {
        // videotestsrc's timestamps: frame i at i * 1 s / 30, rounded down.
        let expected = i as u64 * 1_000_000_000 / 30;
        assert_eq!(
            r["timestamp"].as_u64(),
            Some(expected),
            "{what}: record {i}"
        );
        assert_eq!(
            r["source"].as_str(),
            Some(source.as_str()),
            "{what}: record {i}"
        );
    }
    records.len()
}

#[test]
fn a_gst_launch_run_interrupted_or_killed_leaves_whole_records() {
    use std::os::unix::process::ExitStatusExt;
    // (file-format, signal, gst-launch-1.0 -e): SIGINT with -e ends the stream (EOS) and the
    // process exits 0; SIGTERM and SIGKILL end the process at once (gst-launch-1.0 handles
    // neither).
    let cases = [
        ("json-lines", "INT", true),
        ("json-lines", "TERM", false),
        ("json-lines", "KILL", false),
        ("json", "INT", true),
        ("json", "TERM", false),
        ("json", "KILL", false),
    ];
    for (format, signal, eos) in cases {
        let what = format!("{format}, SIG{signal}");
        let path = temp_path(&format!("killed-{signal}.{format}"));
        let mut child = launch_publisher(&path, format, eos);
        wait_for_records(&path, 20, &mut child);
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "{what}: kill failed");
        let status = child.wait().expect("gst-launch-1.0 ends");
        match signal {
            "INT" => assert_eq!(status.code(), Some(0), "{what}: {status}"),
            "TERM" => assert_eq!(status.signal(), Some(15), "{what}: {status}"),
            _ => assert_eq!(status.signal(), Some(9), "{what}: {status}"),
        }
        let text = read(&path);
        let records: Vec<serde_json::Value> = if format == "json-lines" {
            // Every line whole and valid JSON, the last one too (it ends with a newline).
            assert!(
                text.ends_with('\n'),
                "{what}: a torn last line: {:?}",
                tail(&text)
            );
            text.lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{what}: {e}: {l:?}")))
                .collect()
        } else if eos {
            // EOS closed the array: the file is valid JSON as it is.
            json_records(&text)
                .iter()
                .map(|r| serde_json::from_str(r).expect("a record"))
                .collect()
        } else {
            // The array was never closed, but every record in it is whole: `]` makes it valid.
            assert!(text.starts_with('['), "{what}");
            assert!(
                !text.ends_with(']') && !text.ends_with(",\n"),
                "{what}: {:?}",
                tail(&text)
            );
            let closed: serde_json::Value = serde_json::from_str(&format!("{text}]"))
                .unwrap_or_else(|e| panic!("{what}: {e}: {:?}", tail(&text)));
            closed.as_array().expect("an array").clone()
        };
        let n = assert_frames_in_order(&records, &what);
        assert!(n >= 20, "{what}: {n} records");
    }
}

/// The end of a long text, for messages.
fn tail(text: &str) -> &str {
    let start = text.len().saturating_sub(200);
    let start = (start..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len());
    &text[start..]
}
