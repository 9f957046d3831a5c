//! Splitting packed frames into colour planes as they are copied into a request's input
//! tensor (`gva_infer::planes::split`, what gvadetect does for frames of the model's size),
//! against a plain copy of the same bytes.
//!
//! `cargo bench -p gva-benches --bench planes`.
//!
//! - `split/BGR 256x256`: the frames of `bench_inference.py` (`detector_bench`).
//! - `split/BGRx 256x256`: 4-byte pixels (the fourth byte dropped).
//! - `split/BGR 640x640`: a YOLOv8 input.
//! - `copy/…`: `copy_from_slice` of the packed frame, the floor of any fill.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gva_infer::planes::split;

fn planes(c: &mut Criterion) {
    let mut group = c.benchmark_group("planes");
    for (name, bpp, size) in [("BGR", 3, 256), ("BGRx", 4, 256), ("BGR", 3, 640)] {
        let pixels: Vec<u8> = (0..size * size * bpp)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut out = vec![0u8; 3 * size * size];
        let label = format!("{name} {size}x{size}");
        group.throughput(Throughput::Bytes(pixels.len() as u64));
        group.bench_function(format!("split/{label}"), |b| {
            b.iter(|| split(black_box(&pixels), size * bpp, bpp, size, size, &mut out).unwrap())
        });
        let mut copy = vec![0u8; pixels.len()];
        group.bench_function(format!("copy/{label}"), |b| {
            b.iter(|| copy.copy_from_slice(black_box(&pixels)))
        });
    }
    group.finish();
}

criterion_group!(benches, planes);
criterion_main!(benches);
