//! The MQTT client's thread and the [`MqttPublisher`] the element talks to.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{Client, ConnectReturnCode, ConnectionError, Event, MqttOptions, Outgoing, Packet};

use super::config::{MqttConfig, Qos};
use super::outbox::Outbox;
use crate::gvametapublish::publisher::{Interrupter, PublishError, Publisher};
use crate::gvametapublish::settings::Settings;

/// How the element reports a problem that does not stop the stream (a bus warning).
pub type Warn = Box<dyn Fn(&str) + Send + Sync>;

/// What the streaming thread and the client's thread share.
struct Link {
    state: Mutex<LinkState>,
    changed: Condvar,
}

#[derive(Default)]
struct LinkState {
    outbox: Outbox,
    /// Has been connected once (the start succeeded).
    started: bool,
    /// Connections made so far.
    connections: u64,
    /// A failure that ends publishing (bad credentials, start attempts used up).
    fatal: Option<PublishError>,
    /// The pipeline is stopping: nothing waits any more.
    interrupted: bool,
    /// The client's thread must end (set when finishing).
    exit: bool,
    /// The client's thread has ended.
    done: bool,
}

impl Link {
    fn lock(&self) -> MutexGuard<'_, LinkState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn wait_timeout<'a>(
        &self,
        guard: MutexGuard<'a, LinkState>,
        timeout: Duration,
    ) -> MutexGuard<'a, LinkState> {
        match self.changed.wait_timeout(guard, timeout) {
            Ok((g, _)) => g,
            Err(e) => e.into_inner().0,
        }
    }
}

/// Publishes records to one topic of an MQTT broker (see the module docs of `mqtt`).
pub struct MqttPublisher {
    config: MqttConfig,
    client: Client,
    link: Arc<Link>,
    thread: Option<JoinHandle<()>>,
    warn: Arc<Warn>,
    /// The connection (count) during which a full outbox was last reported: one warning per
    /// connection, so a broker slower than the stream does not flood the bus.
    full_warned: Option<u64>,
    finished: bool,
}

impl MqttPublisher {
    /// Connects to the broker of `settings` (up to `max-connect-attempts` attempts) and starts
    /// the client's thread. `warn` posts a warning on the bus.
    pub fn connect(settings: &Settings, warn: Warn) -> Result<Self, PublishError> {
        let config = MqttConfig::from_settings(settings)?;
        let options = options(&config, &warn)?;
        // Every held record may sit in the request channel at once (after a reconnect).
        let (client, connection) = Client::new(options, config.max_buffered_records + 16);
        let link = Arc::new(Link {
            state: Mutex::new(LinkState::default()),
            changed: Condvar::new(),
        });
        let warn = Arc::new(warn);
        let thread = {
            let (config, client, link, warn) =
                (config.clone(), client.clone(), link.clone(), warn.clone());
            std::thread::Builder::new()
                .name("gvametapublish-mqtt".into())
                .spawn(move || run(connection, client, config, link, warn))
                .map_err(|e| PublishError::open(format!("could not start the MQTT thread: {e}")))?
        };
        let mut publisher = Self {
            config,
            client,
            link,
            thread: Some(thread),
            warn,
            full_warned: None,
            finished: false,
        };
        let mut state = publisher.link.lock();
        while !state.started && state.fatal.is_none() && !state.done {
            state = publisher.link.wait_timeout(state, Duration::from_secs(1));
        }
        if !state.started {
            let error = state.fatal.clone().unwrap_or_else(|| {
                PublishError::open(format!(
                    "the MQTT client for {} stopped before it connected",
                    publisher.config.address
                ))
            });
            drop(state);
            publisher.close();
            return Err(error);
        }
        drop(state);
        Ok(publisher)
    }

    /// Ends the client's thread (disconnecting politely if connected) and waits for it.
    fn close(&mut self) {
        self.link.lock().exit = true;
        self.link.changed.notify_all();
        // Wakes the client if it waits on the network; sends DISCONNECT when connected.
        let _ = self.client.try_disconnect();
        if let Some(thread) = self.thread.take() {
            // It ends within a connection attempt (5 s) or at once; a broker that stopped
            // answering could hold it until the keep-alive runs out: then it is left to end
            // on its own rather than hold up the pipeline.
            let deadline = Instant::now() + Duration::from_secs(6);
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

impl Publisher for MqttPublisher {
    fn publish(&mut self, record: &str) -> Result<(), PublishError> {
        let link = self.link.clone();
        let mut state = link.lock();
        loop {
            if let Some(error) = &state.fatal {
                return Err(error.clone());
            }
            if state.interrupted {
                return Err(PublishError::interrupted("the pipeline is stopping"));
            }
            if state.done {
                return Err(PublishError::write(format!(
                    "the MQTT client for {} has stopped",
                    self.config.address
                )));
            }
            if state.outbox.len() < self.config.max_buffered_records {
                break;
            }
            if self.full_warned != Some(state.connections) {
                self.full_warned = Some(state.connections);
                let message = format!(
                    "{} records wait for the MQTT broker at {} (max-buffered-records={}): the stream waits until they are delivered",
                    state.outbox.len(),
                    self.config.address,
                    self.config.max_buffered_records
                );
                drop(state);
                (self.warn)(&message);
                state = link.lock();
                continue;
            }
            state = link.wait_timeout(state, Duration::from_secs(1));
        }
        state.outbox.push(
            record.as_bytes().to_vec(),
            &self.client,
            &self.config.topic,
            self.config.qos,
        )
    }

    fn finish(&mut self) -> Result<(), PublishError> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let deadline = Instant::now() + self.config.flush_timeout;
        let link = self.link.clone();
        let mut state = link.lock();
        loop {
            let now = Instant::now();
            // A stopping pipeline waits for acknowledgements on a live connection only.
            let give_up = state.fatal.is_some()
                || state.done
                || (state.interrupted && !state.outbox.connected);
            if state.outbox.is_empty() || give_up || now >= deadline {
                break;
            }
            state = link.wait_timeout(state, (deadline - now).min(Duration::from_millis(200)));
        }
        let undelivered = state.outbox.len();
        let fatal = state.fatal.clone();
        drop(state);
        self.close();
        if let Some(error) = fatal {
            return Err(error);
        }
        if undelivered > 0 {
            return Err(PublishError::write(format!(
                "{undelivered} records were not delivered to the MQTT broker at {} (flush-timeout={} s)",
                self.config.address,
                self.config.flush_timeout.as_secs()
            )));
        }
        Ok(())
    }

    fn interrupter(&self) -> Option<Interrupter> {
        let link = self.link.clone();
        Some(Arc::new(move || {
            link.lock().interrupted = true;
            link.changed.notify_all();
        }))
    }
}

impl Drop for MqttPublisher {
    fn drop(&mut self) {
        self.close();
    }
}

/// The client options of `config`.
fn options(config: &MqttConfig, warn: &Warn) -> Result<MqttOptions, PublishError> {
    let mut options = MqttOptions::new(&config.client_id, &config.host, config.port);
    // Whole seconds, or zero: what rumqttc accepts.
    options.set_keep_alive(config.keep_alive);
    // A clean session: what the broker held for us is forgotten, and we re-send it all.
    options.set_clean_session(true);
    // Records can be large (tensor data): allow MQTT's largest packet.
    options.set_max_packet_size(64 * 1024, 268_435_455);
    options.set_inflight(config.max_buffered_records.clamp(1, 1000) as u16);
    if let Some((user, password)) = &config.credentials {
        options.set_credentials(user, password);
    }
    if let Some(tls) = &config.tls {
        options.set_transport(super::tls::transport(tls, warn)?);
    }
    Ok(options)
}

/// A message for a connection failure (rumqttc's errors carry no credentials).
fn describe(error: &ConnectionError) -> String {
    match error {
        ConnectionError::ConnectionRefused(code) => match code {
            ConnectReturnCode::BadUserNamePassword => {
                "the broker refused the user name or password".to_owned()
            }
            ConnectReturnCode::NotAuthorized => "the broker refused: not authorized".to_owned(),
            ConnectReturnCode::BadClientId => "the broker refused the client id".to_owned(),
            ConnectReturnCode::ServiceUnavailable => "the broker is unavailable".to_owned(),
            other => format!("the broker refused the connection ({other:?})"),
        },
        other => other.to_string(),
    }
}

/// Whether trying again cannot help.
fn is_refusal(error: &ConnectionError) -> bool {
    matches!(
        error,
        ConnectionError::ConnectionRefused(
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized
        )
    )
}

/// The client's thread: drives the connection, tracks deliveries, reconnects.
fn run(
    mut connection: rumqttc::Connection,
    client: Client,
    config: MqttConfig,
    link: Arc<Link>,
    warn: Arc<Warn>,
) {
    /// Marks the thread ended however it ends (a panic included), so nothing waits for it.
    struct Done(Arc<Link>);
    impl Drop for Done {
        fn drop(&mut self) {
            self.0.lock().done = true;
            self.0.changed.notify_all();
        }
    }
    let _done = Done(link.clone());
    let mut backoff = Duration::from_secs(1);
    let mut failures = 0u32;
    loop {
        if link.lock().exit {
            break;
        }
        let event = match connection.recv() {
            Ok(event) => event,
            Err(_) => break, // every request sender is gone
        };
        let mut state = link.lock();
        let mut notice = None;
        match event {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                backoff = Duration::from_secs(1);
                failures = 0;
                let reconnect = state.started;
                state.started = true;
                state.connections += 1;
                match state.outbox.connected(&client, &config.topic, config.qos) {
                    Ok(n) if reconnect => {
                        notice = Some(format!(
                            "reconnected to the MQTT broker at {}; re-publishing {n} held records",
                            config.address
                        ))
                    }
                    Ok(_) => {}
                    Err(e) => state.fatal = Some(e),
                }
            }
            Ok(Event::Outgoing(Outgoing::Publish(pkid))) => state.outbox.sent(pkid, config.qos),
            Ok(Event::Incoming(Packet::PubAck(ack))) if config.qos == Qos::AtLeastOnce => {
                state.outbox.acknowledged(ack.pkid)
            }
            Ok(Event::Incoming(Packet::PubComp(comp))) if config.qos == Qos::ExactlyOnce => {
                state.outbox.acknowledged(comp.pkid)
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) if state.exit => break,
            Ok(_) => {}
            Err(error) => {
                let was_connected = state.outbox.connected;
                state.outbox.disconnected();
                // Forget what the client would re-send by itself: the outbox re-sends it all
                // on the next connection (the broker may have lost it).
                connection.eventloop.clean();
                connection.eventloop.pending.clear();
                if state.exit {
                    break;
                }
                failures += 1;
                let what = describe(&error);
                if is_refusal(&error) {
                    state.fatal = Some(PublishError::open(format!(
                        "could not connect to the MQTT broker at {}: {what}",
                        config.address
                    )));
                } else if !state.started && failures >= config.max_connect_attempts {
                    state.fatal = Some(PublishError::open(format!(
                        "could not connect to the MQTT broker at {} after {failures} attempt(s) (max-connect-attempts={}): {what}",
                        config.address, config.max_connect_attempts
                    )));
                }
                if state.fatal.is_some() {
                    break;
                }
                if was_connected {
                    // Posted now, before the back-off, and outside the lock.
                    let message = format!(
                        "lost the connection to the MQTT broker at {}: {what}; holding {} records and reconnecting",
                        config.address,
                        state.outbox.len()
                    );
                    drop(state);
                    warn(&message);
                    state = link.lock();
                }
                // Back off, waking early if the element finishes.
                let until = Instant::now() + backoff;
                while !state.exit {
                    let now = Instant::now();
                    if now >= until {
                        break;
                    }
                    state = link.wait_timeout(state, until - now);
                }
                backoff = (backoff * 2).min(config.max_reconnect_interval);
            }
        }
        drop(state);
        link.changed.notify_all();
        if let Some(message) = notice {
            warn(&message);
        }
    }
}
