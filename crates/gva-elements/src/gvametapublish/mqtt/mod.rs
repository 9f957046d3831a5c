//! `method=mqtt`: records published to an MQTT broker with `rumqttc`.
//!
//! One client per element, driven by a thread of its own ([`link`]). Every record is held in an
//! [`outbox::Outbox`] until the broker acknowledges it (QoS 1, the default, or 2) or until it is
//! sent (QoS 0), so nothing is lost when the broker goes away: the client reconnects with a
//! back-off (1 s, doubling, up to `max-reconnect-interval`) and hands every held record over
//! again, in frame order, on a clean session — a broker that restarted without persistence gets
//! them all; one that kept them may pass a few on twice (QoS 1 allows it). At most
//! `max-buffered-records` are held: when that many wait, the element posts a warning and the
//! stream waits. At EOS (or a stop) the element waits up to `flush-timeout` for the rest and
//! reports any record it could not deliver as an error. At start, `max-connect-attempts` failed
//! attempts fail the start with the address in the error; a broker that refuses the credentials
//! fails at once. User names and passwords are never logged nor put in messages.
//!
//! `mqtt-config` takes DL Streamer's keys (`address`, `client-id`, `topic`, `username`,
//! `password`, `max-connect-attempts`, `max-reconnect-interval`, `TLS`, `ssl_verify`,
//! `ssl_enable_server_cert_auth`, `ssl_CA_certificate`, `ssl_client_certificate`,
//! `ssl_private_key`) plus `qos` (0–2, default 1), `keep-alive` (s, default 20),
//! `max-buffered-records` and `flush-timeout`; its values win over the properties, an unknown
//! key is an error. TLS ([`tls`]: rustls with the `ring` provider) is on with `"TLS": true` or an
//! `ssl://` / `mqtts://` address; the broker's certificate is checked against
//! `ssl_CA_certificate` (or the system's CAs) when `ssl_verify` or
//! `ssl_enable_server_cert_auth` is set, and otherwise not checked, as in DL Streamer, with a
//! warning.

pub mod config;
pub mod link;
pub mod outbox;
pub mod tls;

pub use config::{MqttConfig, Qos};
pub use link::MqttPublisher;
