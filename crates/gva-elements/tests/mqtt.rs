//! gvametapublish, method=mqtt, against a real Mosquitto broker: delivery, order, broker
//! restarts, credentials, parallel pipelines, bounds and errors.

mod broker;
mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker::{Broker, Gate, MosquittoSub, Options, Subscriber};
use gst::prelude::*;
use gva_meta::JsonMeta;

/// The record of frame `i` of `source`.
fn record(source: &str, i: usize) -> String {
    format!(r#"{{"frame":{i},"objects":[{{"detection":{{"label":"car"}}}}],"source":"{source}"}}"#)
}

fn frame_of(record: &str) -> (String, usize) {
    let v: serde_json::Value = serde_json::from_str(record).expect("a JSON record");
    (
        v["source"].as_str().expect("source").to_owned(),
        v["frame"].as_u64().expect("frame") as usize,
    )
}

fn buffer(i: usize, message: Option<&str>) -> gst::Buffer {
    let mut buffer = gst::Buffer::from_slice(vec![0u8; 8]);
    {
        let b = buffer.get_mut().expect("a new buffer");
        b.set_pts(gst::ClockTime::from_mseconds(i as u64));
        if let Some(m) = message {
            JsonMeta::add(b, m).expect("a JSON meta");
        }
    }
    buffer
}

/// `appsrc ! gvametapublish method=mqtt <props> ! fakesink`, with the bus messages kept.
struct Run {
    pipeline: gst::Pipeline,
    src: gst_app::AppSrc,
    messages: Arc<Mutex<Vec<(gst::MessageType, String)>>>,
    /// A state change hung: dropping the run must not wait for it too.
    hung: std::sync::atomic::AtomicBool,
}

impl Run {
    fn new(props: &str) -> Self {
        common::init();
        let pipeline = gst::parse::launch(&format!(
            "appsrc name=src format=time caps=application/x-gva-test max-bytes=0 block=true \
             ! gvametapublish name=publish method=mqtt {props} ! fakesink sync=false"
        ))
        .expect("the pipeline parses")
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
        let src = pipeline.by_name("src").and_downcast().expect("appsrc");
        let messages = Arc::new(Mutex::new(Vec::new()));
        let bus = pipeline.bus().expect("a bus");
        let m = messages.clone();
        bus.set_sync_handler(move |_, message| {
            let text = match message.view() {
                gst::MessageView::Error(e) => Some(e.error().to_string()),
                gst::MessageView::Warning(w) => Some(w.error().to_string()),
                gst::MessageView::Eos(_) => Some(String::new()),
                _ => None,
            };
            if let Some(text) = text {
                m.lock().unwrap().push((message.type_(), text));
            }
            gst::BusSyncReply::Drop
        });
        Self {
            pipeline,
            src,
            messages,
            hung: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn play(&self) -> Result<(), String> {
        match self.pipeline.set_state(gst::State::Playing) {
            Ok(_) => Ok(()),
            Err(_) => Err(self.first(gst::MessageType::Error).unwrap_or_default()),
        }
    }

    fn set_password(&self, password: &str) {
        let publish = self.pipeline.by_name("publish").expect("the element");
        publish.set_property("password", password);
    }

    fn push(&self, i: usize, message: Option<&str>) {
        let _ = self.src.push_buffer(buffer(i, message));
    }

    fn first(&self, kind: gst::MessageType) -> Option<String> {
        let messages = self.messages.lock().unwrap();
        messages
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| t.clone())
    }

    fn all(&self, kind: gst::MessageType) -> Vec<String> {
        let messages = self.messages.lock().unwrap();
        messages
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| t.clone())
            .collect()
    }

    /// Sends EOS and waits for it or an error; the error text if any.
    fn finish(&self) -> Result<(), String> {
        let _ = self.src.end_of_stream();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(error) = self.first(gst::MessageType::Error) {
                return Err(error);
            }
            if self.first(gst::MessageType::Eos).is_some() {
                return Ok(());
            }
            assert!(Instant::now() < deadline, "no EOS within 60 s");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if !self.hung.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = self.pipeline.set_state(gst::State::Null);
        }
    }
}

/// Waits (up to 60 s) until `records()` holds frame `frame` of `source`; returns them all. Records
/// on one connection arrive in order: everything sent before it has arrived too.
fn wait_for_frame(records: impl Fn() -> Vec<String>, source: &str, frame: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = records();
        if got
            .iter()
            .any(|r| frame_of(r) == (source.to_owned(), frame))
        {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "{source}: frame {frame} not received within 60 s ({} records)",
            got.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Run {
    /// Waits (up to 60 s) for a bus warning containing `text`; returns it.
    fn wait_for_warning(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(w) = self
                .all(gst::MessageType::Warning)
                .into_iter()
                .find(|w| w.contains(text))
            {
                return w;
            }
            assert!(Instant::now() < deadline, "no warning with {text:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sets the pipeline to NULL from another thread, so that a hang fails the test (after
    /// 60 s) instead of stalling it.
    fn stop_or_fail(&self, what: &str) {
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        let pipeline = self.pipeline.clone();
        std::thread::spawn(move || {
            let _ = done_tx.send(pipeline.set_state(gst::State::Null));
        });
        let Ok(stopped) = done_rx.recv_timeout(Duration::from_secs(60)) else {
            self.hung.store(true, std::sync::atomic::Ordering::SeqCst);
            panic!("{what}: NULL hangs");
        };
        stopped.expect("stops");
    }
}

/// Asserts that `records` hold frames `0..n` of `source`, in order, each at least once; returns
/// the number of duplicates.
fn assert_all_in_order(records: &[String], source: &str, n: usize) -> usize {
    let frames: Vec<usize> = records
        .iter()
        .map(|r| frame_of(r))
        .filter(|(s, _)| s == source)
        .map(|(_, f)| f)
        .collect();
    let mut seen = HashSet::new();
    let mut firsts = Vec::new();
    for &f in &frames {
        if seen.insert(f) {
            firsts.push(f);
        }
    }
    let missing: Vec<usize> = (0..n).filter(|f| !seen.contains(f)).collect();
    assert!(
        missing.is_empty(),
        "{source}: {} of {n} frames missing, the first {:?}",
        missing.len(),
        &missing[..missing.len().min(10)]
    );
    let late = firsts.windows(2).find(|w| w[0] > w[1]);
    assert_eq!(late, None, "{source}: first arrivals out of order");
    frames.len() - n
}

#[test]
fn thousands_of_records_arrive_exactly_once_in_order() {
    let broker = Broker::start();
    let topic = "gva/many";
    let sub = MosquittoSub::start(&broker, topic);
    let run = Run::new(&format!("address={} topic={topic}", broker.address()));
    run.play().expect("plays");
    let n = 3000;
    let mut expected = Vec::new();
    for i in 0..n {
        // Every 10th frame has no message and is not published.
        if i % 10 == 9 {
            run.push(i, None);
        } else {
            let r = record("cam", i);
            run.push(i, Some(&r));
            expected.push(r);
        }
    }
    run.finish().expect("EOS without error");
    let got = sub.wait_for(expected.len(), Duration::from_secs(20));
    assert_eq!(
        got.len(),
        expected.len(),
        "exactly once (QoS 1 on one connection)"
    );
    assert_eq!(got, expected);
    assert!(run.all(gst::MessageType::Warning).is_empty());
}

#[test]
fn qos0_from_mqtt_config_delivers_in_order() {
    let broker = Broker::start();
    let dir = std::env::temp_dir().join(format!("gva-mqtt-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let config = dir.join("qos0.json");
    // The file's values win over the properties (as DL Streamer applies it).
    std::fs::write(
        &config,
        format!(
            r#"{{"address":"{}","topic":"gva/qos0","qos":0,"keep-alive":5,"TLS":false,"ssl_CA_certificate":""}}"#,
            broker.address()
        ),
    )
    .expect("writes");
    let sub = Subscriber::start(&broker, "gva/qos0", None);
    let run = Run::new(&format!(
        "address=127.0.0.1:1 topic=ignored mqtt-config={}",
        config.display()
    ));
    run.play().expect("plays");
    let n = 2000;
    for i in 0..n {
        run.push(i, Some(&record("q0", i)));
    }
    run.finish().expect("EOS without error");
    let got = sub.wait_for(n, Duration::from_secs(20));
    // On loopback nothing is dropped; QoS 0 never sends anything twice.
    assert_eq!(got, (0..n).map(|i| record("q0", i)).collect::<Vec<_>>());
}

#[test]
fn a_broker_restart_mid_stream_loses_nothing() {
    // The broker stops (SIGTERM, as a service manager does) or dies (SIGKILL) with 1000
    // records delivered, 1000 more are published while it is away, and 1000 after it is back.
    // The publisher reaches the broker through a gate that stays closed until the broker is
    // back and a new subscriber is on it, so that what the publisher sends after the restart
    // has a reader; the broker keeps no sessions (nothing to lose in a kill).
    for signal in ["TERM", "KILL"] {
        let mut broker = Broker::start();
        let gate = Gate::start(Some(broker.port));
        let topic = "gva/restart";
        let before = Subscriber::start(&broker, topic, None);
        let max_held = 100;
        let run = Run::new(&format!(
            "address={} topic={topic} max-reconnect-interval=1 flush-timeout=30 \
             max-buffered-records={max_held}",
            gate.address()
        ));
        run.play().expect("plays");
        let n = 3000;
        for i in 0..1000 {
            run.push(i, Some(&record("r", i)));
        }
        // Every record so far has reached the subscriber: nothing the broker acknowledged
        // is only in the broker when it goes.
        let first = wait_for_frame(|| before.records(), "r", 999);
        assert_eq!(assert_all_in_order(&first, "r", 1000), 0, "SIG{signal}");
        drop(before);
        gate.set_open(false);
        match signal {
            "TERM" => broker.stop(),
            _ => broker.kill(),
        }
        run.wait_for_warning("lost the connection to the MQTT broker at 127.0.0.1:");
        // Held while the broker is away (the stream waits once max-buffered-records are held).
        for i in 1000..2000 {
            run.push(i, Some(&record("r", i)));
        }
        broker.restart();
        let after = Subscriber::start(&broker, topic, None);
        gate.set_open(true);
        for i in 2000..n {
            run.push(i, Some(&record("r", i)));
        }
        run.finish().expect("EOS without error");
        let second = wait_for_frame(|| after.records(), "r", n - 1);
        let all: Vec<String> = first.iter().chain(&second).cloned().collect();
        let duplicates = assert_all_in_order(&all, "r", n);
        // QoS 1 is at-least-once: the publisher re-sends, after a reconnect, exactly the
        // records the broker had not acknowledged, each once. It holds at most
        // max-buffered-records unacknowledged records, so one connection loss repeats at most
        // that many, all from before the loss; what is first sent after the reconnect travels
        // on one connection and arrives once.
        let repeated: Vec<usize> = second
            .iter()
            .map(|r| frame_of(r).1)
            .filter(|&f| f < 1000)
            .collect();
        assert_eq!(duplicates, repeated.len(), "SIG{signal}");
        assert!(
            repeated.len() <= max_held,
            "SIG{signal}: {} records repeated, more than the {max_held} that can be unacknowledged",
            repeated.len()
        );
        assert_eq!(
            assert_all_in_order(&second, "r", 0) - repeated.len(),
            n - 1000,
            "SIG{signal}: the records after the loss arrive once"
        );
        eprintln!(
            "broker SIG{signal}: {n} records, {} received, {duplicates} duplicates",
            all.len()
        );
        let warnings = run.all(gst::MessageType::Warning).join("\n");
        assert!(
            warnings.contains("reconnected to the MQTT broker"),
            "SIG{signal}: {warnings}"
        );
    }
}

#[test]
fn a_full_buffer_warns_and_waits_then_delivers() {
    let mut broker = Broker::with(Options {
        persistence: true,
        ..Options::default()
    });
    let topic = "gva/bound";
    let sub = Subscriber::start(&broker, topic, None);
    let run = Run::new(&format!(
        "address={} topic={topic} max-buffered-records=5 max-reconnect-interval=1",
        broker.address()
    ));
    run.play().expect("plays");
    run.push(0, Some(&record("b", 0)));
    sub.wait_for(1, Duration::from_secs(10));
    broker.stop();
    let src = run.src.clone();
    let pusher = std::thread::spawn(move || {
        for i in 1..40 {
            let _ = src.push_buffer(buffer(i, Some(&record("b", i))));
        }
    });
    let warning = run.wait_for_warning("max-buffered-records");
    assert_eq!(
        warning,
        format!(
            "5 records wait for the MQTT broker at {} (max-buffered-records=5): the stream waits until they are delivered",
            broker.address()
        )
    );
    broker.restart();
    pusher.join().expect("the pusher ends");
    run.finish().expect("EOS without error");
    let got = sub.wait_for(40, Duration::from_secs(20));
    assert_all_in_order(&got, "b", 40);
}

#[test]
fn stopping_while_the_broker_is_away_does_not_hang() {
    // flush-timeout is an hour: a stop must not wait for it (a hang fails the test).
    let mut broker = Broker::start();
    let run = Run::new(&format!(
        "address={} topic=gva/stop max-buffered-records=2 flush-timeout=3600",
        broker.address()
    ));
    run.play().expect("plays");
    broker.stop();
    let src = run.src.clone();
    let pusher = std::thread::spawn(move || {
        for i in 0..10 {
            let _ = src.push_buffer(buffer(i, Some(&record("s", i))));
        }
    });
    // The stream waits: two records held, the third one blocked.
    run.wait_for_warning("max-buffered-records=2");
    run.stop_or_fail("stop with the broker away");
    pusher.join().expect("the pusher ends");
    let error = run
        .first(gst::MessageType::Error)
        .expect("undelivered records are reported");
    assert_eq!(
        error,
        format!(
            "2 records were not delivered to the MQTT broker at {} (flush-timeout=3600 s)",
            broker.address()
        )
    );
}

#[test]
fn credentials_right_ones_work_wrong_ones_fail_clearly() {
    let password = "s3cret-Pa55-word-4417";
    let broker = Broker::with(Options {
        users: vec![("camera".into(), password.into())],
        ..Options::default()
    });
    // Everything the element and GStreamer log at DEBUG and above is collected (and not
    // printed); the passwords must not be in it. They are set as properties, not in a launch
    // line, which GStreamer itself logs.
    let logged = Arc::new(Mutex::new(String::new()));
    common::init();
    {
        let logged = logged.clone();
        gst::log::remove_default_log_function();
        gst::log::set_default_threshold(gst::DebugLevel::Debug);
        gst::log::add_log_function(move |_, _, _, _, _, _, message| {
            if let Some(m) = message.get() {
                let mut l = logged.lock().unwrap();
                l.push_str(&m);
                l.push('\n');
            }
        });
    }
    let topic = "gva/auth";
    let sub = Subscriber::start(&broker, topic, Some(("camera", password)));
    let run = Run::new(&format!(
        "address={} topic={topic} username=camera",
        broker.address()
    ));
    run.set_password(password);
    run.play().expect("right credentials connect");
    for i in 0..100 {
        run.push(i, Some(&record("a", i)));
    }
    run.finish().expect("EOS without error");
    assert_eq!(sub.wait_for(100, Duration::from_secs(10)).len(), 100);
    drop(run);

    let wrong = "wrong-Pa55-word-9921";
    // The broker logs each refused attempt; three attempts are allowed, but a refusal is not
    // retried: one attempt each.
    let refused = "disconnected, not authorised.";
    assert_eq!(broker.log_count(refused, 0), 0);
    for (attempts, (props, password)) in [("username=camera", Some(wrong)), ("", None)]
        .into_iter()
        .enumerate()
    {
        let run = Run::new(&format!(
            "address={} topic={topic} max-connect-attempts=3 {props}",
            broker.address()
        ));
        if let Some(p) = password {
            run.set_password(p);
        }
        let error = run.play().expect_err("refused");
        assert_eq!(
            broker.log_count(refused, attempts + 1),
            attempts + 1,
            "{props}: one attempt\n{}",
            broker.log()
        );
        assert_eq!(
            error,
            format!(
                "could not connect to the MQTT broker at {}: the broker refused: not authorized",
                broker.address()
            )
        );
    }
    gst::log::set_default_threshold(gst::DebugLevel::None);
    let logged = logged.lock().unwrap();
    assert!(
        logged.contains("starting with Settings"),
        "the element's debug log was collected"
    );
    let leaks: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains(password) || l.contains(wrong))
        .collect();
    assert!(leaks.is_empty(), "passwords in the debug log: {leaks:?}");
}

#[test]
fn several_pipelines_publish_to_one_topic() {
    let broker = Broker::start();
    let topic = "gva/shared";
    let sub = Subscriber::start(&broker, topic, None);
    let n = 1000;
    let sources = ["cam0", "cam1", "cam2"];
    let threads: Vec<_> = sources
        .iter()
        .map(|source| {
            let address = broker.address();
            let source = source.to_string();
            std::thread::spawn(move || {
                let run = Run::new(&format!("address={address} topic={topic}"));
                run.play().expect("plays");
                for i in 0..n {
                    run.push(i, Some(&record(&source, i)));
                }
                run.finish().expect("EOS without error");
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a pipeline thread");
    }
    let got = sub.wait_for(n * sources.len(), Duration::from_secs(20));
    assert_eq!(got.len(), n * sources.len());
    for source in sources {
        assert_eq!(
            assert_all_in_order(&got, source, n),
            0,
            "{source}: no duplicates"
        );
    }
}

#[test]
fn an_unreachable_broker_fails_the_start_with_its_address() {
    let port = broker::free_port();
    let run = Run::new(&format!(
        "address=127.0.0.1:{port} topic=t max-connect-attempts=2"
    ));
    let error = run.play().expect_err("cannot start");
    assert!(
        error.starts_with(&format!(
            "could not connect to the MQTT broker at 127.0.0.1:{port} after 2 attempt(s) (max-connect-attempts=2): "
        )),
        "{error}"
    );
    assert!(error.contains("Connection refused"), "{error}");
    drop(run);

    // Counted on the other side: a listener that closes every connection sees exactly
    // max-connect-attempts of them, and none after the start has failed.
    let gate = Gate::start(None);
    let run = Run::new(&format!(
        "address={} topic=t max-connect-attempts=3",
        gate.address()
    ));
    let error = run.play().expect_err("cannot start");
    assert!(
        error.starts_with(&format!(
            "could not connect to the MQTT broker at {} after 3 attempt(s) (max-connect-attempts=3): ",
            gate.address()
        )),
        "{error}"
    );
    assert_eq!(gate.accepted(), 3, "{error}");
    drop(run);
    assert_eq!(gate.accepted(), 3, "no attempt after the failed start");
}

#[test]
fn bad_settings_fail_the_start_clearly() {
    let dir = std::env::temp_dir().join(format!("gva-mqtt-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let unknown = dir.join("unknown.json");
    std::fs::write(&unknown, r#"{"adress":"x:1"}"#).expect("writes");
    let qos = dir.join("qos.json");
    std::fs::write(&qos, r#"{"qos":3}"#).expect("writes");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, r#"{"password": "hunter2""#).expect("writes");
    let cases = [
        (
            "topic=t".to_owned(),
            "method=mqtt needs the broker's address (host:port)".to_owned(),
        ),
        (
            "address=localhost:1883".to_owned(),
            "method=mqtt needs a topic".to_owned(),
        ),
        (
            "address=localhost:99999 topic=t".to_owned(),
            "the MQTT address \"localhost:99999\" is not host:port (port \"99999\" is not 1-65535)"
                .to_owned(),
        ),
        (
            "address=localhost topic=a/#".to_owned(),
            "has a wildcard".to_owned(),
        ),
        (
            format!(
                "address=localhost topic=t mqtt-config={}",
                unknown.display()
            ),
            "has an unknown key \"adress\"".to_owned(),
        ),
        (
            format!("address=localhost topic=t mqtt-config={}", qos.display()),
            "\"qos\" must be an integer from 0 to 2".to_owned(),
        ),
        (
            format!("address=localhost topic=t mqtt-config={}", broken.display()),
            "is not valid JSON".to_owned(),
        ),
        (
            format!(
                "address=localhost topic=t mqtt-config={}/missing.json",
                dir.display()
            ),
            "could not read the mqtt-config file".to_owned(),
        ),
        (
            "address=localhost topic=t password=hunter2".to_owned(),
            "a password is set but no username".to_owned(),
        ),
    ];
    for (props, expected) in cases {
        let run = Run::new(&props);
        let error = run.play().expect_err(&props);
        assert!(error.contains(&expected), "{props}: {error}");
        assert!(!error.contains("hunter2"), "{props}: {error}");
    }
}

/// Writes `json` as an mqtt-config file and returns its path.
fn config_file(name: &str, json: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gva-mqtt-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let path = dir.join(name);
    std::fs::write(&path, json).expect("writes");
    path
}

#[test]
fn tls_with_the_brokers_ca_delivers_and_a_wrong_ca_fails() {
    let broker = Broker::with(Options {
        tls: true,
        ..Options::default()
    });
    let tls_port = broker.tls_port.expect("a TLS listener");
    let topic = "gva/tls";
    // The subscriber uses the plain listener of the same broker.
    let sub = Subscriber::start(&broker, topic, None);
    let good = config_file(
        "good.json",
        &format!(
            r#"{{"TLS":true,"ssl_verify":1,"ssl_CA_certificate":"{}"}}"#,
            broker.ca_certificate().display()
        ),
    );
    let run = Run::new(&format!(
        "address=127.0.0.1:{tls_port} topic={topic} mqtt-config={}",
        good.display()
    ));
    run.play().expect("TLS connects");
    for i in 0..200 {
        run.push(i, Some(&record("tls", i)));
    }
    run.finish().expect("EOS without error");
    let got = sub.wait_for(200, Duration::from_secs(10));
    assert_eq!(got, (0..200).map(|i| record("tls", i)).collect::<Vec<_>>());
    assert!(run.all(gst::MessageType::Warning).is_empty());
    drop(run);

    let wrong = config_file(
        "wrong.json",
        &format!(
            r#"{{"TLS":true,"ssl_enable_server_cert_auth":true,"ssl_CA_certificate":"{}"}}"#,
            broker.other_ca_certificate().display()
        ),
    );
    let run = Run::new(&format!(
        "address=127.0.0.1:{tls_port} topic={topic} mqtt-config={}",
        wrong.display()
    ));
    let error = run
        .play()
        .expect_err("the broker's certificate is not trusted");
    assert!(
        error.starts_with(&format!(
            "could not connect to the MQTT broker at 127.0.0.1:{tls_port} after 1 attempt(s)"
        )),
        "{error}"
    );
    assert!(error.contains("UnknownIssuer"), "{error}");
}

#[test]
fn tls_without_verification_works_and_warns() {
    let broker = Broker::with(Options {
        tls: true,
        ..Options::default()
    });
    let tls_port = broker.tls_port.expect("a TLS listener");
    let topic = "gva/tls-unchecked";
    let sub = Subscriber::start(&broker, topic, None);
    let run = Run::new(&format!("address=ssl://127.0.0.1:{tls_port} topic={topic}"));
    run.play().expect("TLS connects");
    for i in 0..10 {
        run.push(i, Some(&record("u", i)));
    }
    run.finish().expect("EOS without error");
    assert_eq!(sub.wait_for(10, Duration::from_secs(10)).len(), 10);
    assert_eq!(
        run.all(gst::MessageType::Warning),
        vec![
            "TLS without ssl_verify / ssl_enable_server_cert_auth: the broker's certificate is not checked"
        ]
    );
}

#[test]
fn at_eos_undelivered_records_are_reported_after_flush_timeout() {
    // The connection to a running broker is cut and new ones are refused (a gate in between):
    // at EOS the element waits flush-timeout for the held records, then reports them.
    let broker = Broker::start();
    let gate = Gate::start(Some(broker.port));
    let run = Run::new(&format!(
        "address={} topic=gva/eos flush-timeout=1 max-reconnect-interval=1",
        gate.address()
    ));
    run.play().expect("plays");
    gate.set_open(false);
    gate.cut();
    for i in 0..5 {
        run.push(i, Some(&record("e", i)));
    }
    let error = run.finish().expect_err("the records cannot be delivered");
    assert_eq!(
        error,
        format!(
            "5 records were not delivered to the MQTT broker at {} (flush-timeout=1 s)",
            gate.address()
        )
    );
    drop(run);

    // The wait is a wait: when the way to the broker opens again during it, the held records
    // are delivered and the stream ends without error.
    let sub = Subscriber::start(&broker, "gva/eos", None);
    gate.set_open(true);
    let run = Run::new(&format!(
        "address={} topic=gva/eos flush-timeout=60 max-reconnect-interval=1",
        gate.address()
    ));
    run.play().expect("plays");
    gate.set_open(false);
    gate.cut();
    run.wait_for_warning("lost the connection");
    for i in 0..5 {
        run.push(i, Some(&record("w", i)));
    }
    // EOS reaches the element, which now waits for the held records.
    let (eos_tx, eos_rx) = std::sync::mpsc::channel();
    let eos_tx = Mutex::new(eos_tx);
    run.pipeline
        .by_name("publish")
        .expect("the element")
        .static_pad("sink")
        .expect("its sink pad")
        .add_probe(gst::PadProbeType::EVENT_DOWNSTREAM, move |_, info| {
            if let Some(gst::PadProbeData::Event(e)) = &info.data
                && e.type_() == gst::EventType::Eos
            {
                let _ = eos_tx.lock().unwrap().send(());
            }
            gst::PadProbeReturn::Ok
        });
    let _ = run.src.end_of_stream();
    eos_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("EOS reaches gvametapublish");
    gate.set_open(true);
    run.finish().expect("EOS without error");
    let got = wait_for_frame(|| sub.records(), "w", 4);
    assert_eq!(got, (0..5).map(|i| record("w", i)).collect::<Vec<_>>());
}

#[test]
fn the_element_restarts_and_publishes_again() {
    let broker = Broker::start();
    let topic = "gva/again";
    let sub = Subscriber::start(&broker, topic, None);
    let run = Run::new(&format!("address={} topic={topic}", broker.address()));
    for round in 0..2 {
        run.play().expect("plays");
        for i in 0..50 {
            run.push(i, Some(&record(&format!("round{round}"), i)));
        }
        run.finish().expect("EOS without error");
        run.pipeline.set_state(gst::State::Null).expect("stops");
        run.messages.lock().unwrap().clear();
    }
    let got = sub.wait_for(100, Duration::from_secs(10));
    assert_eq!(got.len(), 100);
    assert_eq!(assert_all_in_order(&got[..50], "round0", 50), 0);
    assert_eq!(assert_all_in_order(&got[50..], "round1", 50), 0);
}
