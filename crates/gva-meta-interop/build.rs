//! Compiles `c/dlstreamer_meta.c`, the C re-statement of DL Streamer's metadata code, into a
//! static library linked into this crate (rlib and cdylib).
//!
//! Include paths come from pkg-config; the GStreamer libraries themselves are linked by the
//! `gstreamer-sys` crates and, again, by the pkg-config probes below (harmless duplicates).
//! Compiler warnings are on (`-Wall -Wextra` and a few more) and shown by cargo; the file
//! compiles without any.

fn main() {
    println!("cargo:rerun-if-changed=c/dlstreamer_meta.c");
    println!("cargo:rerun-if-changed=c/dlstreamer_meta.h");

    let mut build = cc::Build::new();
    for module in ["gstreamer-1.0", "gstreamer-video-1.0"] {
        let library = pkg_config::Config::new()
            .atleast_version("1.22")
            .probe(module)
            .unwrap_or_else(|e| panic!("pkg-config could not find {module}: {e}"));
        build.includes(&library.include_paths);
        for (name, value) in &library.defines {
            build.define(name, value.as_deref());
        }
    }
    build
        .file("c/dlstreamer_meta.c")
        .include("c")
        .std("c11")
        .warnings(true)
        .extra_warnings(true)
        .flag_if_supported("-Wmissing-prototypes")
        .flag_if_supported("-Wstrict-prototypes")
        .flag_if_supported("-Wshadow")
        .compile("dlstreamer_meta");
}
