//! Metas survive a real pipeline that converts and scales the frames.

use std::sync::{Arc, Mutex};

use gst::prelude::*;
use gva_meta::{NewRegion, OptionalField, Rect, VideoFrame};

/// What the sink saw on one frame.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    rect: Rect<u32>,
    normalized: Rect<f64>,
    label: String,
    confidence: f64,
    label_id: i32,
    object_id: Option<i32>,
    tensor_layer: String,
    tensor_data: Vec<u8>,
    message: String,
}

#[test]
fn metas_survive_videoconvert_and_videoscale() {
    gst::init().unwrap();
    let pipeline = gst::parse::launch(
        "videotestsrc num-buffers=5 ! video/x-raw,format=BGRx,width=640,height=480 \
         ! identity name=tagger ! videoconvert ! video/x-raw,format=I420 \
         ! videoscale ! video/x-raw,width=320,height=240 ! appsink name=sink sync=false",
    )
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();

    let tagger = pipeline.by_name("tagger").unwrap();
    let src_pad = tagger.static_pad("src").unwrap();
    src_pad.add_probe(gst::PadProbeType::BUFFER, |pad, info| {
        let caps = pad.current_caps().unwrap();
        let video_info = gst_video::VideoInfo::from_caps(&caps).unwrap();
        let Some(gst::PadProbeData::Buffer(buffer)) = info.data.as_mut() else {
            return gst::PadProbeReturn::Ok;
        };
        let mut frame = VideoFrame::new(buffer.make_mut(), video_info);
        let mut added = frame
            .add_region(
                &NewRegion::pixels(64, 48, 320, 240)
                    .label("face")
                    .confidence(0.75)
                    .label_id(3),
            )
            .unwrap();
        added.region.set_object_id(42);
        let tensor = frame.add_tensor().unwrap();
        tensor.set_str("layer_name", "prob").unwrap();
        tensor.set_data(&[1, 2, 3, 4]);
        frame.add_message(r#"{"hello":"world"}"#).unwrap();
        gst::PadProbeReturn::Ok
    });

    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    let seen_in_sink = seen.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let info = gst_video::VideoInfo::from_caps(sample.caps().unwrap()).unwrap();
                let frame = VideoFrame::new(sample.buffer().unwrap(), info);
                let regions: Vec<_> = frame.regions().collect();
                assert_eq!(regions.len(), 1);
                let r = regions[0];
                let tensor = frame.tensors().next().unwrap();
                seen_in_sink.lock().unwrap().push(Seen {
                    rect: r.rect(),
                    normalized: r.normalized_rect().unwrap(),
                    label: r.label().unwrap().to_owned(),
                    confidence: r.confidence().unwrap(),
                    label_id: r.label_id().unwrap(),
                    object_id: r.object_id().optional().unwrap(),
                    tensor_layer: tensor.layer_name().unwrap().to_owned(),
                    tensor_data: tensor.data().unwrap().to_vec(),
                    message: frame.messages().next().unwrap().text().unwrap().to_owned(),
                });
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );

    pipeline.set_state(gst::State::Playing).unwrap();
    let bus = pipeline.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(30),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("pipeline finished");
    pipeline.set_state(gst::State::Null).unwrap();
    assert_eq!(msg.type_(), gst::MessageType::Eos, "{msg:?}");

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 5);
    for s in seen.iter() {
        assert_eq!(
            *s,
            Seen {
                // pixels follow the 640x480 -> 320x240 scale
                rect: Rect::new(32, 24, 160, 120),
                // the detection stays in fractions of the frame
                normalized: Rect::new(0.1, 0.1, 0.5, 0.5),
                label: "face".into(),
                confidence: 0.75,
                label_id: 3,
                object_id: Some(42),
                tensor_layer: "prob".into(),
                tensor_data: vec![1, 2, 3, 4],
                message: r#"{"hello":"world"}"#.into(),
            }
        );
    }
}
