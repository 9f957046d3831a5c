//! Per-frame cost of GVA metadata: attaching and reading 100 regions on a 1080p frame, and one
//! gvametaconvert-sized JSON message.
//!
//! `cargo bench -p gva-benches --bench meta`; divide the region benches by 100 for the cost per
//! region.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use gst::buffer::BufferMetaForeachAction;
use gva_meta::{NewRegion, VideoFrame};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;
const REGIONS: u32 = 100;
const LABELS: [&str; 4] = ["person", "car", "bicycle", "dog"];

fn video_info() -> gst_video::VideoInfo {
    gst::init().unwrap();
    gva_meta::register().unwrap();
    gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgrx, WIDTH, HEIGHT)
        .build()
        .unwrap()
}

/// Region `i` of a 10x10 grid of boxes over the frame, each with its detection.
fn region(i: u32) -> NewRegion<'static> {
    let (col, row) = (i64::from(i % 10), i64::from(i / 10));
    NewRegion::pixels(col * 192 + 10, row * 108 + 5, 160, 96)
        .label(LABELS[(i % 4) as usize])
        .confidence(0.5 + f64::from(i) / 250.0)
        .label_id((i % 4) as i32)
}

fn attach_regions(frame: &mut VideoFrame<&mut gst::BufferRef>) {
    for i in 0..REGIONS {
        let added = frame.add_region(&region(i)).unwrap();
        black_box(added.region.as_region().id());
    }
}

/// A gvametaconvert-like message for four detected objects (about 1 KB).
fn json_message() -> String {
    let objects: Vec<String> = (0..4)
        .map(|i| {
            let (x, y, w, h) = (100 + 400 * i, 200 + 50 * i, 160, 320);
            format!(
                r#"{{"detection":{{"bounding_box":{{"x_max":{:.6},"x_min":{:.6},"y_max":{:.6},"y_min":{:.6}}},"confidence":{:.6},"label":"person","label_id":1}},"h":{h},"id":{},"region_id":{},"roi_type":"person","w":{w},"x":{x},"y":{y}}}"#,
                f64::from(x + w) / f64::from(WIDTH),
                f64::from(x) / f64::from(WIDTH),
                f64::from(y + h) / f64::from(HEIGHT),
                f64::from(y) / f64::from(HEIGHT),
                0.9 - f64::from(i) / 10.0,
                i + 1,
                1000 + i,
            )
        })
        .collect();
    format!(
        r#"{{"objects":[{}],"resolution":{{"height":{HEIGHT},"width":{WIDTH}}},"source":"file:///videos/people-walking-1080p.mp4","timestamp":1234567890}}"#,
        objects.join(",")
    )
}

/// Total time of `iters` runs of `attach`, each on `buffer` stripped of every meta beforehand
/// (the stripping is not timed).
fn time_on_empty_buffer(
    buffer: &mut gst::Buffer,
    info: &gst_video::VideoInfo,
    iters: u64,
    mut attach: impl FnMut(&mut VideoFrame<&mut gst::BufferRef>),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let buffer = buffer.get_mut().unwrap();
        buffer.foreach_meta_mut(|_| ControlFlow::Continue(BufferMetaForeachAction::Remove));
        let mut frame = VideoFrame::new(buffer, info.clone());
        let start = Instant::now();
        attach(&mut frame);
        total += start.elapsed();
    }
    total
}

fn regions(c: &mut Criterion) {
    let info = video_info();

    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    c.bench_function("attach_100_regions_1080p", |b| {
        b.iter_custom(|iters| time_on_empty_buffer(&mut buffer, &info, iters, attach_regions));
    });

    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    attach_regions(&mut VideoFrame::new(
        buffer.get_mut().unwrap(),
        info.clone(),
    ));
    let frame = VideoFrame::new(buffer.as_ref(), info.clone());
    assert_eq!(frame.regions().count(), REGIONS as usize);
    c.bench_function("read_100_regions_1080p", |b| {
        b.iter(|| {
            for r in frame.regions() {
                let read = (
                    r.rect(),
                    r.label(),
                    r.confidence(),
                    r.label_id(),
                    r.normalized_rect(),
                );
                black_box(&read);
            }
        });
    });
}

fn messages(c: &mut Criterion) {
    let info = video_info();
    let message = json_message();
    assert!((900..1200).contains(&message.len()), "{}", message.len());

    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    c.bench_function("attach_json_message", |b| {
        b.iter_custom(|iters| {
            time_on_empty_buffer(&mut buffer, &info, iters, |frame| {
                black_box(frame.add_message(black_box(&message)).unwrap());
            })
        });
    });

    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    VideoFrame::new(buffer.get_mut().unwrap(), info.clone())
        .add_message(&message)
        .unwrap();
    let frame = VideoFrame::new(buffer.as_ref(), info.clone());
    assert_eq!(
        frame.messages().next().unwrap().text(),
        Ok(message.as_str())
    );
    c.bench_function("read_json_message", |b| {
        b.iter(|| {
            for m in frame.messages() {
                black_box(&m.text());
            }
        });
    });
}

criterion_group!(benches, regions, messages);
criterion_main!(benches);
