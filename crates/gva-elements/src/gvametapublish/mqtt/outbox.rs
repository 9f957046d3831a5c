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

#[cfg(test)]
mod tests {
    use super::*;

    /// A client whose requests wait in its channel (the connection is kept, never polled).
    fn client() -> (Client, rumqttc::Connection) {
        let options = rumqttc::MqttOptions::new("outbox-test", "127.0.0.1", 1);
        Client::new(options, 100)
    }

    fn push(outbox: &mut Outbox, client: &Client, n: usize, qos: Qos) {
        for i in 0..n {
            outbox
                .push(format!("r{i}").into_bytes(), client, "t", qos)
                .expect("pushes");
        }
    }

    #[test]
    fn unacknowledged_records_are_handed_over_again_after_a_reconnect() {
        let (client, _connection) = client();
        let mut outbox = Outbox::default();
        outbox
            .connected(&client, "t", Qos::AtLeastOnce)
            .expect("connects");
        push(&mut outbox, &client, 5, Qos::AtLeastOnce);
        for pkid in 1..=5 {
            outbox.sent(pkid, Qos::AtLeastOnce);
        }
        outbox.acknowledged(2);
        outbox.acknowledged(1);
        outbox.acknowledged(1); // a repeated ack changes nothing
        assert_eq!((outbox.len(), outbox.delivered), (3, 2));
        outbox.disconnected();
        // Held while away, handed over with the rest, in order, on the next connection.
        push(&mut outbox, &client, 2, Qos::AtLeastOnce);
        assert_eq!(outbox.handed.len(), 0);
        assert_eq!(outbox.connected(&client, "t", Qos::AtLeastOnce), Ok(5));
        assert_eq!(outbox.handed, VecDeque::from([2, 3, 4, 5, 6]));
        // Packet ids of the new connection start again; acks of the old one are gone.
        for pkid in 1..=5 {
            outbox.sent(pkid, Qos::AtLeastOnce);
        }
        for pkid in [3, 1, 2, 5, 4] {
            outbox.acknowledged(pkid);
        }
        assert!(outbox.is_empty());
        assert_eq!((outbox.delivered, outbox.resent), (7, 5));
    }

    #[test]
    fn qos0_records_are_done_once_sent() {
        let (client, _connection) = client();
        let mut outbox = Outbox::default();
        push(&mut outbox, &client, 3, Qos::AtMostOnce);
        assert_eq!(outbox.len(), 3);
        assert_eq!(outbox.connected(&client, "t", Qos::AtMostOnce), Ok(3));
        for _ in 0..3 {
            outbox.sent(0, Qos::AtMostOnce);
        }
        assert!(outbox.is_empty());
        assert_eq!(outbox.delivered, 3);
    }
}
