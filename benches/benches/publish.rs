//! Records per second that `gvametapublish` publishes: MQTT to a local Mosquitto at QoS 0 and
//! QoS 1 (each run ends when the broker has acknowledged every QoS 1 record), and the file
//! method (json-lines) for comparison. Each record is realistic `gvametaconvert` JSON of a 1080p
//! frame with 10 detected objects (about 2.3 KB).
//!
//! `cargo bench -p gva-benches --bench publish -- --warm-up-time 1 --measurement-time 3`
//! (needs `/usr/sbin/mosquitto`: `cargo xtask setup`).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gstgva::gvametapublish::file::FilePublisher;
use gstgva::gvametapublish::mqtt::MqttPublisher;
use gstgva::gvametapublish::publisher::Publisher;
use gstgva::gvametapublish::settings::{FileFormat, Method, Settings};

#[path = "../../crates/gva-elements/tests/broker/mod.rs"]
mod broker;

/// gvametaconvert's JSON (sorted keys, compact) for frame `i` with 10 objects.
fn record(i: usize) -> String {
    let objects: Vec<String> = (0..10)
        .map(|k| {
            let x = 40 + 170 * k;
            format!(
                r#"{{"detection":{{"bounding_box":{{"x_max":{:.6},"x_min":{:.6},"y_max":0.6203703703703703,"y_min":0.2777777777777778}},"confidence":0.{:04},"label":"person","label_id":1}},"h":370,"region_id":{},"roi_type":"person","w":150,"x":{x},"y":300}}"#,
                (x + 150) as f64 / 1920.0,
                x as f64 / 1920.0,
                9000 + k * 37,
                i * 10 + k
            )
        })
        .collect();
    format!(
        r#"{{"objects":[{}],"resolution":{{"height":1080,"width":1920}},"source":"rtsp://camera-1/stream","timestamp":{}}}"#,
        objects.join(","),
        i as u64 * 33_333_333
    )
}

/// Publishes `n` records with a fresh publisher and finishes it (waits for acknowledgements);
/// the time from the first record to the end of `finish`.
fn run(mut publisher: Box<dyn Publisher>, records: &[String], n: u64) -> Duration {
    let start = Instant::now();
    for i in 0..n as usize {
        publisher
            .publish(&records[i % records.len()])
            .expect("publishes");
    }
    publisher.finish().expect("finishes");
    start.elapsed()
}

fn mqtt(c: &mut Criterion) {
    let broker = broker::Broker::start();
    let records: Vec<String> = (0..100).map(record).collect();
    let dir = std::env::temp_dir().join(format!("gva-bench-publish-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let mut group = c.benchmark_group("publish");
    group.throughput(Throughput::Elements(1));
    for qos in [0, 1] {
        let config = dir.join(format!("qos{qos}.json"));
        std::fs::write(&config, format!(r#"{{"qos":{qos}}}"#)).expect("writes");
        let settings = Settings {
            method: Method::Mqtt,
            address: Some(broker.address()),
            topic: Some("gva/bench".to_owned()),
            mqtt_config: Some(config.to_string_lossy().into_owned()),
            flush_timeout: 60,
            ..Settings::default()
        };
        group.bench_function(format!("mqtt_qos{qos}"), |b| {
            b.iter_custom(|n| {
                let publisher =
                    MqttPublisher::connect(&settings, Box::new(|_| {})).expect("connects");
                run(Box::new(publisher), &records, n)
            })
        });
    }
    let path = dir.join("bench.jsonl");
    group.bench_function("file_json_lines", |b| {
        b.iter_custom(|n| {
            let _ = std::fs::remove_file(&path);
            let publisher =
                FilePublisher::open(&path.to_string_lossy(), FileFormat::JsonLines).expect("opens");
            run(Box::new(publisher), &records, n)
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, mqtt);
criterion_main!(benches);
