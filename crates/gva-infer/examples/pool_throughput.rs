//! Throughput of the request pool alone (no GStreamer): `frames` BGR frames of the model's input
//! size, split into colour planes as gvadetect does, through `nireq` requests of `MODEL` (default
//! `target/models/detector_bench.xml`).
//!
//!     cargo xtask models
//!     cargo run --release -p gva-infer --example pool_throughput -- [NIREQ] [FRAMES] [MODEL]
//!
//! Prints frames per second after the first 500 frames, to set against
//! `benchmark_app -m target/models/detector_bench.xml -d CPU -hint none -api async -nireq N`
//! and against `benches/python/bench_inference.py` (the whole pipeline).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use gva_infer::model::{CompiledModel, ModelInfo, image_shape};
use gva_infer::pool::Pool;
use gva_infer::preprocess::{FrameFormat, Preprocess};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let nireq: usize = args.next().map_or(Ok(4), |a| a.parse())?;
    let frames: usize = args.next().map_or(Ok(6000), |a| a.parse())?;
    let path = args.next().map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models/detector_bench.xml"),
        PathBuf::from,
    );
    let info = ModelInfo::read(&path, "CPU")?;
    let (_, w, h) = info
        .inputs
        .first()
        .and_then(|p| image_shape(&p.shape))
        .ok_or("the model has no image input")?;
    let pre = Preprocess::new(FrameFormat::Bgr, w, h).with_planes();
    let mut model = CompiledModel::load_with(&path, "CPU", &[], pre)?;
    let delivered = Arc::new(AtomicUsize::new(0));
    let count = delivered.clone();
    let pool = Pool::new(&mut model, nireq, move |_tag: usize, result| {
        result.expect("inference succeeds");
        count.fetch_add(1, Ordering::Relaxed);
    })?;
    let frame = vec![128u8; w * h * 3];
    let warmup = 500.min(frames / 2);
    let mut start = Instant::now();
    for i in 0..frames {
        if i == warmup {
            pool.flush();
            start = Instant::now();
        }
        pool.submit_with(i, |slot| {
            gva_infer::planes::split(&frame, w * 3, 3, w, h, slot)
                .map_err(|e| gva_infer::model::ModelError::Other(e.to_string()))
        })?;
    }
    pool.flush();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "nireq={nireq}: {:.1} FPS ({} frames in {seconds:.2} s)",
        (frames - warmup) as f64 / seconds,
        frames - warmup
    );
    assert_eq!(delivered.load(Ordering::Relaxed), frames);
    Ok(())
}
