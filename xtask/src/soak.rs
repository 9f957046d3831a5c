//! `cargo xtask soak`: the main chains run for many frames each, in their own process, while the
//! process's memory is sampled; a chain fails when its memory grows by more than
//! [`BOUND_MIB_PER_10K`] per 10 000 frames after warm-up. `cargo xtask test` runs the same check
//! on fewer frames ([`Length::Short`]).
//!
//! Each chain runs in `xtask/soak/soak.py` (PyGObject; its docstring describes the chains),
//! which prints `RssAnon` and `VmRSS` from `/proc/self/status` every `frames / 60` frames,
//! counted at the sink. The check uses `RssAnon`: heap, stacks, anonymous maps — where leaked
//! allocations land — without the file pages of libraries and models, which are paged in once
//! as code first runs.
//!
//! Warm-up: the first third of the frames (allocator arenas, OpenVINO's caches and the
//! interpreter settle; measured on these chains, growth there is up to 0.6 MiB per 10k frames,
//! after it about 0.1 or less). The samples after warm-up are cut in two halves and each gets a
//! Theil-Sen estimate, the median of the slopes between every pair of its samples; the growth
//! is the smaller of the two. A leak grows the memory by the same amount per frame: every pair
//! in both halves agrees on its slope. glibc's allocator grows its heap in steps (now and then
//! 0.5 MiB at once, when a new arena or heap top is taken): a step moves only the slopes of the
//! pairs on either side of it — fewer than half of them unless it falls in the very middle of a
//! half — and it falls in one half only, so, unlike a least-squares line or two raw points, a
//! step does not read as growth.
//!
//! The bound, 1 MiB per 10 000 frames (105 bytes per frame): ten times that settled noise, and
//! at the size of the smallest leak worth finding — one object of 100 bytes or more per frame
//! (a `GstStructure` with a few fields, a Python object with its `__dict__`; a 150-byte `bytes`
//! kept per frame by the gvapython chain reads 1.9), or 2 bytes per region at 64 regions per
//! frame. The OpenVINO port leaked per inferred region (issue 14 item 2, about 72 bytes + the
//! allocator's overhead, 64 regions per frame) grows the region chain by 49 MiB per 10 000
//! frames; with that port taken once, the same chain reads 0.0-0.03.

use std::fmt::Write as _;
use std::process::Stdio;

use crate::env;
use crate::project::{Project, Result, describe, step};

/// Largest growth allowed after warm-up, MiB per 10 000 frames.
pub const BOUND_MIB_PER_10K: f64 = 1.0;

/// Samples taken over a run.
const SAMPLES: u64 = 60;

/// How long the chains run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Length {
    /// `cargo xtask soak`: a few minutes.
    Full,
    /// The part of `cargo xtask test`: a few thousand frames a chain.
    Short,
}

/// A chain of `xtask/soak/soak.py` and its frames in a full / short run.
struct Chain {
    name: &'static str,
    full: u64,
    short: u64,
}

const CHAINS: [Chain; 4] = [
    Chain {
        name: "gvapython",
        full: 200_000,
        short: 6_000,
    },
    Chain {
        name: "gvadetect",
        full: 100_000,
        short: 6_000,
    },
    Chain {
        name: "regions",
        full: 30_000,
        short: 4_000,
    },
    Chain {
        name: "probe",
        full: 200_000,
        short: 6_000,
    },
];

/// What one chain's run gave.
struct Outcome {
    name: &'static str,
    frames: u64,
    /// `(frames done, RssAnon kB, VmRSS kB)`.
    samples: Vec<(u64, u64, u64)>,
}

impl Outcome {
    fn settled(&self) -> &[(u64, u64, u64)] {
        let warm = self.frames / 3;
        let first = self
            .samples
            .iter()
            .position(|s| s.0 > warm)
            .unwrap_or(self.samples.len());
        &self.samples[first..]
    }

    /// Growth of `RssAnon` after warm-up, MiB per 10 000 frames: the smaller Theil-Sen slope
    /// of the two halves.
    fn growth(&self) -> f64 {
        let settled = self.settled();
        let (early, late) = settled.split_at(settled.len() / 2);
        theil_sen(early).min(theil_sen(late)) * 10_000.0 / 1024.0
    }
}

/// The median of the `RssAnon` slopes (kB per frame) between every pair of samples.
fn theil_sen(samples: &[(u64, u64, u64)]) -> f64 {
    let mut slopes = Vec::new();
    for (i, a) in samples.iter().enumerate() {
        for b in &samples[i + 1..] {
            if b.0 > a.0 {
                slopes.push((b.1 as f64 - a.1 as f64) / (b.0 - a.0) as f64);
            }
        }
    }
    median(&mut slopes)
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

fn mib(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// Runs one chain in its own process.
fn run_chain(p: &Project, chain: &Chain, frames: u64) -> Result<Outcome> {
    let mut cmd = p.command(p.python());
    cmd.arg(p.root.join("xtask").join("soak").join("soak.py"))
        .arg(chain.name)
        .arg("--frames")
        .arg(frames.to_string())
        .arg("--every")
        .arg((frames / SAMPLES).max(1).to_string())
        .arg("--models")
        .arg(crate::models::dir(p))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    env::apply(&mut cmd, &env::hermetic(p));
    let out = cmd
        .output()
        .map_err(|e| format!("could not start {}: {e}", describe(&cmd)))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", describe(&cmd), out.status));
    }
    let mut samples = Vec::new();
    let mut done = None;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let fields: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|f| f.parse().ok())
            .collect();
        match (line.split_whitespace().next(), fields.as_slice()) {
            (Some("sample"), &[n, anon, rss]) => samples.push((n, anon, rss)),
            (Some("done"), &[n]) => done = Some(n),
            _ => {}
        }
    }
    if done != Some(frames) {
        return Err(format!(
            "{}: {done:?} frames reached the sink, expected {frames}",
            chain.name
        ));
    }
    let outcome = Outcome {
        name: chain.name,
        frames,
        samples,
    };
    if outcome.settled().len() < 6 {
        return Err(format!("{}: too few samples after warm-up", outcome.name));
    }
    Ok(outcome)
}

/// The table of outcomes.
fn table(outcomes: &[Outcome]) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "{:<10} {:>7} {:>14} {:>14} {:>16} {:>8}",
        "chain", "frames", "RSS MiB", "anon MiB", "growth MiB/10k", "verdict"
    );
    let _ = writeln!(
        t,
        "{:<10} {:>7} {:>14} {:>14} {:>16} {:>8}",
        "", "", "start -> end", "start -> end", "(anon)", ""
    );
    for o in outcomes {
        let (start, end) = (o.settled()[0], o.samples[o.samples.len() - 1]);
        let growth = o.growth();
        let verdict = if growth <= BOUND_MIB_PER_10K {
            "ok"
        } else {
            "LEAK"
        };
        let _ = writeln!(
            t,
            "{:<10} {:>7} {:>6.1} -> {:>5.1} {:>6.1} -> {:>5.1} {:>16.2} {:>8}",
            o.name,
            o.frames,
            mib(start.2),
            mib(end.2),
            mib(start.1),
            mib(end.1),
            growth,
            verdict
        );
    }
    let _ = write!(
        t,
        "(start: first sample after warm-up, the first third of the frames; bound {BOUND_MIB_PER_10K} \
         MiB per 10k frames)"
    );
    t
}

/// Runs every chain and checks its growth.
pub fn check(p: &Project, length: Length) -> Result<()> {
    crate::models::generate(p, &crate::models::dir(p))?;
    let mut outcomes = Vec::new();
    for chain in &CHAINS {
        let frames = match length {
            Length::Full => chain.full,
            Length::Short => chain.short,
        };
        outcomes.push(step(
            &format!("soak: {} ({frames} frames)", chain.name),
            || run_chain(p, chain, frames),
        )?);
    }
    let table = table(&outcomes);
    println!("\n{table}\n");
    let leaking: Vec<String> = outcomes
        .iter()
        .filter(|o| o.growth().is_nan() || o.growth() > BOUND_MIB_PER_10K)
        .map(|o| format!("{} ({:.2} MiB per 10k frames)", o.name, o.growth()))
        .collect();
    if leaking.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "memory grows by more than {BOUND_MIB_PER_10K} MiB per 10k frames after warm-up: {}",
            leaking.join(", ")
        ))
    }
}

/// `cargo xtask soak [--short]`.
pub fn run(p: &Project, args: &[String]) -> Result<()> {
    let length = match args {
        [] => Length::Full,
        [flag] if flag == "--short" => Length::Short,
        _ => return Err(format!("soak takes no arguments but --short, got {args:?}")),
    };
    crate::setup::run_all(p)?;
    check(p, length)?;
    println!("soak passed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(samples: Vec<(u64, u64, u64)>) -> Outcome {
        Outcome {
            name: "t",
            frames: samples.last().unwrap().0,
            samples,
        }
    }

    #[test]
    fn a_steady_leak_is_its_rate() {
        // 1024 kB per 1000 frames = 10 MiB per 10k frames, from the first sample on.
        let o = outcome((1..=30).map(|i| (i * 1000, 5000 + i * 1024, 0)).collect());
        assert!((o.growth() - 10.0).abs() < 1e-9, "{}", o.growth());
    }

    #[test]
    fn one_allocator_step_after_warm_up_is_not_growth() {
        // Flat, one 2 MiB step, flat again: wherever the step falls.
        for step in 11..=30 {
            let o = outcome(
                (1..=30)
                    .map(|i| (i * 1000, if i < step { 5000 } else { 7048 }, 0))
                    .collect(),
            );
            assert_eq!(o.growth(), 0.0, "step at sample {step}");
        }
    }

    #[test]
    fn a_leak_with_allocator_noise_is_found() {
        // 100 bytes per frame (0.95 MiB per 10k frames) plus +-64 kB of jitter and a step.
        let o = outcome(
            (1..=60)
                .map(|i| {
                    let jitter = [0, 64, 0, 0, 32, 0, 0, 0][i as usize % 8];
                    let step = if i > 45 { 512 } else { 0 };
                    (i * 1000, 5000 + i * 1000 * 100 / 1024 + jitter + step, 0)
                })
                .collect(),
        );
        assert!((o.growth() - 0.95).abs() < 0.1, "{}", o.growth());
    }

    #[test]
    fn warm_up_growth_is_left_out() {
        // Grows 4 MiB in the first third, then flat.
        let o = outcome(
            (1..=30)
                .map(|i| (i * 1000, 5000 + 410 * i.min(10), 0))
                .collect(),
        );
        assert_eq!(o.growth(), 0.0);
    }
}
