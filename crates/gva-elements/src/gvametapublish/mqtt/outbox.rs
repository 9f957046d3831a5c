//! The records between the streaming thread and the broker: every record not yet acknowledged,
//! in frame order, and which of them the MQTT client has in hand on the current connection.

use std::collections::{BTreeMap, HashMap, VecDeque};

use rumqttc::Client;

use super::config::Qos;
use crate::gvametapublish::publisher::PublishError;

/// Held records and the connection's bookkeeping; lives under the link's mutex.
#[derive(Default)]
pub struct Outbox {
    /// Every record not yet acknowledged (QoS 1/2) or not yet sent (QoS 0), by sequence number.
    held: BTreeMap<u64, Vec<u8>>,
    next_seq: u64,
    /// Records handed to the client on this connection whose PUBLISH it has not reported yet;
    /// the client takes them in order, so they match its `Outgoing::Publish` events in order.
    handed: VecDeque<u64>,
    /// Packet id → record, sent and awaiting PUBACK / PUBCOMP.
    in_flight: HashMap<u16, u64>,
    /// Whether the client has a live connection (records are handed over at once).
    pub connected: bool,
    /// Records acknowledged (or sent, at QoS 0) since start.
    pub delivered: u64,
    /// Records re-sent after a reconnect (the broker may pass some on twice at QoS 1).
    pub resent: u64,
}

impl Outbox {
    /// Records held.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether every record was delivered.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Holds a new record and hands it to the client if connected.
    pub fn push(
        &mut self,
        payload: Vec<u8>,
        client: &Client,
        topic: &str,
        qos: Qos,
    ) -> Result<(), PublishError> {
        let seq = self.next_seq;
        self.next_seq += 1;
        if self.connected {
            self.hand(seq, payload.clone(), client, topic, qos)?;
        }
        self.held.insert(seq, payload);
        Ok(())
    }

    fn hand(
        &mut self,
        seq: u64,
        payload: Vec<u8>,
        client: &Client,
        topic: &str,
        qos: Qos,
    ) -> Result<(), PublishError> {
        // The request channel holds at most every held record, so it is never full here.
        client
            .try_publish(topic, to_rumqttc(qos), false, payload)
            .map_err(|e| PublishError::write(format!("the MQTT client refused a record: {e}")))?;
        self.handed.push_back(seq);
        Ok(())
    }

    /// A new connection: hands every held record over again, in order.
    pub fn connected(
        &mut self,
        client: &Client,
        topic: &str,
        qos: Qos,
    ) -> Result<usize, PublishError> {
        self.connected = true;
        self.handed.clear();
        self.in_flight.clear();
        let records: Vec<(u64, Vec<u8>)> = self.held.iter().map(|(s, p)| (*s, p.clone())).collect();
        for (seq, payload) in &records {
            self.hand(*seq, payload.clone(), client, topic, qos)?;
        }
        self.resent += records.len() as u64;
        Ok(records.len())
    }

    /// The connection is gone: nothing is in the client's hands any more.
    pub fn disconnected(&mut self) {
        self.connected = false;
        self.handed.clear();
        self.in_flight.clear();
    }

    /// The client sent the PUBLISH of the next handed record with packet id `pkid`.
    pub fn sent(&mut self, pkid: u16, qos: Qos) {
        let Some(seq) = self.handed.pop_front() else {
            return;
        };
        if qos == Qos::AtMostOnce {
            self.settle(seq);
        } else {
            self.in_flight.insert(pkid, seq);
        }
    }

    /// The broker acknowledged packet `pkid` (PUBACK at QoS 1, PUBCOMP at QoS 2).
    pub fn acknowledged(&mut self, pkid: u16) {
        if let Some(seq) = self.in_flight.remove(&pkid) {
            self.settle(seq);
        }
    }

    fn settle(&mut self, seq: u64) {
        if self.held.remove(&seq).is_some() {
            self.delivered += 1;
        }
    }
}

/// The client's QoS for ours.
pub fn to_rumqttc(qos: Qos) -> rumqttc::QoS {
    match qos {
        Qos::AtMostOnce => rumqttc::QoS::AtMostOnce,
        Qos::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        Qos::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}
