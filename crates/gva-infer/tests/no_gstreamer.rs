//! gva-infer stays free of GStreamer (SPEC.md §1: testable on plain arrays): neither it nor
//! the one gva crate it depends on (gva-meta-types) depends on GStreamer, GLib or gva-meta.

/// The dependency names of the `[dependencies]` table of the manifest at `path`.
fn dependencies(path: &str) -> Vec<String> {
    let manifest = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    manifest
        .split("\n[")
        .filter(|table| table.starts_with("dependencies]"))
        .flat_map(|table| table.lines().skip(1))
        .filter_map(|line| line.split(['=', '.']).next())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .collect()
}

#[test]
fn neither_gva_infer_nor_its_types_depend_on_gstreamer() {
    let here = env!("CARGO_MANIFEST_DIR");
    let infer = dependencies(&format!("{here}/Cargo.toml"));
    assert!(infer.contains(&"openvino".to_owned()), "{infer:?}");
    assert!(infer.contains(&"gva-meta-types".to_owned()), "{infer:?}");
    let types = dependencies(&format!("{here}/../gva-meta-types/Cargo.toml"));
    assert_eq!(types, ["thiserror"]);
    for name in infer.iter().chain(&types) {
        assert!(
            !["gst", "gst-video", "gst-base", "glib", "gva-meta"].contains(&name.as_str())
                && !name.starts_with("gstreamer"),
            "gva-infer depends on {name}"
        );
    }
}
