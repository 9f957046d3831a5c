//! Per-frame cost of gvawatermark's drawing: 0, 10 and 100 labelled boxes ("person 93%"-style
//! labels, tracking ids on every fourth) on a 1080p BGRx and NV12 frame, glyph cache warm.
//!
//! `cargo bench -p gva-benches --bench watermark`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gstgva::gvawatermark::Watermark;
use gva_meta::{NewRegion, VideoFrame};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;
const LABELS: [&str; 4] = ["person", "car", "bicycle", "dog"];

/// A black frame of `format` carrying `regions` boxes on a 10x10 grid.
fn frame(format: gst_video::VideoFormat, regions: u32) -> (gst_video::VideoInfo, gst::Buffer) {
    gst::init().unwrap();
    gva_meta::register().unwrap();
    let info = gst_video::VideoInfo::builder(format, WIDTH, HEIGHT)
        .build()
        .unwrap();
    let mut buffer = gst::Buffer::with_size(info.size()).unwrap();
    {
        let mut frame = VideoFrame::new(buffer.get_mut().unwrap(), info.clone());
        for i in 0..regions {
            let (col, row) = (i64::from(i % 10), i64::from(i / 10));
            let added = frame
                .add_region(
                    &NewRegion::pixels(col * 192 + 10, row * 108 + 40, 160, 60)
                        .label(LABELS[(i % 4) as usize])
                        .confidence(0.5 + f64::from(i) / 250.0)
                        .label_id((i % 4) as i32),
                )
                .unwrap();
            if i % 4 == 0 {
                let mut region = added.region;
                region.set_object_id(i as i32 + 1);
            }
        }
    }
    (info, buffer)
}

fn watermark(c: &mut Criterion) {
    let mut group = c.benchmark_group("watermark");
    for format in [gst_video::VideoFormat::Bgrx, gst_video::VideoFormat::Nv12] {
        for regions in [0, 10, 100] {
            let (info, mut buffer) = frame(format, regions);
            let mut painter = Watermark::new(&info).unwrap();
            // Warm the glyph cache, as on every frame after the first.
            painter.draw(buffer.get_mut().unwrap()).unwrap();
            group.bench_function(
                BenchmarkId::new(format.to_str().to_string(), regions),
                |b| {
                    b.iter(|| black_box(painter.draw(buffer.get_mut().unwrap()).unwrap()));
                },
            );
        }
    }
    group.finish();
}

criterion_group!(benches, watermark);
criterion_main!(benches);
