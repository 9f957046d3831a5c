//! A real Mosquitto broker on a free loopback port, and subscribers that record what arrives.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const MOSQUITTO: &str = "/usr/sbin/mosquitto";

/// How a broker is set up.
#[derive(Default, Clone)]
pub struct Options {
    /// Users (name, password); none = anonymous access.
    pub users: Vec<(String, String)>,
    /// Keep sessions and queued messages across a restart (in the broker's folder).
    pub persistence: bool,
    /// Also a TLS listener, with a certificate for 127.0.0.1 signed by a CA made for it.
    pub tls: bool,
}

/// A running `mosquitto`, killed on drop.
pub struct Broker {
    child: Option<Child>,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// The TLS listener's port (with `Options::tls`).
    pub tls_port: Option<u16>,
    dir: PathBuf,
    config: PathBuf,
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Test certificates in `certs/` (valid 2000–2100, P-256): a CA, a server certificate for
/// 127.0.0.1 signed by it (with its key), and an unrelated CA. Copied next to the broker's
/// config so that mosquitto, once it has dropped root, can read them.
fn copy_certificates(dir: &std::path::Path) {
    let files: [(&str, &[u8]); 4] = [
        ("ca.crt", include_bytes!("certs/ca.crt")),
        ("other-ca.crt", include_bytes!("certs/other-ca.crt")),
        ("server.crt", include_bytes!("certs/server.crt")),
        ("server.key", include_bytes!("certs/server.key")),
    ];
    use std::os::unix::fs::PermissionsExt;
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("writes a test certificate");
        std::fs::set_permissions(dir.join(name), std::fs::Permissions::from_mode(0o644))
            .expect("chmod");
    }
}

/// A fresh folder for one broker.
fn fresh_dir() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "gva-mosquitto-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a broker folder");
    // Started as root, mosquitto drops to its own user: it must still write its log and
    // persistence file here.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    dir
}

impl Broker {
    /// An anonymous broker without persistence.
    pub fn start() -> Self {
        Self::with(Options::default())
    }

    /// A broker set up as `options` says.
    pub fn with(options: Options) -> Self {
        assert!(
            std::path::Path::new(MOSQUITTO).exists(),
            "{MOSQUITTO} is missing: run `cargo xtask setup` (Debian package mosquitto)"
        );
        let dir = fresh_dir();
        let port = free_port();
        let mut config = format!(
            "listener {port} 127.0.0.1\n\
             max_queued_messages 0\n\
             max_inflight_messages 0\n\
             log_dest file {}\n",
            dir.join("mosquitto.log").display()
        );
        if options.users.is_empty() {
            config.push_str("allow_anonymous true\n");
        } else {
            let passwords = dir.join("passwords");
            for (i, (user, password)) in options.users.iter().enumerate() {
                let mut cmd = Command::new("mosquitto_passwd");
                if i == 0 {
                    cmd.arg("-c");
                }
                let status = cmd
                    .arg("-b")
                    .arg(&passwords)
                    .arg(user)
                    .arg(password)
                    .status()
                    .expect("mosquitto_passwd runs");
                assert!(status.success(), "mosquitto_passwd failed");
            }
            config.push_str(&format!(
                "allow_anonymous false\npassword_file {}\n",
                passwords.display()
            ));
        }
        let tls_port = options.tls.then(|| {
            let port = free_port();
            copy_certificates(&dir);
            config.push_str(&format!(
                "listener {port} 127.0.0.1\ncafile {0}/ca.crt\ncertfile {0}/server.crt\nkeyfile {0}/server.key\n",
                dir.display()
            ));
            port
        });
        if options.persistence {
            config.push_str(&format!(
                "persistence true\npersistence_location {}/\n",
                dir.display()
            ));
        }
        let config_path = dir.join("mosquitto.conf");
        std::fs::write(&config_path, config).expect("writes the broker config");
        let mut broker = Self {
            child: None,
            port,
            tls_port,
            dir,
            config: config_path,
        };
        broker.run();
        broker
    }

    fn run(&mut self) {
        let child = Command::new(MOSQUITTO)
            .arg("-c")
            .arg(&self.config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "mosquitto did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the broker as a service manager would (SIGTERM; it saves its persistence file).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// Kills the broker (SIGKILL): no shutdown of its own, nothing saved.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The number of `needle`s in the broker's log, once it has reached `at_least` (or 10 s
    /// have passed): the broker writes its log as it goes.
    pub fn log_count(&self, needle: &str, at_least: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let n = self.log().matches(needle).count();
            if n >= at_least || Instant::now() > deadline {
                return n;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts it again on the same port with the same configuration.
    pub fn restart(&mut self) {
        self.stop();
        self.run();
    }

    /// The CA certificate that signed the TLS listener's certificate.
    pub fn ca_certificate(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// A CA certificate that did not sign it.
    pub fn other_ca_certificate(&self) -> PathBuf {
        self.dir.join("other-ca.crt")
    }

    /// The broker's log (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("mosquitto.log")).unwrap_or_default()
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A `rumqttc` subscriber with a persistent session (it keeps its subscription and queued
/// messages across a broker restart when the broker persists), QoS 1.
pub struct Subscriber {
    records: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    client: rumqttc::Client,
    thread: Option<JoinHandle<()>>,
}

impl Subscriber {
    /// Subscribes to `topic` and returns once the broker has confirmed it.
    pub fn start(broker: &Broker, topic: &str, credentials: Option<(&str, &str)>) -> Self {
        static N: AtomicU64 = AtomicU64::new(0);
        let id = format!(
            "gva-test-sub-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        let mut options = rumqttc::MqttOptions::new(id, "127.0.0.1", broker.port);
        options.set_clean_session(false);
        options.set_keep_alive(Duration::from_secs(5));
        options.set_max_packet_size(1 << 20, 1 << 20);
        if let Some((user, password)) = credentials {
            options.set_credentials(user, password);
        }
        let (client, mut connection) = rumqttc::Client::new(options, 100);
        client
            .subscribe(topic, rumqttc::QoS::AtLeastOnce)
            .expect("subscribe request");
        let records = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = {
            let (records, stop) = (records.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match connection.recv_timeout(Duration::from_millis(200)) {
                        Ok(Ok(rumqttc::Event::Incoming(rumqttc::Packet::SubAck(_)))) => {
                            let _ = ready_tx.send(());
                        }
                        Ok(Ok(rumqttc::Event::Incoming(rumqttc::Packet::Publish(p)))) => {
                            let text = String::from_utf8_lossy(&p.payload).into_owned();
                            records.lock().unwrap().push(text);
                        }
                        Ok(Ok(_)) => {}
                        Ok(Err(_)) => std::thread::sleep(Duration::from_millis(100)),
                        Err(rumqttc::RecvTimeoutError::Timeout) => {}
                        Err(rumqttc::RecvTimeoutError::Disconnected) => break,
                    }
                }
            })
        };
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the subscription is confirmed within 10 s");
        Self {
            records,
            stop,
            client,
            thread: Some(thread),
        }
    }

    /// Waits until at least `n` records arrived (or `timeout` passed); all that arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let records = self.records();
            if records.len() >= n || Instant::now() > deadline {
                return records;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What arrived so far.
    pub fn records(&self) -> Vec<String> {
        self.records.lock().unwrap().clone()
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.client.try_disconnect();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `mosquitto_sub`, the broker's own client, printing each payload on a line.
pub struct MosquittoSub {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

impl MosquittoSub {
    /// Subscribes at QoS 1 and returns once the broker confirmed the subscription.
    pub fn start(broker: &Broker, topic: &str) -> Self {
        // Line-buffered: mosquitto_sub's stdout is block-buffered into a pipe.
        let mut child = Command::new("stdbuf")
            .args([
                "-oL",
                "mosquitto_sub",
                "-h",
                "127.0.0.1",
                "-p",
                &broker.port.to_string(),
            ])
            .args(["-t", topic, "-q", "1", "-d"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("mosquitto_sub starts");
        let stdout = child.stdout.take().expect("its stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let reader = {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines() {
                    let Ok(line) = line else { break };
                    if line.contains("received SUBACK") {
                        let _ = ready_tx.send(());
                    } else if line.starts_with('{') {
                        // -d also prints the client's debug lines; records are JSON objects.
                        lines.lock().unwrap().push(line);
                    }
                }
            })
        };
        ready_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("mosquitto_sub subscribes within 10 s");
        Self {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// Waits until at least `n` records arrived (or `timeout` passed); all that arrived.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let lines = self.lines.lock().unwrap().clone();
            if lines.len() >= n || Instant::now() > deadline {
                return lines;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for MosquittoSub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

/// A TCP gate on a loopback port in front of a broker: while open it forwards each connection
/// to the broker; while closed it accepts connections and closes them at once (a broker that
/// is away). It counts the connections it accepts, and can cut the forwarded ones (a network
/// failure that leaves the broker running).
pub struct Gate {
    /// The port clients connect to (127.0.0.1).
    pub port: u16,
    open: Arc<AtomicBool>,
    accepted: Arc<AtomicU64>,
    forwarded: Arc<Mutex<Vec<TcpStream>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Gate {
    /// A gate to the broker on `target` (or to nothing: then it never forwards), open.
    pub fn start(target: Option<u16>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a gate port");
        let port = listener.local_addr().expect("its address").port();
        listener.set_nonblocking(true).expect("non-blocking");
        let open = Arc::new(AtomicBool::new(target.is_some()));
        let accepted = Arc::new(AtomicU64::new(0));
        let forwarded = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (open, accepted, forwarded, stop) = (
                open.clone(),
                accepted.clone(),
                forwarded.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let client = match listener.accept() {
                        Ok((client, _)) => client,
                        Err(_) => {
                            std::thread::sleep(Duration::from_millis(5));
                            continue;
                        }
                    };
                    accepted.fetch_add(1, Ordering::SeqCst);
                    let Some(target) = target.filter(|_| open.load(Ordering::SeqCst)) else {
                        let _ = client.shutdown(std::net::Shutdown::Both);
                        continue;
                    };
                    let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                        let _ = client.shutdown(std::net::Shutdown::Both);
                        continue;
                    };
                    let _ = client.set_nonblocking(false);
                    let pipes = [(&client, &server), (&server, &client)].map(|(from, to)| {
                        let (mut from, mut to) = (
                            from.try_clone().expect("a socket handle"),
                            to.try_clone().expect("a socket handle"),
                        );
                        move || {
                            let _ = std::io::copy(&mut from, &mut to);
                            let _ = from.shutdown(std::net::Shutdown::Both);
                            let _ = to.shutdown(std::net::Shutdown::Both);
                        }
                    });
                    for pipe in pipes {
                        std::thread::spawn(pipe);
                    }
                    forwarded.lock().unwrap().extend([client, server]);
                }
            })
        };
        Self {
            port,
            open,
            accepted,
            forwarded,
            stop,
            thread: Some(thread),
        }
    }

    /// `127.0.0.1:<port>`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Opens (forwards new connections) or closes (refuses them) the gate.
    pub fn set_open(&self, open: bool) {
        self.open.store(open, Ordering::SeqCst);
    }

    /// Cuts every forwarded connection (both ends see the connection end).
    pub fn cut(&self) {
        for stream in self.forwarded.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }

    /// The connections accepted so far (forwarded or refused).
    pub fn accepted(&self) -> u64 {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.cut();
    }
}
