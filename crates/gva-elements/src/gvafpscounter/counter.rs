//! DL Streamer's FPS counters as plain values: frames and EOS go in with the time they
//! happened, `FpsCounter(...)` lines come out. No clock, no I/O, no globals — the element feeds
//! them from [`super::registry`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Instant;

/// Below this many seconds a measurement is refused ("Not enough data").
pub const TIME_THRESHOLD: f64 = 0.1;

/// Parses the `interval` property: whole seconds, comma separated, as DL Streamer's regex
/// `^[0-9]{1,9}(,[0-9]{1,9})*$` allows. Returns each interval's text (the counters' key) and
/// value.
pub fn parse_intervals(value: &str) -> Result<Vec<(String, u32)>, String> {
    let bad = || {
        format!(
            "invalid interval '{value}': expected whole seconds, comma separated, 1 to 9 digits \
             each (e.g. \"1\" or \"1,5,10\")"
        )
    };
    value
        .split(',')
        .map(|part| {
            if part.is_empty() || part.len() > 9 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse::<u32>()
                .map(|n| (part.to_owned(), n))
                .map_err(|_| bad())
        })
        .collect()
}

/// Which measurement a line reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The last interval (`FpsCounter(last …sec)`).
    Last,
    /// Since the average counter started (`FpsCounter(average …sec)`).
    Average,
    /// Since the average counter started, at end of stream (`FpsCounter(overall …sec)`).
    Overall,
}

/// DL Streamer's report of `frames` (one count per stream, in stream-name order) over `sec`
/// seconds, without the trailing newline: the "Not enough data" line when `sec` is under
/// [`TIME_THRESHOLD`], `None` when there are no streams. With more than one stream and
/// `each_stream`, the per-stream rates follow in parentheses.
pub fn format_fps(period: Period, sec: f64, frames: &[u64], each_stream: bool) -> Option<String> {
    if sec < TIME_THRESHOLD {
        return Some(format!(
            "FPSCounter: Not enough data for calculation. The time interval ({sec:.7} sec) is too short."
        ));
    }
    if frames.is_empty() {
        return None;
    }
    let total = frames.iter().sum::<u64>() as f64 / sec;
    let name = match period {
        Period::Last => "last",
        Period::Average => "average",
        Period::Overall => "overall",
    };
    let mut line = format!(
        "FpsCounter({name} {sec:.2}sec): total={total:.2} fps, number-streams={}, per-stream={:.2} fps",
        frames.len(),
        total / frames.len() as f64
    );
    if frames.len() > 1 && each_stream {
        push_list(&mut line, frames.iter().map(|&n| n as f64 / sec));
    }
    Some(line)
}

/// Appends `" (a, b, …)"` with two decimals.
fn push_list(line: &mut String, values: impl Iterator<Item = f64>) {
    line.push_str(" (");
    for (i, v) in values.enumerate() {
        let _ = write!(line, "{}{v:.2}", if i == 0 { "" } else { ", " });
    }
    line.push(')');
}

/// DL Streamer's standard deviation of frame intervals: `times` are milliseconds since the
/// last report; the differences of neighbours (negative ones skipped) are the intervals; their
/// sample standard deviation, 0 with fewer than two, and 0 above 1000 ms.
pub fn std_dev(times: &[f64]) -> f64 {
    let Some((&first, rest)) = times.split_first() else {
        return 0.0;
    };
    let mut diffs = Vec::with_capacity(rest.len());
    let mut previous = first;
    for &t in rest {
        if t - previous < 0.0 {
            continue;
        }
        diffs.push(t - previous);
        previous = t;
    }
    if diffs.len() < 2 {
        return 0.0;
    }
    let mean = diffs.iter().sum::<f64>() / diffs.len() as f64;
    let squares = diffs.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>();
    let sd = (squares / (diffs.len() - 1) as f64).sqrt();
    if sd > 1000.0 { 0.0 } else { sd }
}

/// One of DL Streamer's `IterativeFpsCounter`s: the average counter (reports since its start,
/// restarted when a stream joins) or an interval counter (reports the last interval).
#[derive(Debug, Clone)]
pub struct FpsCounter {
    interval: f64,
    average: bool,
    starting_frame: u64,
    print_std_dev: bool,
    total_frames: u64,
    init_time: Option<Instant>,
    last_time: Option<Instant>,
    frames: BTreeMap<String, u64>,
    frame_times: BTreeMap<String, Vec<f64>>,
    eos_reported: bool,
    last_fps: Option<f64>,
}

impl FpsCounter {
    fn new(interval: u32, average: bool, starting_frame: u64, print_std_dev: bool) -> Self {
        Self {
            interval: f64::from(interval),
            average,
            starting_frame,
            print_std_dev,
            total_frames: 0,
            init_time: None,
            last_time: None,
            frames: BTreeMap::new(),
            frame_times: BTreeMap::new(),
            eos_reported: false,
            last_fps: None,
        }
    }

    /// The average counter: ignores the first `starting_frame` frames (of all streams), then
    /// reports every second since its start (`average`) and at EOS (`overall`).
    pub fn average(starting_frame: u64) -> Self {
        Self::new(1, true, starting_frame, false)
    }

    /// An interval counter: reports the last `interval` seconds (`last`), optionally with the
    /// standard deviation of frame intervals.
    pub fn iterative(interval: u32, print_std_dev: bool) -> Self {
        Self::new(interval, false, 0, print_std_dev)
    }

    /// Total fps of the last full report (`None` before the first).
    pub fn last_fps(&self) -> Option<f64> {
        self.last_fps
    }

    /// Names of the streams counted now.
    pub fn streams(&self) -> impl Iterator<Item = &str> {
        self.frames.keys().map(String::as_str)
    }

    /// Counts a frame of stream `element` at `now`; appends a report to `out` when an interval
    /// has passed. Returns whether it reported.
    pub fn new_frame(&mut self, element: &str, now: Instant, out: &mut Vec<String>) -> bool {
        self.total_frames += 1;
        if self.total_frames <= self.starting_frame {
            return false;
        }
        if self.print_std_dev
            && let Some(last) = self.last_time
        {
            let ms = now.saturating_duration_since(last).as_micros() as f64 * 0.001;
            self.frame_times
                .entry(element.to_owned())
                .or_default()
                .push(ms);
        }
        if self.init_time.is_none() {
            self.init_time = Some(now);
            self.last_time = Some(now);
        }
        if self.average && !self.frames.contains_key(element) {
            self.init_time = Some(now);
            self.last_time = Some(now);
            self.frames.values_mut().for_each(|n| *n = 0);
        }
        *self.frames.entry(element.to_owned()).or_default() += 1;

        let last = self.last_time.unwrap_or(now);
        let sec = now.saturating_duration_since(last).as_secs_f64();
        if sec < self.interval {
            return false;
        }
        self.last_time = Some(now);
        if self.average {
            let init = self.init_time.unwrap_or(now);
            let sec = now.saturating_duration_since(init).as_secs_f64();
            self.report(sec, false, out);
        } else {
            self.report(sec, false, out);
            self.frames.values_mut().for_each(|n| *n = 0);
        }
        true
    }

    /// End of stream `element` at `now`: the final report (once, until other streams go on),
    /// then the stream leaves; remaining streams start a new measurement.
    pub fn eos(&mut self, element: &str, now: Instant, out: &mut Vec<String>) {
        if !self.eos_reported {
            let since = if self.average {
                self.init_time
            } else {
                self.last_time
            };
            if let Some(since) = since {
                self.report(
                    now.saturating_duration_since(since).as_secs_f64(),
                    true,
                    out,
                );
            }
            self.eos_reported = true;
        }
        if self.frames.remove(element).is_some() {
            self.frame_times.remove(element);
            if !self.frames.is_empty() {
                self.init_time = Some(now);
                self.last_time = Some(now);
                self.frames.values_mut().for_each(|n| *n = 0);
                self.eos_reported = false;
            }
        }
    }

    fn report(&mut self, sec: f64, eos: bool, out: &mut Vec<String>) {
        let period = match (self.average, eos) {
            (false, _) => Period::Last,
            (true, false) => Period::Average,
            (true, true) => Period::Overall,
        };
        let counts: Vec<u64> = self.frames.values().copied().collect();
        let Some(mut line) = format_fps(period, sec, &counts, true) else {
            return;
        };
        if sec >= TIME_THRESHOLD {
            self.last_fps = Some(counts.iter().sum::<u64>() as f64 / sec);
            if self.print_std_dev {
                let all: Vec<f64> = self
                    .frames
                    .keys()
                    .flat_map(|k| self.frame_times.get(k).into_iter().flatten().copied())
                    .collect();
                let _ = write!(line, "\nstd dev interval: {:.2}ms", std_dev(&all));
                if self.frames.len() > 1 {
                    push_list(
                        &mut line,
                        self.frames.keys().map(|k| {
                            std_dev(self.frame_times.get(k).map_or(&[][..], Vec::as_slice))
                        }),
                    );
                }
                for k in self.frames.keys() {
                    if let Some(times) = self.frame_times.get_mut(k) {
                        times.clear();
                    }
                }
            }
        }
        out.push(line);
    }
}

/// The counters of a process, keyed like DL Streamer's (`"average"` and each interval's text),
/// reported in key order.
#[derive(Debug, Default, Clone)]
pub struct FpsCounters {
    counters: BTreeMap<String, FpsCounter>,
}

/// Key of the average counter.
pub const AVERAGE: &str = "average";

impl FpsCounters {
    /// No counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the average counter and one counter per interval, keeping those that exist (the
    /// first element to start sets `starting_frame` and `print_std_dev`, as in DL Streamer).
    pub fn add(&mut self, intervals: &[(String, u32)], starting_frame: u64, print_std_dev: bool) {
        self.counters
            .entry(AVERAGE.to_owned())
            .or_insert_with(|| FpsCounter::average(starting_frame));
        for (key, seconds) in intervals {
            self.counters
                .entry(key.clone())
                .or_insert_with(|| FpsCounter::iterative(*seconds, print_std_dev));
        }
    }

    /// Whether there are no counters.
    pub fn is_empty(&self) -> bool {
        self.counters.is_empty()
    }

    /// Whether stream `element` is being counted.
    pub fn counts(&self, element: &str) -> bool {
        self.counters
            .values()
            .any(|c| c.streams().any(|s| s == element))
    }

    /// A frame of `element` at `now`: the lines to print, and the average counter's fps if it
    /// reported.
    pub fn new_frame(&mut self, element: &str, now: Instant) -> (Vec<String>, Option<f64>) {
        let mut lines = Vec::new();
        let mut average = None;
        for (key, counter) in &mut self.counters {
            if counter.new_frame(element, now, &mut lines) && key == AVERAGE {
                average = counter.last_fps();
            }
        }
        (lines, average)
    }

    /// End of stream `element` at `now`: the lines to print, and the average counter's latest
    /// fps (the overall one when it could be measured).
    pub fn eos(&mut self, element: &str, now: Instant) -> (Vec<String>, Option<f64>) {
        let mut lines = Vec::new();
        let mut average = None;
        for (key, counter) in &mut self.counters {
            counter.eos(element, now, &mut lines);
            if key == AVERAGE {
                average = counter.last_fps();
            }
        }
        (lines, average)
    }
}
