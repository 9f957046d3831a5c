//! The foundation demo: gva-meta on a real GStreamer pipeline.
//!
//! `videotestsrc pattern=ball` draws a white ball moving over black. A pad probe plays the
//! detector: it finds the ball's bounding box in the BGRx pixels and attaches it as a region
//! ("ball", with its detection structure), a frame-level tensor (the mean brightness per
//! channel, FP32) and a JSON message. `videoconvert` and `videoscale` then turn the 1280x720 BGRx
//! frames into 640x360 I420, and the sink reads the metadata back: the region's pixels follow the
//! scale, its normalized box does not change.
//!
//! Run it with `cargo xtask demo` (or `cargo run -p gva-meta --example demo -- [frames]`).

use std::sync::{Arc, Mutex};

use gst::prelude::*;
use gva_meta::{NewRegion, Precision, VideoFrame};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let frames: u32 = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|_| format!("frames must be a number, got '{n}'"))?,
        None => 30,
    };
    gst::init()?;
    gva_meta::register()?;

    let pipeline = gst::parse::launch(&format!(
        "videotestsrc pattern=ball num-buffers={frames} \
         ! video/x-raw,format=BGRx,width={WIDTH},height={HEIGHT},framerate=30/1 \
         ! identity name=detector \
         ! videoconvert ! video/x-raw,format=I420 \
         ! videoscale ! video/x-raw,width={},height={} \
         ! appsink name=sink sync=false",
        WIDTH / 2,
        HEIGHT / 2
    ))?
    .downcast::<gst::Pipeline>()
    .map_err(|_| "not a pipeline")?;

    let detector = pipeline.by_name("detector").ok_or("no detector")?;
    detector
        .static_pad("src")
        .ok_or("no src pad")?
        .add_probe(gst::PadProbeType::BUFFER, detect);

    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = pipeline
        .by_name("sink")
        .ok_or("no sink")?
        .downcast::<gst_app::AppSink>()
        .map_err(|_| "not an appsink")?;
    let sink_lines = lines.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |sink| {
                let sample = sink.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let line = describe(&sample).unwrap_or_else(|e| format!("unreadable frame: {e}"));
                println!("{line}");
                sink_lines
                    .lock()
                    .map_err(|_| gst::FlowError::Error)?
                    .push(line);
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );

    println!(
        "pipeline: videotestsrc ({WIDTH}x{HEIGHT} BGRx) -> detector probe (gva-meta) -> \
         videoconvert (I420) -> videoscale ({}x{}) -> appsink\n",
        WIDTH / 2,
        HEIGHT / 2
    );
    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline.bus().ok_or("no bus")?;
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(60),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    pipeline.set_state(gst::State::Null)?;
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) => {}
        Some(gst::MessageView::Error(e)) => {
            return Err(format!("pipeline error: {}", e.error()).into());
        }
        _ => return Err("pipeline did not finish within 60 s".into()),
    }
    let seen = lines.lock().map_err(|_| "poisoned")?.len();
    println!("\n{seen} of {frames} frames read back with their regions, tensors and messages");
    if seen as u32 != frames {
        return Err("frames were lost".into());
    }
    Ok(())
}

/// The probe: finds the ball and attaches what it found.
fn detect(pad: &gst::Pad, info: &mut gst::PadProbeInfo) -> gst::PadProbeReturn {
    let Some(video_info) = pad
        .current_caps()
        .and_then(|caps| gst_video::VideoInfo::from_caps(&caps).ok())
    else {
        return gst::PadProbeReturn::Ok;
    };
    let Some(gst::PadProbeData::Buffer(buffer)) = info.data.as_mut() else {
        return gst::PadProbeReturn::Ok;
    };
    let (bbox, means) = match buffer.map_readable() {
        Ok(map) => scan(map.as_slice(), &video_info),
        Err(_) => return gst::PadProbeReturn::Ok,
    };
    let frame_number = buffer.offset();
    let mut frame = VideoFrame::new(buffer.make_mut(), video_info);
    if let Some((x, y, w, h, fill)) = bbox {
        let region = NewRegion::pixels(x, y, w, h)
            .label("ball")
            .confidence(fill)
            .label_id(0);
        if let Err(e) = frame.add_region(&region) {
            eprintln!("add_region: {e}");
        }
    }
    if let Ok(tensor) = frame.add_tensor() {
        let _ = tensor.set_name("mean_brightness");
        let _ = tensor.set_str("layer_name", "mean_bgr");
        tensor.set_precision(Precision::Fp32);
        tensor.set_dims(&[1, 3]);
        let bytes: Vec<u8> = means.iter().flat_map(|v| v.to_le_bytes()).collect();
        tensor.set_data(&bytes);
    }
    let _ = frame.add_message(&format!(
        r#"{{"frame":{frame_number},"source":"videotestsrc"}}"#
    ));
    gst::PadProbeReturn::Ok
}

/// Bounding box of the bright pixels (and how much of it is bright), and the mean B, G, R.
type Scan = (Option<(i64, i64, i64, i64, f64)>, [f32; 3]);

fn scan(data: &[u8], info: &gst_video::VideoInfo) -> Scan {
    let (w, h) = (info.width() as usize, info.height() as usize);
    let stride = info.stride()[0] as usize;
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    let mut bright = 0u64;
    let mut sums = [0u64; 3];
    for y in 0..h {
        let Some(row) = data.get(y * stride..y * stride + w * 4) else {
            break;
        };
        for (x, px) in row.chunks_exact(4).enumerate() {
            for c in 0..3 {
                sums[c] += u64::from(px[c]);
            }
            if px[0] > 128 && px[1] > 128 && px[2] > 128 {
                bright += 1;
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    let n = (w * h).max(1) as f32;
    let means = sums.map(|s| s as f32 / n);
    if bright == 0 {
        return (None, means);
    }
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let fill = bright as f64 / (bw * bh) as f64;
    (
        Some((x0 as i64, y0 as i64, bw as i64, bh as i64, fill)),
        means,
    )
}

/// One line per frame: what the sink read back.
fn describe(sample: &gst::Sample) -> Result<String, Box<dyn std::error::Error>> {
    let info = gst_video::VideoInfo::from_caps(sample.caps().ok_or("no caps")?)?;
    let frame = VideoFrame::new(sample.buffer().ok_or("no buffer")?, info);
    let mut line = format!(
        "{}x{} {:?}:",
        frame.info().width(),
        frame.info().height(),
        frame.info().format()
    );
    for r in frame.regions() {
        let px = r.rect();
        let n = r.normalized_rect()?;
        line += &format!(
            " region #{} '{}' conf {:.2} at {}x{}+{}+{} px = [{:.3} {:.3} {:.3} {:.3}] normalized;",
            r.id(),
            r.label()?,
            r.confidence()?,
            px.w,
            px.h,
            px.x,
            px.y,
            n.x,
            n.y,
            n.w,
            n.h
        );
    }
    for t in frame.tensors() {
        let values: Vec<f32> = t
            .data()?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        line += &format!(
            " tensor '{}' {} {:?} = {:.1?};",
            t.name(),
            t.precision()?.as_str(),
            t.dims()?,
            values
        );
    }
    for m in frame.messages() {
        line += &format!(" message {}", m.text()?);
    }
    Ok(line)
}
