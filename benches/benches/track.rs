//! Per-frame cost of gvatrack with 100 objects per frame.
//!
//! - `update/<type>`: the tracker alone (no GStreamer): 100 detections on a 10x10 grid of a
//!   1920x1080 frame, each moving on its own small circle (so the Kalman filters keep
//!   predicting and correcting), matched to the 100 tracked objects.
//! - `frame/<type>`: the element's whole per-frame work on a 1920x1080 BGRx buffer carrying 100
//!   regions: regions read from the metadata, (zero-term) a colour histogram of each region's
//!   pixels, tracking, ids written back into the regions.
//!
//! `cargo bench -p gva-benches --bench track`

use std::f64::consts::TAU;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gstgva::gvatrack::{BoxF, Class, Config, Detection, Tracker, TrackingType, track_frame};
use gva_meta::{NewRegion, VideoFrame};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;
const OBJECTS: usize = 100;
const TYPES: [(&str, TrackingType); 3] = [
    ("zero-term", TrackingType::ZeroTerm),
    ("zero-term-imageless", TrackingType::ZeroTermImageless),
    ("short-term-imageless", TrackingType::ShortTermImageless),
];

/// Object `i`'s box on frame `frame`: a 120x80 box at its grid cell, on a circle of radius 12.
fn box_of(i: usize, frame: u64) -> BoxF {
    let (col, row) = ((i % 10) as f64, (i / 10) as f64);
    let angle = TAU * (frame % 64) as f64 / 64.0 + i as f64;
    BoxF::new(
        col * 190.0 + 30.0 + 12.0 * angle.cos(),
        row * 105.0 + 12.0 + 12.0 * angle.sin(),
        120.0,
        80.0,
    )
}

fn update(c: &mut Criterion) {
    let mut group = c.benchmark_group("track/update");
    for (name, tracking_type) in TYPES {
        let mut tracker: Tracker = Tracker::new(Config {
            tracking_type,
            ..Config::default()
        });
        let mut frame = 0u64;
        group.bench_function(BenchmarkId::new(name, OBJECTS), |b| {
            b.iter(|| {
                let detections = (0..OBJECTS)
                    .map(|i| Detection {
                        rect: box_of(i, frame),
                        class: Class::default(),
                        appearance: None,
                        payload: (),
                    })
                    .collect();
                frame += 1;
                black_box(tracker.update((WIDTH, HEIGHT), detections))
            });
        });
        assert_eq!(tracker.len(), OBJECTS, "{name}: every object stays tracked");
    }
    group.finish();
}

/// A 1920x1080 BGRx frame (a colour gradient) with 100 labelled regions.
fn buffer() -> (gst_video::VideoInfo, gst::Buffer) {
    gst::init().unwrap();
    gva_meta::register().unwrap();
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgrx, WIDTH, HEIGHT)
        .build()
        .unwrap();
    let data: Vec<u8> = (0..(WIDTH * HEIGHT) as usize)
        .flat_map(|p| {
            let (x, y) = (p % WIDTH as usize, p / WIDTH as usize);
            [(x / 8) as u8, (y / 5) as u8, ((x + y) / 12) as u8, 255]
        })
        .collect();
    let mut buffer = gst::Buffer::from_slice(data);
    {
        let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
        for i in 0..OBJECTS {
            let r = box_of(i, 0);
            frame
                .add_region(
                    &NewRegion::pixels(r.x as i64, r.y as i64, r.w as i64, r.h as i64)
                        .label("person")
                        .confidence(0.9)
                        .label_id(1),
                )
                .unwrap();
        }
    }
    (info, buffer)
}

fn frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("track/frame");
    let (info, mut buffer) = buffer();
    for (name, tracking_type) in TYPES {
        let mut tracker = Tracker::new(Config {
            tracking_type,
            ..Config::default()
        });
        group.bench_function(BenchmarkId::new(name, OBJECTS), |b| {
            b.iter(|| track_frame(&mut tracker, buffer.get_mut().unwrap(), &info).unwrap());
        });
        assert_eq!(tracker.len(), OBJECTS, "{name}: every object stays tracked");
    }
    group.finish();
}

criterion_group!(benches, update, frame);
criterion_main!(benches);
