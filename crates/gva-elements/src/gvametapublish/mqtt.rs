//! `method=mqtt` (being written).

use super::publisher::{PublishError, Publisher};
use super::settings::Settings;

/// Publishes records to an MQTT broker.
pub struct MqttPublisher;

impl MqttPublisher {
    /// Connects to the broker of `settings`.
    pub fn connect(
        _settings: &Settings,
        _warn: Box<dyn Fn(&str) + Send + Sync>,
    ) -> Result<Self, PublishError> {
        Err(PublishError::settings("method=mqtt is not available yet"))
    }
}

impl Publisher for MqttPublisher {
    fn publish(&mut self, _record: &str) -> Result<(), PublishError> {
        Ok(())
    }

    fn finish(&mut self) -> Result<(), PublishError> {
        Ok(())
    }
}
