//! The C compiler and Rust agree on the binary layout of every struct that crosses the
//! boundary: DL Streamer's two GVA metas (as `gva-meta` declares them), GStreamer's
//! `GstMeta` and `GstVideoRegionOfInterestMeta` (as `gstreamer-sys` declares them), and the
//! fixture's own `DlsRegion` mirror.
//!
//! No meta type is registered here: the layout table is pure C constants.

use std::collections::BTreeMap;
use std::mem::{align_of, offset_of, size_of};

use gst::ffi::GstMeta;
use gst_video::ffi::GstVideoRegionOfInterestMeta;
use gva_meta::{GstGVAJSONMeta, GstGVATensorMeta};
use gva_meta_interop::{c, ffi::DlsRegion};

/// What Rust says, keyed like the C table.
fn rust_layout() -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    macro_rules! record {
        ($t:ident { $($field:ident),* $(,)? }) => {
            m.insert(format!("sizeof({})", stringify!($t)), size_of::<$t>());
            m.insert(format!("alignof({})", stringify!($t)), align_of::<$t>());
            $(
                m.insert(
                    format!("offsetof({}, {})", stringify!($t), stringify!($field)),
                    offset_of!($t, $field),
                );
            )*
        };
    }
    record!(GstMeta { flags, info });
    record!(GstGVATensorMeta { meta, data });
    record!(GstGVAJSONMeta { meta, message });
    record!(GstVideoRegionOfInterestMeta {
        meta,
        roi_type,
        id,
        parent_id,
        x,
        y,
        w,
        h,
        params
    });
    record!(DlsRegion {
        label,
        id,
        parent_id,
        x,
        y,
        w,
        h,
        n_params,
        has_detection,
        x_min,
        y_min,
        x_max,
        y_max,
        confidence,
        has_label_id,
        label_id
    });
    m
}

#[test]
fn rust_and_c_agree_on_every_size_alignment_and_offset() {
    let c: BTreeMap<String, usize> = c::layout().into_iter().collect();
    let rust = rust_layout();
    // Same keys: nothing checked on one side only.
    assert_eq!(
        c.keys().collect::<Vec<_>>(),
        rust.keys().collect::<Vec<_>>(),
        "the C table and the Rust table list different items"
    );
    for (key, c_value) in &c {
        assert_eq!(
            rust[key], *c_value,
            "{key}: Rust {} vs C {c_value}",
            rust[key]
        );
    }
}

#[test]
fn the_gva_metas_have_dlstreamers_shape() {
    // `{ GstMeta meta; <pointer>; }`: the pointer right after the header, nothing after it.
    let c: BTreeMap<String, usize> = c::layout().into_iter().collect();
    let header = c["sizeof(GstMeta)"];
    let ptr = size_of::<*const u8>();
    assert_eq!(c["offsetof(GstGVATensorMeta, meta)"], 0);
    assert_eq!(c["offsetof(GstGVATensorMeta, data)"], header);
    assert_eq!(c["sizeof(GstGVATensorMeta)"], header + ptr);
    assert_eq!(c["offsetof(GstGVAJSONMeta, meta)"], 0);
    assert_eq!(c["offsetof(GstGVAJSONMeta, message)"], header);
    assert_eq!(c["sizeof(GstGVAJSONMeta)"], header + ptr);
    // What DL Streamer's ctypes structures assume: `_meta_flags: c_int, _info: c_void_p`,
    // then the payload (on x86-64: 0, 8, 16).
    assert_eq!(c["offsetof(GstMeta, flags)"], 0);
    assert_eq!(c["offsetof(GstMeta, info)"], ptr);
}
