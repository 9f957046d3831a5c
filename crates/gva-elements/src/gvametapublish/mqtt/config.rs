//! The MQTT client options: the element's properties, overridden by the `mqtt-config` JSON file
//! (as DL Streamer applies it), checked with messages that never show a credential.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::gvametapublish::publisher::PublishError;
use crate::gvametapublish::settings::Settings;

/// Delivery guarantee of the published records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qos {
    /// At most once: sent, never acknowledged.
    AtMostOnce,
    /// At least once (the default): held until the broker's PUBACK, re-sent after a reconnect.
    AtLeastOnce,
    /// Exactly once (on one connection): held until the broker's PUBCOMP.
    ExactlyOnce,
}

/// TLS files and checks (`"TLS": true` in `mqtt-config`, or an `ssl://` / `mqtts://` address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tls {
    /// `ssl_CA_certificate`: PEM file of the authorities that sign the broker's certificate.
    pub ca_certificate: Option<String>,
    /// `ssl_client_certificate`: PEM client certificate chain.
    pub client_certificate: Option<String>,
    /// `ssl_private_key`: PEM private key of the client certificate.
    pub private_key: Option<String>,
    /// `ssl_verify` / `ssl_enable_server_cert_auth`: check the broker's certificate.
    pub verify: bool,
}

/// Everything the MQTT publisher needs, checked.
#[derive(Clone, PartialEq)]
pub struct MqttConfig {
    /// Broker host name or address.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// The address as the user gave it (for messages).
    pub address: String,
    /// Topic of the records.
    pub topic: String,
    /// Client identifier.
    pub client_id: String,
    /// User name and password.
    pub credentials: Option<(String, String)>,
    /// Failed attempts at start before it is fatal.
    pub max_connect_attempts: u32,
    /// Back-off cap between attempts.
    pub max_reconnect_interval: Duration,
    /// Records held (unacknowledged or waiting for the broker).
    pub max_buffered_records: usize,
    /// Wait at the end for undelivered records.
    pub flush_timeout: Duration,
    /// QoS of every record.
    pub qos: Qos,
    /// MQTT keep-alive (0 = off).
    pub keep_alive: Duration,
    /// TLS, if used.
    pub tls: Option<Tls>,
}

impl std::fmt::Debug for MqttConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MqttConfig")
            .field("address", &self.address)
            .field("topic", &self.topic)
            .field("client_id", &self.client_id)
            .field("credentials", &self.credentials.as_ref().map(|_| "<set>"))
            .field("qos", &self.qos)
            .field("keep_alive", &self.keep_alive)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

/// Keys of `mqtt-config`: DL Streamer's, then ours.
const KEYS: &[&str] = &[
    "address",
    "client-id",
    "topic",
    "username",
    "password",
    "max-connect-attempts",
    "max-reconnect-interval",
    "TLS",
    "ssl_verify",
    "ssl_enable_server_cert_auth",
    "ssl_CA_certificate",
    "ssl_client_certificate",
    "ssl_private_key",
    "ssl_private_key_pwd",
    "qos",
    "keep-alive",
    "max-buffered-records",
    "flush-timeout",
];

/// DL Streamer's keep-alive.
const DEFAULT_KEEP_ALIVE: u64 = 20;

impl MqttConfig {
    /// The options of `settings` with its `mqtt-config` file applied.
    pub fn from_settings(settings: &Settings) -> Result<Self, PublishError> {
        let mut s = settings.clone();
        let mut qos = Qos::AtLeastOnce;
        let mut keep_alive = DEFAULT_KEEP_ALIVE;
        let mut tls: Option<Tls> = None;
        if let Some(path) = settings.mqtt_config.as_deref().filter(|p| !p.is_empty()) {
            let file = ConfigFile::read(path)?;
            file.apply(&mut s, &mut qos, &mut keep_alive, &mut tls)?;
        }
        let address = s.address.clone().filter(|a| !a.is_empty()).ok_or_else(|| {
            PublishError::settings("method=mqtt needs the broker's address (host:port)")
        })?;
        let (host, port, scheme_tls) = parse_address(&address)?;
        if scheme_tls && tls.is_none() {
            tls = Some(Tls::default());
        }
        let topic = s.topic.clone().filter(|t| !t.is_empty()).ok_or_else(|| {
            PublishError::settings(
                "method=mqtt needs a topic (the topic property or \"topic\" in mqtt-config)",
            )
        })?;
        if topic.contains(['+', '#']) {
            return Err(PublishError::settings(format!(
                "the topic {topic:?} has a wildcard (+ or #): a record needs a plain topic"
            )));
        }
        let credentials = match (s.username, s.password) {
            (Some(user), password) if !user.is_empty() => {
                Some((user, password.unwrap_or_default()))
            }
            (_, Some(password)) if !password.is_empty() => {
                return Err(PublishError::settings(
                    "a password is set but no username: the broker needs both",
                ));
            }
            _ => None,
        };
        let client_id = s
            .mqtt_client_id
            .filter(|c| !c.is_empty())
            .unwrap_or_else(generated_client_id);
        Ok(Self {
            host,
            port,
            address,
            topic,
            client_id,
            credentials,
            max_connect_attempts: s.max_connect_attempts.clamp(1, 10),
            max_reconnect_interval: Duration::from_secs(u64::from(s.max_reconnect_interval.max(1))),
            max_buffered_records: s.max_buffered_records.max(1) as usize,
            flush_timeout: Duration::from_secs(u64::from(s.flush_timeout)),
            qos,
            keep_alive: Duration::from_secs(keep_alive),
            tls,
        })
    }
}

/// `host:port`, `[v6]:port`, with an optional `tcp://`, `mqtt://`, `ssl://` or `mqtts://`;
/// the port defaults to 1883 (8883 with TLS). Also whether the scheme asks for TLS.
fn parse_address(address: &str) -> Result<(String, u16, bool), PublishError> {
    let bad = |why: &str| {
        PublishError::settings(format!(
            "the MQTT address {address:?} is not host:port ({why})"
        ))
    };
    let (rest, tls) = match address.split_once("://") {
        Some(("tcp" | "mqtt", rest)) => (rest, false),
        Some(("ssl" | "mqtts" | "tls", rest)) => (rest, true),
        Some((scheme, _)) => return Err(bad(&format!("unknown scheme {scheme}://"))),
        None => (address, false),
    };
    let default_port = if tls { 8883 } else { 1883 };
    let (host, port) = if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(|| bad("no closing ]"))?;
        match after.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if after.is_empty() => (host, None),
            None => return Err(bad("text after ]")),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() || host.contains(['/', ' ']) {
        return Err(bad("no host name"));
    }
    let port = match port {
        None => default_port,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad(&format!("port {p:?} is not 1-65535")))?,
    };
    Ok((host.to_owned(), port, tls))
}

/// A client id unique enough for several pipelines on one broker (DL Streamer uses a UUID).
fn generated_client_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    format!("gvametapublish-{:016x}", h.finish())
}

/// A parsed `mqtt-config` file.
struct ConfigFile {
    path: String,
    map: Map<String, Value>,
}

impl ConfigFile {
    fn read(path: &str) -> Result<Self, PublishError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            PublishError::settings(format!("could not read the mqtt-config file {path}: {e}"))
        })?;
        // serde_json's messages give a position, never the text around it.
        let value: Value = serde_json::from_str(&text).map_err(|e| {
            PublishError::settings(format!(
                "the mqtt-config file {path} is not valid JSON: {e}"
            ))
        })?;
        let Value::Object(map) = value else {
            return Err(PublishError::settings(format!(
                "the mqtt-config file {path} must hold a JSON object"
            )));
        };
        if let Some(key) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(PublishError::settings(format!(
                "the mqtt-config file {path} has an unknown key {key:?}; known keys: {}",
                KEYS.join(", ")
            )));
        }
        Ok(Self {
            path: path.to_owned(),
            map,
        })
    }

    fn bad(&self, key: &str, what: &str) -> PublishError {
        PublishError::settings(format!("mqtt-config {}: {key:?} must be {what}", self.path))
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<String>, PublishError> {
        self.get(key)
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| self.bad(key, "a string"))
            })
            .transpose()
    }

    /// A file path; `""` means unset (DL Streamer's sample configs list every key).
    fn path(&self, key: &str) -> Result<Option<String>, PublishError> {
        Ok(self.string(key)?.filter(|p| !p.is_empty()))
    }

    fn number(&self, key: &str, min: u64, max: u64) -> Result<Option<u64>, PublishError> {
        self.get(key)
            .map(|v| {
                v.as_u64()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| self.bad(key, &format!("an integer from {min} to {max}")))
            })
            .transpose()
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, PublishError> {
        self.get(key)
            .map(|v| match v {
                Value::Bool(b) => Ok(*b),
                Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
                Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
                _ => Err(self.bad(key, "true, false, 0 or 1")),
            })
            .transpose()
    }

    fn apply(
        &self,
        s: &mut Settings,
        qos: &mut Qos,
        keep_alive: &mut u64,
        tls: &mut Option<Tls>,
    ) -> Result<(), PublishError> {
        let narrow = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        if let Some(v) = self.string("address")? {
            s.address = Some(v);
        }
        if let Some(v) = self.string("client-id")? {
            s.mqtt_client_id = Some(v);
        }
        if let Some(v) = self.string("topic")? {
            s.topic = Some(v);
        }
        if let Some(v) = self.string("username")? {
            s.username = Some(v);
        }
        if let Some(v) = self.string("password")? {
            s.password = Some(v);
        }
        if let Some(v) = self.number("max-connect-attempts", 1, 10)? {
            s.max_connect_attempts = narrow(v);
        }
        if let Some(v) = self.number("max-reconnect-interval", 1, 300)? {
            s.max_reconnect_interval = narrow(v);
        }
        if let Some(v) = self.number("max-buffered-records", 1, 10_000_000)? {
            s.max_buffered_records = narrow(v);
        }
        if let Some(v) = self.number("flush-timeout", 0, 3600)? {
            s.flush_timeout = narrow(v);
        }
        if let Some(v) = self.number("qos", 0, 2)? {
            *qos = match v {
                0 => Qos::AtMostOnce,
                1 => Qos::AtLeastOnce,
                _ => Qos::ExactlyOnce,
            };
        }
        if let Some(v) = self.number("keep-alive", 0, 65535)? {
            *keep_alive = v;
        }
        if self.path("ssl_private_key_pwd")?.is_some() {
            return Err(PublishError::settings(format!(
                "mqtt-config {}: \"ssl_private_key_pwd\" (an encrypted private key) is not supported: give an unencrypted PEM key",
                self.path
            )));
        }
        let verify = self.flag("ssl_verify")?.unwrap_or(false)
            || self.flag("ssl_enable_server_cert_auth")?.unwrap_or(false);
        let files = Tls {
            ca_certificate: self.path("ssl_CA_certificate")?,
            client_certificate: self.path("ssl_client_certificate")?,
            private_key: self.path("ssl_private_key")?,
            verify,
        };
        // DL Streamer ignores the ssl_* keys unless "TLS" is true; so do we.
        if self.flag("TLS")?.unwrap_or(false) {
            *tls = Some(files);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let ok = |a: &str| parse_address(a).expect(a);
        assert_eq!(ok("localhost:1883"), ("localhost".into(), 1883, false));
        assert_eq!(ok("tcp://10.0.0.1:2000"), ("10.0.0.1".into(), 2000, false));
        assert_eq!(ok("ssl://broker"), ("broker".into(), 8883, true));
        assert_eq!(ok("[::1]:1884"), ("::1".into(), 1884, false));
        assert_eq!(ok("broker"), ("broker".into(), 1883, false));
        for bad in [
            ":1883",
            "host:0",
            "host:x",
            "http://host:1",
            "[::1",
            "a/b:1",
        ] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }
}
