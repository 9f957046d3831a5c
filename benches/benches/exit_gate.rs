//! Cost of the exit gate (`gva_exit_gate::enter` and leaving), paid by every frame, event, query
//! and message that passes a gva-rs element.
//!
//! - `exit_gate/enter_leave/1`: one thread entering and leaving the open gate.
//! - `exit_gate/enter_leave/4`: four threads doing it at once (four streams through one
//!   plugin: the entry count is one atomic word they share); the time is per entry of one
//!   thread.
//!
//! `cargo bench -p gva-benches --bench exit_gate`

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

fn enter_leave(c: &mut Criterion) {
    let mut group = c.benchmark_group("exit_gate/enter_leave");
    group.bench_function(BenchmarkId::from_parameter(1), |b| {
        b.iter(|| black_box(gva_exit_gate::enter()))
    });
    const THREADS: usize = 4;
    group.bench_function(BenchmarkId::from_parameter(THREADS), |b| {
        b.iter_custom(|iters| {
            let start = Barrier::new(THREADS);
            std::thread::scope(|s| {
                let workers: Vec<_> = (0..THREADS)
                    .map(|_| {
                        s.spawn(|| {
                            start.wait();
                            let begun = Instant::now();
                            for _ in 0..iters {
                                black_box(gva_exit_gate::enter());
                            }
                            begun.elapsed()
                        })
                    })
                    .collect();
                workers
                    .into_iter()
                    .map(|w| w.join().expect("worker"))
                    .max()
                    .unwrap_or(Duration::ZERO)
            })
        })
    });
    group.finish();
}

criterion_group!(benches, enter_leave);
criterion_main!(benches);
