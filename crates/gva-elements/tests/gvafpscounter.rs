//! gvafpscounter: DL Streamer's exact lines from the counters with injected times, then in
//! pipelines the line structure, stream counts, frame totals, `avg-fps`, and property errors.

mod common;

use gst::glib;
use gst::prelude::*;
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gstgva::gvafpscounter::counter::{
    FpsCounter, FpsCounters, Period, format_fps, parse_intervals, std_dev,
};

fn at(t0: Instant, seconds: f64) -> Instant {
    t0 + Duration::from_secs_f64(seconds)
}

/// DL Streamer's report line, written here from frame counts (its printf format
/// `"FpsCounter(%s %.2fsec): total=%.2f fps, number-streams=%d, per-stream=%.2f fps"`, then
/// `" (%.2f, …)"` per stream when there are several), so that expected lines do not come from
/// the implementation.
fn dl_line(period: &str, sec: f64, frames: &[usize]) -> String {
    let total = frames.iter().sum::<usize>() as f64 / sec;
    let mut line = format!(
        "FpsCounter({period} {sec:.2}sec): total={total:.2} fps, number-streams={}, \
         per-stream={:.2} fps",
        frames.len(),
        total / frames.len() as f64
    );
    if frames.len() > 1 {
        let each: Vec<String> = frames
            .iter()
            .map(|&n| format!("{:.2}", n as f64 / sec))
            .collect();
        line.push_str(&format!(" ({})", each.join(", ")));
    }
    line
}

/// DL Streamer's line for a measurement shorter than 0.1 s.
fn too_short(sec: f64) -> String {
    format!(
        "FPSCounter: Not enough data for calculation. The time interval ({sec:.7} sec) is too \
         short."
    )
}

/// How many of the injected frame `times` pass `keep`.
fn count(times: &[f64], keep: impl Fn(f64) -> bool) -> usize {
    times.iter().filter(|&&t| keep(t)).count()
}

#[test]
fn lines_are_formatted_like_dl_streamer() {
    assert_eq!(
        format_fps(Period::Last, 1.0, &[30], true).unwrap(),
        "FpsCounter(last 1.00sec): total=30.00 fps, number-streams=1, per-stream=30.00 fps"
    );
    assert_eq!(
        format_fps(Period::Average, 2.5, &[50, 25], true).unwrap(),
        "FpsCounter(average 2.50sec): total=30.00 fps, number-streams=2, per-stream=15.00 fps \
         (20.00, 10.00)"
    );
    assert_eq!(
        format_fps(Period::Overall, 3.0, &[10, 10, 11], true).unwrap(),
        "FpsCounter(overall 3.00sec): total=10.33 fps, number-streams=3, per-stream=3.44 fps \
         (3.33, 3.33, 3.67)"
    );
    assert_eq!(
        format_fps(Period::Last, 1.0, &[1, 2], false).unwrap(),
        "FpsCounter(last 1.00sec): total=3.00 fps, number-streams=2, per-stream=1.50 fps"
    );
    assert_eq!(
        format_fps(Period::Overall, 0.0123456789, &[3], true).unwrap(),
        "FPSCounter: Not enough data for calculation. The time interval (0.0123457 sec) is too short."
    );
    assert_eq!(format_fps(Period::Last, 1.0, &[], true), None);
}

#[test]
fn intervals_follow_dl_streamers_regex() {
    assert_eq!(parse_intervals("1").unwrap(), [("1".to_owned(), 1)]);
    assert_eq!(
        parse_intervals("1,5,10").unwrap(),
        [
            ("1".to_owned(), 1),
            ("5".to_owned(), 5),
            ("10".to_owned(), 10)
        ]
    );
    assert_eq!(parse_intervals("999999999").unwrap()[0].1, 999_999_999);
    for bad in [
        "",
        "a",
        "1,",
        ",1",
        "1;2",
        "-1",
        "1.5",
        " 1",
        "1234567890",
        "1,,2",
    ] {
        let e = parse_intervals(bad).unwrap_err();
        assert!(
            e.contains(&format!("invalid interval '{bad}'")) && e.contains("comma separated"),
            "{bad}: {e}"
        );
    }
}

#[test]
fn std_dev_of_frame_intervals() {
    // Frames at 0, 10, 30, 40 ms after the report: intervals 10, 20, 10 → sd 5.77.
    assert_eq!(format!("{:.2}", std_dev(&[0.0, 10.0, 30.0, 40.0])), "5.77");
    assert_eq!(std_dev(&[5.0, 10.0]), 0.0);
    assert_eq!(std_dev(&[]), 0.0);
    // A concatenation of two streams: times lower than the last kept one are skipped (as in
    // DL Streamer, which keeps comparing with 20 until 25): intervals 10, 10, 5.
    assert_eq!(
        format!("{:.2}", std_dev(&[0.0, 10.0, 20.0, 5.0, 15.0, 25.0])),
        "2.89"
    );
}

#[test]
fn one_stream_iterative_average_and_overall() {
    let t0 = Instant::now();
    let mut counters = FpsCounters::new();
    counters.add(&parse_intervals("1").unwrap(), 0, false);
    let mut lines = Vec::new();
    // 30 fps for 2 s: frames at 0, 1/30, …; the reports come with the frames at 1.0 s (the
    // first window holds both ends) and 2.0 s; EOS at 2.5 s.
    let cam: Vec<f64> = (0..=60).map(|i| f64::from(i) / 30.0).collect();
    for &t in &cam {
        let (out, _) = counters.new_frame("cam", at(t0, t));
        lines.extend(out);
    }
    let (out, avg) = counters.eos("cam", at(t0, 2.5));
    lines.extend(out);
    assert_eq!(
        lines,
        [
            dl_line("last", 1.0, &[count(&cam, |t| t <= 1.0)]),
            dl_line("average", 1.0, &[count(&cam, |t| t <= 1.0)]),
            dl_line("last", 1.0, &[count(&cam, |t| t > 1.0 && t <= 2.0)]),
            dl_line("average", 2.0, &[count(&cam, |t| t <= 2.0)]),
            dl_line("last", 0.5, &[count(&cam, |t| t > 2.0)]),
            dl_line("overall", 2.5, &[cam.len()]),
        ]
    );
    // The literal check of the helper on one line (30 frames in the second second).
    assert_eq!(
        lines[2],
        "FpsCounter(last 1.00sec): total=30.00 fps, number-streams=1, per-stream=30.00 fps"
    );
    assert_eq!(avg, Some(cam.len() as f64 / 2.5));
}

#[test]
fn streams_aggregate_and_leave() {
    let t0 = Instant::now();
    let mut counters = FpsCounters::new();
    counters.add(&parse_intervals("2").unwrap(), 0, false);
    let mut lines = Vec::new();
    // Stream "b" at 20 fps and "a" at 10 fps from t=0, b's frame first at equal times. Streams
    // are reported in name order (a, b). The average counter restarts when "a" joins (same
    // instant, after b's first frame, which is dropped from the average); the interval counter
    // keeps it. Reports come with b's frames at 1.0 s and 2.0 s, before a's frame of that time.
    let b: Vec<f64> = (0..=40).map(|i| f64::from(i) / 20.0).collect();
    let a: Vec<f64> = (0..=20).map(|i| f64::from(i) / 10.0).collect();
    for (i, &t) in b.iter().enumerate() {
        lines.extend(counters.new_frame("b", at(t0, t)).0);
        if i % 2 == 0 {
            lines.extend(counters.new_frame("a", at(t0, a[i / 2])).0);
        }
    }
    assert_eq!(
        lines,
        [
            dl_line(
                "average",
                1.0,
                &[count(&a, |t| t < 1.0), count(&b, |t| t > 0.0 && t <= 1.0)]
            ),
            dl_line("last", 2.0, &[count(&a, |t| t < 2.0), b.len()]),
            dl_line(
                "average",
                2.0,
                &[count(&a, |t| t < 2.0), count(&b, |t| t > 0.0)]
            ),
        ]
    );
    lines.clear();
    // "b" ends first at 2.0 s: the final reports cover both streams (the interval counter
    // reported at that very instant), then "a" goes on alone, both counters restarted at 2.0 s.
    lines.extend(counters.eos("b", at(t0, 2.0)).0);
    let a_alone: Vec<f64> = (1..=10).map(|i| 2.0 + f64::from(i) / 10.0).collect();
    for &t in &a_alone {
        lines.extend(counters.new_frame("a", at(t0, t)).0);
    }
    lines.extend(counters.eos("a", at(t0, 3.0)).0);
    assert_eq!(
        lines,
        [
            too_short(0.0),
            dl_line("overall", 2.0, &[a.len(), count(&b, |t| t > 0.0)]),
            dl_line("average", 1.0, &[a_alone.len()]),
            dl_line("last", 1.0, &[a_alone.len()]),
            dl_line("overall", 1.0, &[a_alone.len()]),
        ]
    );
    // The literal check of the helper on a line with two streams (21 and 40 frames in 2 s).
    assert_eq!(
        lines[1],
        "FpsCounter(overall 2.00sec): total=30.50 fps, number-streams=2, per-stream=15.25 fps \
         (10.50, 20.00)"
    );
}

#[test]
fn starting_frame_skips_the_first_frames_of_the_average() {
    let t0 = Instant::now();
    let mut average = FpsCounter::average(10);
    let mut lines = Vec::new();
    for i in 0..40 {
        average.new_frame("cam", at(t0, f64::from(i) / 10.0), &mut lines);
    }
    average.eos("cam", at(t0, 4.0), &mut lines);
    // Frames 10..39 counted, from t=1.0 s: the first report at t=2.0 s has 11 frames.
    assert_eq!(
        lines.first().unwrap(),
        "FpsCounter(average 1.00sec): total=11.00 fps, number-streams=1, per-stream=11.00 fps"
    );
    assert_eq!(
        lines.last().unwrap(),
        "FpsCounter(overall 3.00sec): total=10.00 fps, number-streams=1, per-stream=10.00 fps"
    );
    assert_eq!(average.last_fps(), Some(10.0));
}

#[test]
fn std_dev_lines_follow_the_interval_report() {
    let t0 = Instant::now();
    let mut counter = FpsCounter::iterative(1, true);
    let mut lines = Vec::new();
    // Frames every 100 ms, one of them 50 ms late.
    for ms in [0, 100, 200, 350, 400, 500, 600, 700, 800, 900, 1000] {
        counter.new_frame("cam", t0 + Duration::from_millis(ms), &mut lines);
    }
    assert_eq!(lines.len(), 1);
    let (fps, sd) = lines[0].split_once('\n').unwrap();
    assert_eq!(
        fps,
        "FpsCounter(last 1.00sec): total=11.00 fps, number-streams=1, per-stream=11.00 fps"
    );
    // Times since the report start 100, 200, 350, …, 1000 ms (the first frame only starts
    // the clock): intervals 100, 150, 50 and six of 100, mean 100, sample sd sqrt(5000/8).
    assert_eq!(sd, "std dev interval: 25.00ms");
}

// ---- pipelines -------------------------------------------------------------------------

/// The lines printed by the counters, captured once for the whole test binary.
fn capture() -> MutexGuard<'static, Arc<Mutex<Vec<u8>>>> {
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    static CAPTURE: std::sync::LazyLock<Mutex<Arc<Mutex<Vec<u8>>>>> =
        std::sync::LazyLock::new(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            gstgva::gvafpscounter::set_output(Some(Box::new(Sink(buffer.clone()))));
            Mutex::new(buffer)
        });
    common::init();
    // Pipelines run one at a time: the counters are process-wide.
    let guard = CAPTURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    guard.lock().unwrap().clear();
    guard
}

/// Runs `description` to EOS (or error) and returns the bus error, if any.
fn play(pipeline: &gst::Element) -> Result<(), String> {
    pipeline.set_state(gst::State::Playing).map_err(|e| {
        let _ = pipeline.set_state(gst::State::Null);
        let bus = pipeline.bus().unwrap();
        bus.pop_filtered(&[gst::MessageType::Error])
            .map(|m| match m.view() {
                gst::MessageView::Error(e) => e.error().to_string(),
                _ => unreachable!(),
            })
            .unwrap_or_else(|| e.to_string())
    })?;
    let message = pipeline
        .bus()
        .unwrap()
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(30),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("EOS or an error within 30 s");
    let result = match message.view() {
        gst::MessageView::Error(e) => Err(e.error().to_string()),
        _ => Ok(()),
    };
    pipeline.set_state(gst::State::Null).unwrap();
    result
}

/// A parsed `FpsCounter(<period> <sec>sec): total=…` line.
#[derive(Debug)]
struct Line {
    period: String,
    sec: f64,
    total: f64,
    streams: usize,
    per_stream: f64,
    each: Vec<f64>,
}

/// Parses a line, asserting DL Streamer's exact shape (`None` for "Not enough data" lines).
fn parse(line: &str) -> Option<Line> {
    if line.starts_with("FPSCounter: Not enough data for calculation. The time interval (")
        && line.ends_with(" sec) is too short.")
    {
        return None;
    }
    let rest = line
        .strip_prefix("FpsCounter(")
        .unwrap_or_else(|| panic!("{line}"));
    let (head, rest) = rest
        .split_once("sec): total=")
        .unwrap_or_else(|| panic!("{line}"));
    let (period, sec) = head.split_once(' ').unwrap();
    let (total, rest) = rest.split_once(" fps, number-streams=").unwrap();
    let (streams, rest) = rest.split_once(", per-stream=").unwrap();
    let (per_stream, rest) = rest.split_once(" fps").unwrap();
    let each: Vec<f64> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.strip_prefix(" (")
            .and_then(|r| r.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{line}"))
            .split(", ")
            .map(|v| v.parse().unwrap())
            .collect()
    };
    let two = |s: &str| {
        assert_eq!(s.split_once('.').map(|(_, d)| d.len()), Some(2), "{line}");
        s.parse::<f64>().unwrap()
    };
    let parsed = Line {
        period: period.to_owned(),
        sec: two(sec),
        total: two(total),
        streams: streams.parse().unwrap(),
        per_stream: two(per_stream),
        each,
    };
    assert!(["last", "average", "overall"].contains(&period), "{line}");
    if parsed.streams > 1 {
        assert_eq!(parsed.each.len(), parsed.streams, "{line}");
    } else {
        assert!(parsed.each.is_empty(), "{line}");
    }
    Some(parsed)
}

fn lines(buffer: &Arc<Mutex<Vec<u8>>>) -> Vec<String> {
    String::from_utf8(buffer.lock().unwrap().clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn one_stream_reports_every_interval_and_overall_at_eos() {
    let output = capture();
    let pipeline = gst::parse::launch(
        "videotestsrc is-live=true num-buffers=45 ! video/x-raw,framerate=30/1,width=64,height=48 \
         ! gvafpscounter name=fps ! fakesink sync=false",
    )
    .unwrap();
    play(&pipeline).unwrap();
    let lines = lines(&output);
    let parsed: Vec<Line> = lines.iter().filter_map(|l| parse(l)).collect();
    assert!(parsed.iter().all(|l| l.streams == 1), "{lines:#?}");
    let periods: Vec<&str> = parsed.iter().map(|l| l.period.as_str()).collect();
    // 1.5 s of frames: a "last" and an "average" report after a second, then at EOS the last
    // half second and the overall.
    assert!(
        periods.contains(&"last") && periods.contains(&"average"),
        "{lines:#?}"
    );
    let overall = parsed.last().unwrap();
    assert_eq!(overall.period, "overall", "{lines:#?}");
    // All 45 frames over the measured time (both printed with two decimals).
    assert!(reports(overall, 45.0), "{overall:?}");
    let avg: f32 = pipeline
        .downcast_ref::<gst::Bin>()
        .unwrap()
        .by_name("fps")
        .unwrap()
        .property("avg-fps");
    assert!(
        (f64::from(avg) - overall.total).abs() <= 0.006,
        "{avg} vs {overall:?}"
    );
}

#[test]
fn two_instances_aggregate_as_two_streams() {
    let output = capture();
    let pipeline = gst::parse::launch(
        "videotestsrc is-live=true num-buffers=20 ! video/x-raw,framerate=30/1,width=64,height=48 \
           ! gvafpscounter name=a ! fakesink sync=false \
         videotestsrc is-live=true num-buffers=20 ! video/x-raw,framerate=30/1,width=64,height=48 \
           ! gvafpscounter name=b ! fakesink sync=false",
    )
    .unwrap();
    play(&pipeline).unwrap();
    let lines = lines(&output);
    let parsed: Vec<Line> = lines.iter().filter_map(|l| parse(l)).collect();
    // The first EOS reports both streams.
    let overall = parsed
        .iter()
        .find(|l| l.period == "overall")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(overall.streams, 2, "{lines:#?}");
    assert_eq!(overall.each.len(), 2);
    let sum: f64 = overall.each.iter().sum();
    assert!((sum - overall.total).abs() <= 0.02, "{overall:?}");
    assert!(
        (overall.per_stream - overall.total / 2.0).abs() <= 0.01,
        "{overall:?}"
    );
}

#[test]
fn starting_frame_leaves_frames_out_of_the_average() {
    let output = capture();
    let pipeline = gst::parse::launch(
        "videotestsrc is-live=true num-buffers=20 ! video/x-raw,framerate=30/1,width=64,height=48 \
         ! gvafpscounter starting-frame=5 interval=10 ! fakesink sync=false",
    )
    .unwrap();
    play(&pipeline).unwrap();
    let lines = lines(&output);
    let overall = lines
        .iter()
        .filter_map(|l| parse(l))
        .find(|l| l.period == "overall")
        .unwrap_or_else(|| panic!("{lines:#?}"));
    // 15 frames counted.
    assert!(reports(&overall, 15.0), "{overall:?}");
    // interval=10 never elapsed: its report comes only at EOS, before the overall one.
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("FpsCounter(last"))
            .count(),
        1,
        "{lines:#?}"
    );
}

#[test]
fn every_buffer_passes_through_untouched() {
    let _output = capture();
    let frames: Vec<Vec<u8>> = (0..10)
        .map(|i| common::frame(32, 24, (i, 0, 1, 1), [1, 2, 3]))
        .collect();
    let out = common::run("gvafpscounter", 32, 24, &frames).unwrap();
    assert_eq!(out.len(), 10);
    for (buffer, data) in out.iter().zip(&frames) {
        assert_eq!(buffer.map_readable().unwrap().as_slice(), data.as_slice());
    }
}

#[test]
fn bad_interval_fails_the_start_with_a_clear_error() {
    let _output = capture();
    let e = common::run(
        "gvafpscounter interval=1.5",
        32,
        24,
        &[vec![0; 32 * 24 * 3]],
    )
    .unwrap_err();
    assert!(e.contains("invalid interval '1.5'"), "{e}");
    let e = common::run(
        "gvafpscounter interval=abc,2",
        32,
        24,
        &[vec![0; 32 * 24 * 3]],
    )
    .unwrap_err();
    assert!(e.contains("invalid interval 'abc,2'"), "{e}");
}

/// Frames a parsed line reports (total fps times seconds, both printed with two decimals).
fn frames_of(line: &Line) -> f64 {
    line.total * line.sec
}

/// Whether a line reports `n` frames, to the precision of its two decimals.
fn reports(line: &Line, n: f64) -> bool {
    (frames_of(line) - n).abs() < 0.01 * line.total + 0.01 * line.sec + 0.01
}

#[test]
fn properties_have_dl_streamers_defaults() {
    let output = capture();
    let e = gst::ElementFactory::make("gvafpscounter").build().unwrap();
    assert_eq!(
        e.property::<Option<String>>("interval").as_deref(),
        Some("1")
    );
    assert_eq!(e.property::<u32>("starting-frame"), 0);
    assert!(!e.property::<bool>("print-std-dev"));
    assert_eq!(e.property::<f32>("avg-fps"), 0.0);
    e.set_property("interval", "1,5");
    e.set_property("starting-frame", 7u32);
    assert_eq!(
        e.property::<Option<String>>("interval").as_deref(),
        Some("1,5")
    );
    assert_eq!(e.property::<u32>("starting-frame"), 7);
    let spec = e.find_property("avg-fps").unwrap();
    assert!(!spec.flags().contains(glib::ParamFlags::WRITABLE));

    // The element acts on what was set: "1,5" is two interval counters, so two "last" reports
    // at EOS before the overall one (the run is shorter than 5 s: the "5" counter reports all
    // 20 frames), and starting-frame 7 leaves 7 of the 20 frames out of the overall one.
    let pipeline = gst::Pipeline::new();
    let src = gst::ElementFactory::make("videotestsrc")
        .property("is-live", true)
        .property("num-buffers", 20)
        .build()
        .unwrap();
    let caps = gst::ElementFactory::make("capsfilter")
        .property(
            "caps",
            "video/x-raw,framerate=30/1,width=64,height=48"
                .parse::<gst::Caps>()
                .unwrap(),
        )
        .build()
        .unwrap();
    let sink = gst::ElementFactory::make("fakesink")
        .property("sync", false)
        .build()
        .unwrap();
    pipeline.add_many([&src, &caps, &e, &sink]).unwrap();
    gst::Element::link_many([&src, &caps, &e, &sink]).unwrap();
    play(pipeline.upcast_ref()).unwrap();
    let lines = lines(&output);
    let n = lines.len();
    assert!(n >= 3, "{lines:#?}");
    let overall = parse(&lines[n - 1]).unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(overall.period, "overall", "{lines:#?}");
    assert!(reports(&overall, 13.0), "{overall:?} in {lines:#?}");
    let five = parse(&lines[n - 2]).unwrap_or_else(|| panic!("{lines:#?}"));
    assert_eq!(five.period, "last", "{lines:#?}");
    assert!(reports(&five, 20.0), "{five:?} in {lines:#?}");
    // The "1" counter's EOS report: a "last" line, or "Not enough data" if it had just
    // reported.
    assert!(
        parse(&lines[n - 3]).is_none_or(|l| l.period == "last"),
        "{lines:#?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("FpsCounter(overall"))
            .count(),
        1,
        "{lines:#?}"
    );
    let avg: f32 = e.property("avg-fps");
    assert!((f64::from(avg) - overall.total).abs() <= 0.006, "{avg}");
}
