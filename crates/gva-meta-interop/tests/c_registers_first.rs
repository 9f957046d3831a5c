//! DL Streamer's C code registers the GVA metas first, then `gva-meta` joins in: both must
//! end up with one API type and one `GstMetaInfo` per meta, and each side must read exactly
//! what the other attached, also after `gst_buffer_copy`.
//!
//! One test function on purpose: registration is process-wide and happens once, so the order
//! (C first, then Rust) is fixed by the statement order below. Every GLib WARNING or CRITICAL
//! aborts the process (a failed registration would print one).

use gst::glib;
use gst::glib::translate::IntoGlib;
use gst::meta::MetaAPI;
use gva_meta::{GstGVATensorMeta, JsonMeta, Layout, NewRegion, Precision, TensorMeta, VideoFrame};
use gva_meta_interop::{c, meta_infos};

const WIDTH: u32 = 64;
const HEIGHT: u32 = 64;

fn info() -> gst_video::VideoInfo {
    gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgrx, WIDTH, HEIGHT)
        .build()
        .unwrap()
}

fn new_buffer() -> gst::Buffer {
    gst::Buffer::with_size(info().size()).unwrap()
}

// ---- what C attaches, and how gva-meta must read it ----

const C_TENSOR_NAME: &str = "inference_layer_name:prob";
const C_DIMS: [u32; 2] = [1, 2];
const C_MESSAGE: &str = r#"{"objects":[{"label":"person"}]}"#;
/// Two little-endian FP32 values, 0.25 and 0.75.
fn c_data() -> Vec<u8> {
    [0.25f32, 0.75]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect()
}

fn c_attach(buffer: &mut gst::BufferRef) {
    let data = c_data();
    assert!(c::add_tensor(
        buffer,
        &c::NewTensor {
            name: Some(C_TENSOR_NAME),
            model_name: Some("tiny-model"),
            layer_name: Some("prob"),
            precision: 10, // FP32
            layout: 193,   // NC
            dims: &C_DIMS,
            data: Some(&data),
        },
    ));
    assert!(c::add_message(buffer, C_MESSAGE));
    // Pixels (8, 16, 32, 24) of 64x64: every normalized value is exact in binary.
    assert!(c::add_region(
        buffer,
        "person",
        (8, 16, 32, 24),
        (0.125, 0.25, 0.625, 0.625, 0.75),
        3,
    ));
}

fn assert_gva_reads_c_sample(buffer: &gst::BufferRef) {
    let frame = VideoFrame::new(buffer, info());

    let tensors: Vec<_> = frame.tensors().collect();
    assert_eq!(tensors.len(), 1);
    let t = tensors[0];
    assert_eq!(t.name(), C_TENSOR_NAME);
    assert_eq!(t.model_name(), Ok("tiny-model"));
    assert_eq!(t.layer_name(), Ok("prob"));
    assert_eq!(t.precision(), Ok(Precision::Fp32));
    assert_eq!(t.layout(), Ok(Layout::Nc));
    assert_eq!(t.dims(), Ok(C_DIMS.to_vec()));
    assert_eq!(t.data(), Ok(&c_data()[..]));
    // DL Streamer also stores a raw pointer to the blob; gva-meta keeps it as is.
    assert!(t.has_field("data"));

    let messages: Vec<_> = frame.messages().map(|m| m.text().unwrap()).collect();
    assert_eq!(messages, [C_MESSAGE]);

    let regions: Vec<_> = frame.regions().collect();
    assert_eq!(regions.len(), 1);
    let r = regions[0];
    let c_region = &c::regions(buffer)[0];
    assert_eq!(r.id(), c_region.id);
    assert_ne!(r.id(), 0, "C gave the region a seqnum id");
    assert_eq!(r.label(), Ok("person"));
    assert_eq!(r.rect(), gva_meta::Rect::new(8, 16, 32, 24));
    assert_eq!(
        r.normalized_rect(),
        Ok(gva_meta::Rect::new(0.125, 0.25, 0.5, 0.375))
    );
    assert_eq!(r.confidence(), Ok(0.75));
    assert_eq!(r.label_id(), Ok(3));
}

// ---- what gva-meta attaches, and how C must read it ----

const GVA_MESSAGE: &str = r#"{"k":1}"#;

fn gva_attach(buffer: &mut gst::BufferRef) {
    let mut frame = VideoFrame::new(buffer, info());
    frame
        .add_region(
            &NewRegion::pixels(16, 32, 16, 8)
                .label("face")
                .confidence(0.5)
                .label_id(1),
        )
        .unwrap();
    let t = frame.add_tensor().unwrap();
    t.set_str("model_name", "rust-model").unwrap();
    t.set_str("layer_name", "out").unwrap();
    t.set_precision(Precision::U8);
    t.set_layout(Layout::Nchw);
    t.set_dims(&[1, 3, 2, 2]);
    t.set_data(&[9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 255, 128]);
    frame.add_message(GVA_MESSAGE).unwrap();
}

fn gva_sample_as_c_reads_it() -> c::Tensor {
    c::Tensor {
        // gva-meta's tensor comes from the C init: an empty structure named "meta".
        name: Some("meta".into()),
        model_name: Some("rust-model".into()),
        layer_name: Some("out".into()),
        precision: Some(40),
        layout: Some(1),
        dims: Some(vec![1, 3, 2, 2]),
        data: Some(vec![9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 255, 128]),
    }
}

fn assert_c_reads_gva_sample(buffer: &gst::BufferRef) {
    assert_eq!(c::count_tensors(buffer), 1);
    assert_eq!(c::tensors(buffer), [gva_sample_as_c_reads_it()]);
    assert_eq!(c::count_messages(buffer), 1);
    assert_eq!(c::messages(buffer), [Some(GVA_MESSAGE.to_owned())]);
    assert_eq!(c::count_regions(buffer), 1);
    let r = &c::regions(buffer)[0];
    assert_eq!(r.label.as_deref(), Some("face"));
    assert_ne!(r.id, 0);
    assert_eq!(r.rect, (16, 32, 16, 8));
    assert_eq!(r.n_params, 1);
    // 16/64, 32/64, 32/64, 40/64: exact.
    assert_eq!(r.detection, Some((0.25, 0.5, 0.5, 0.625, 0.5)));
    assert_eq!(r.label_id, Some(1));
}

#[test]
fn c_registers_first_then_gva_meta_shares_its_registration() {
    gst::init().unwrap();
    // SAFETY: plain GLib call, before any other thread logs.
    unsafe {
        glib::ffi::g_log_set_always_fatal(
            glib::ffi::G_LOG_LEVEL_CRITICAL | glib::ffi::G_LOG_LEVEL_WARNING,
        );
    }

    // 1. DL Streamer's C code registers both metas.
    let c_tensor_info = c::tensor_meta_info();
    let c_json_info = c::json_meta_info();
    assert!(!c_tensor_info.is_null() && !c_json_info.is_null());
    let c_tensor_api = c::tensor_meta_api_type();
    let c_json_api = c::json_meta_api_type();
    assert!(c_tensor_api.is_valid() && c_json_api.is_valid());

    // 2. gva-meta registers afterwards: it must find C's registration, not make its own.
    gva_meta::register().unwrap();

    // 3. One API type and one meta info per meta, whoever asks.
    for (api_name, impl_name, c_api, c_info, gva_api) in [
        (
            gva_meta::TENSOR_META_API_NAME,
            gva_meta::TENSOR_META_IMPL_NAME,
            c_tensor_api,
            c_tensor_info,
            TensorMeta::meta_api(),
        ),
        (
            gva_meta::JSON_META_API_NAME,
            gva_meta::JSON_META_IMPL_NAME,
            c_json_api,
            c_json_info,
            JsonMeta::meta_api(),
        ),
    ] {
        assert_eq!(glib::Type::from_name(api_name), Some(c_api), "{api_name}");
        assert_eq!(gva_api, c_api, "{api_name} as gva-meta sees it");
        let name = std::ffi::CString::new(impl_name).unwrap();
        // SAFETY: look-up by a valid name; the info lives for the whole process.
        let info = unsafe { gst::ffi::gst_meta_get_info(name.as_ptr()) };
        assert_eq!(info, c_info, "{impl_name}");
        // SAFETY: as above.
        unsafe {
            assert_eq!((*info).api, c_api.into_glib());
            // No tags (GStreamer returns NULL then), so videoconvert/videoscale keep the meta.
            let tags = gst::ffi::gst_meta_api_type_get_tags(c_api.into_glib());
            assert!(tags.is_null() || (*tags).is_null(), "{api_name} has tags");
        }
    }
    // SAFETY: the info lives for the whole process.
    assert_eq!(
        unsafe { (*c_tensor_info).size },
        std::mem::size_of::<GstGVATensorMeta>()
    );

    // 4. C attaches, gva-meta reads.
    let mut from_c = new_buffer();
    c_attach(from_c.get_mut().unwrap());
    assert_gva_reads_c_sample(&from_c);

    // 5. gva-meta attaches — with C's registration — and C reads through the struct fields.
    let mut from_gva = new_buffer();
    gva_attach(from_gva.get_mut().unwrap());
    assert_eq!(meta_infos(&from_gva, c_tensor_api), [c_tensor_info]);
    assert_eq!(meta_infos(&from_gva, c_json_api), [c_json_info]);
    assert_c_reads_gva_sample(&from_gva);

    // The JSON message seen from gva-meta on the C buffer and vice versa, via the other API.
    assert_eq!(c::messages(&from_c), [Some(C_MESSAGE.to_owned())]);
    assert_eq!(
        VideoFrame::new(from_gva.as_ref(), info())
            .messages()
            .map(|m| m.text().unwrap().to_owned())
            .collect::<Vec<_>>(),
        [GVA_MESSAGE]
    );

    // 6. gst_buffer_copy keeps both kinds (C's transform functions run for both), and the
    //    other side reads the copies.
    let from_c_copy = from_c.copy();
    assert_gva_reads_c_sample(&from_c_copy);
    let from_gva_copy = from_gva.copy();
    assert_c_reads_gva_sample(&from_gva_copy);

    // 7. Both sides on one buffer, copied: each side sees everything, in attach order.
    let mut mixed = new_buffer();
    c_attach(mixed.get_mut().unwrap());
    gva_attach(mixed.get_mut().unwrap());
    let mixed_copy = mixed.copy();
    for buffer in [&mixed, &mixed_copy] {
        let frame = VideoFrame::new(buffer.as_ref(), info());
        let names: Vec<_> = frame.tensors().map(|t| t.name().to_owned()).collect();
        assert_eq!(names, [C_TENSOR_NAME, "meta"]);
        let messages: Vec<_> = frame
            .messages()
            .map(|m| m.text().unwrap().to_owned())
            .collect();
        assert_eq!(messages, [C_MESSAGE, GVA_MESSAGE]);
        let labels: Vec<_> = frame
            .regions()
            .map(|r| r.label().unwrap().to_owned())
            .collect();
        assert_eq!(labels, ["person", "face"]);

        let c_tensors = c::tensors(buffer);
        assert_eq!(c_tensors.len(), 2);
        assert_eq!(c_tensors[0].name.as_deref(), Some(C_TENSOR_NAME));
        assert_eq!(c_tensors[1], gva_sample_as_c_reads_it());
        assert_eq!(
            c::messages(buffer),
            [Some(C_MESSAGE.to_owned()), Some(GVA_MESSAGE.to_owned())]
        );
    }
    // The copy's metas are its own: changing the original leaves the copy alone.
    {
        let mut frame = VideoFrame::new(mixed.get_mut().unwrap(), info());
        let first = frame.messages().next().unwrap().id();
        frame.remove_message(first).unwrap();
        frame.add_message("third").unwrap();
    }
    assert_eq!(
        c::messages(&mixed),
        [Some(GVA_MESSAGE.to_owned()), Some("third".to_owned())]
    );
    assert_eq!(
        c::messages(&mixed_copy),
        [Some(C_MESSAGE.to_owned()), Some(GVA_MESSAGE.to_owned())]
    );
}
