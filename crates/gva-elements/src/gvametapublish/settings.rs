//! gvametapublish's properties, with DL Streamer's names, defaults and ranges, declared once.

use gst::glib;
use gst::prelude::*;

/// `method`: where records go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GvaRsMetaPublishMethod")]
pub enum Method {
    /// A file or stdout.
    #[default]
    #[enum_value(name = "File publish method", nick = "file")]
    File = 1,
    /// An MQTT broker.
    #[enum_value(name = "MQTT publish method", nick = "mqtt")]
    Mqtt = 2,
    /// Kafka: listed for DL Streamer compatibility, refused at start.
    #[enum_value(name = "Kafka publish method (not supported)", nick = "kafka")]
    Kafka = 3,
}

/// `file-format`: how records are laid out in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GvaRsMetaPublishFileFormat")]
pub enum FileFormat {
    /// One JSON array: `[`, records joined by `,\n`, `]`.
    #[default]
    #[enum_value(name = "the whole file is a valid JSON array", nick = "json")]
    Json = 1,
    /// One record per line, appended.
    #[enum_value(name = "each line is a valid JSON record", nick = "json-lines")]
    JsonLines = 2,
}

/// Property values (DL Streamer's defaults).
#[derive(Clone, PartialEq)]
pub struct Settings {
    /// `method`.
    pub method: Method,
    /// `file-path`: a path, or `stdout`.
    pub file_path: String,
    /// `file-format`.
    pub file_format: FileFormat,
    /// `address`: the MQTT broker, `host:port`.
    pub address: Option<String>,
    /// `topic`: the MQTT topic records are published on.
    pub topic: Option<String>,
    /// `mqtt-client-id` (generated when unset).
    pub mqtt_client_id: Option<String>,
    /// `mqtt-config`: a JSON file of client options.
    pub mqtt_config: Option<String>,
    /// `username` for the broker.
    pub username: Option<String>,
    /// `password` for the broker (write-only; never logged).
    pub password: Option<String>,
    /// `max-connect-attempts`: failed connection attempts at start before it is fatal.
    pub max_connect_attempts: u32,
    /// `max-reconnect-interval`: the back-off cap, in seconds.
    pub max_reconnect_interval: u32,
    /// `max-buffered-records`: records held while the broker is unreachable.
    pub max_buffered_records: u32,
    /// `flush-timeout`: seconds to wait at the end for undelivered records.
    pub flush_timeout: u32,
    /// `signal-handoffs`: emit `handoff` for every buffer.
    pub signal_handoffs: bool,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials stay out of debug output.
        f.debug_struct("Settings")
            .field("method", &self.method)
            .field("file_path", &self.file_path)
            .field("file_format", &self.file_format)
            .field("address", &self.address)
            .field("topic", &self.topic)
            .field("mqtt_client_id", &self.mqtt_client_id)
            .field("mqtt_config", &self.mqtt_config)
            .field("username", &self.username.as_ref().map(|_| "<set>"))
            .field("password", &self.password.as_ref().map(|_| "<set>"))
            .field("max_connect_attempts", &self.max_connect_attempts)
            .field("max_reconnect_interval", &self.max_reconnect_interval)
            .field("max_buffered_records", &self.max_buffered_records)
            .field("flush_timeout", &self.flush_timeout)
            .field("signal_handoffs", &self.signal_handoffs)
            .finish()
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            method: Method::File,
            file_path: super::file::STDOUT.to_owned(),
            file_format: FileFormat::Json,
            address: None,
            topic: None,
            mqtt_client_id: None,
            mqtt_config: None,
            username: None,
            password: None,
            max_connect_attempts: 1,
            max_reconnect_interval: 30,
            max_buffered_records: 10_000,
            flush_timeout: 10,
            signal_handoffs: false,
        }
    }
}

impl Settings {
    /// The element's properties.
    pub fn properties() -> Vec<glib::ParamSpec> {
        let d = Self::default();
        vec![
            glib::ParamSpecEnum::builder_with_default("method", d.method)
                .nick("Publish method")
                .blurb("Where records go: file, mqtt (kafka is not supported)")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("file-path")
                .nick("File path")
                .blurb("[method=file] Path of the output file, or \"stdout\"")
                .default_value(Some(d.file_path.as_str()))
                .mutable_ready()
                .build(),
            glib::ParamSpecEnum::builder_with_default("file-format", d.file_format)
                .nick("File format")
                .blurb("[method=file] json: one JSON array (file truncated); json-lines: one record per line (appended)")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("address")
                .nick("Address")
                .blurb("[method=mqtt] Broker address, host:port")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("topic")
                .nick("Topic")
                .blurb("[method=mqtt] Topic the records are published on")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("mqtt-client-id")
                .nick("MQTT client id")
                .blurb("[method=mqtt] Client identifier (default: generated)")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("mqtt-config")
                .nick("MQTT config")
                .blurb("[method=mqtt] JSON file of client options (qos, keep-alive, TLS files, credentials, ...); its values win over the properties")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("username")
                .nick("Username")
                .blurb("[method=mqtt] User name for the broker")
                .mutable_ready()
                .build(),
            glib::ParamSpecString::builder("password")
                .nick("Password")
                .blurb("[method=mqtt] Password for the broker (write-only)")
                .write_only()
                .mutable_ready()
                .build(),
            glib::ParamSpecUInt::builder("max-connect-attempts")
                .nick("Max connect attempts")
                .blurb("[method=mqtt] Failed connection attempts at start before it is fatal")
                .minimum(1)
                .maximum(10)
                .default_value(d.max_connect_attempts)
                .mutable_ready()
                .build(),
            glib::ParamSpecUInt::builder("max-reconnect-interval")
                .nick("Max reconnect interval")
                .blurb("[method=mqtt] Longest wait between connection attempts, in seconds (the wait starts at 1 s and doubles)")
                .minimum(1)
                .maximum(300)
                .default_value(d.max_reconnect_interval)
                .mutable_ready()
                .build(),
            glib::ParamSpecUInt::builder("max-buffered-records")
                .nick("Max buffered records")
                .blurb("[method=mqtt] Records held while unacknowledged or while the broker is away; when full, the stream waits")
                .minimum(1)
                .maximum(10_000_000)
                .default_value(d.max_buffered_records)
                .mutable_ready()
                .build(),
            glib::ParamSpecUInt::builder("flush-timeout")
                .nick("Flush timeout")
                .blurb("[method=mqtt] Seconds to wait at the end of the stream for records not yet acknowledged")
                .minimum(0)
                .maximum(3600)
                .default_value(d.flush_timeout)
                .mutable_ready()
                .build(),
            glib::ParamSpecBoolean::builder("signal-handoffs")
                .nick("Signal handoffs")
                .blurb("Emit the handoff signal for every buffer")
                .default_value(d.signal_handoffs)
                .mutable_playing()
                .build(),
        ]
    }

    /// Stores a property value (GObject has checked its type and range).
    pub fn set(&mut self, value: &glib::Value, pspec: &glib::ParamSpec) {
        let string = || value.get::<Option<String>>().ok().flatten();
        match pspec.name() {
            "method" => self.method = value.get().unwrap_or(self.method),
            "file-path" => self.file_path = string().unwrap_or_default(),
            "file-format" => self.file_format = value.get().unwrap_or(self.file_format),
            "address" => self.address = string(),
            "topic" => self.topic = string(),
            "mqtt-client-id" => self.mqtt_client_id = string(),
            "mqtt-config" => self.mqtt_config = string(),
            "username" => self.username = string(),
            "password" => self.password = string(),
            "max-connect-attempts" => {
                self.max_connect_attempts = value.get().unwrap_or(self.max_connect_attempts);
            }
            "max-reconnect-interval" => {
                self.max_reconnect_interval = value.get().unwrap_or(self.max_reconnect_interval);
            }
            "max-buffered-records" => {
                self.max_buffered_records = value.get().unwrap_or(self.max_buffered_records);
            }
            "flush-timeout" => self.flush_timeout = value.get().unwrap_or(self.flush_timeout),
            "signal-handoffs" => self.signal_handoffs = value.get().unwrap_or(false),
            _ => {}
        }
    }

    /// A property value (`password` is write-only).
    pub fn get(&self, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "method" => self.method.to_value(),
            "file-path" => self.file_path.to_value(),
            "file-format" => self.file_format.to_value(),
            "address" => self.address.to_value(),
            "topic" => self.topic.to_value(),
            "mqtt-client-id" => self.mqtt_client_id.to_value(),
            "mqtt-config" => self.mqtt_config.to_value(),
            "username" => self.username.to_value(),
            "max-connect-attempts" => self.max_connect_attempts.to_value(),
            "max-reconnect-interval" => self.max_reconnect_interval.to_value(),
            "max-buffered-records" => self.max_buffered_records.to_value(),
            "flush-timeout" => self.flush_timeout.to_value(),
            "signal-handoffs" => self.signal_handoffs.to_value(),
            _ => pspec.default_value().clone(),
        }
    }
}
