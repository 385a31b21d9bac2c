//! The bridge's configuration and the broker URL.

use std::time::Duration;

use crate::{Error, Result};

/// How a node talks to the broker.
#[derive(Debug, Clone)]
pub struct MqttConfig {
    /// The broker: `mqtt://host:port`, `tcp://host:port` or `host:port` (port 1883 by default).
    pub url: String,
    /// This node's id: its MQTT client id and the `<node-id>` of its topics (unique per node).
    pub node_id: String,
    /// The base topic (default `joylink`; e.g. `joylink/prod` to share a broker).
    pub base: String,
    /// The shared-subscription group the nodes of one cloud share (default `joylink`).
    pub share_group: String,
    /// Events and responses buffered while the broker is away (default 10 000); past it the
    /// oldest is dropped and counted.
    pub buffer: usize,
    /// A command for a device no node holds is answered `not_online` after this long (default
    /// 15 s: longer than the machine's request timeout, so that a held device's own timeout
    /// answer comes first).
    pub unknown_timeout: Duration,
    /// MQTT keep-alive (default 5 s): how fast a dead broker, and by the broker a dead node, is
    /// noticed.
    pub keep_alive: Duration,
    /// Pause between reconnect attempts (default 500 ms).
    pub reconnect_delay: Duration,
}

impl MqttConfig {
    /// Defaults for the broker at `url` and node `node_id`.
    #[must_use]
    pub fn new(url: &str, node_id: &str) -> Self {
        Self {
            url: url.to_string(),
            node_id: node_id.to_string(),
            base: "joylink".to_string(),
            share_group: "joylink".to_string(),
            buffer: 10_000,
            unknown_timeout: Duration::from_secs(15),
            keep_alive: Duration::from_secs(5),
            reconnect_delay: Duration::from_millis(500),
        }
    }
}

/// Host and port of a broker URL.
///
/// # Errors
/// [`Error::Mqtt`] for another scheme (TLS belongs to a proxy or the broker's listener), a
/// missing host or a bad port.
pub fn parse_url(url: &str) -> Result<(String, u16)> {
    let rest = match url.split_once("://") {
        Some(("mqtt" | "tcp", r)) => r,
        Some((s, _)) => return Err(Error::Mqtt(format!("scheme {s}: only mqtt:// (plain TCP)"))),
        None => url,
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse()
                .map_err(|_| Error::Mqtt(format!("bad port in {url}")))?,
        ),
        None => (rest, 1883),
    };
    if host.is_empty() || host.contains('/') {
        return Err(Error::Mqtt(format!("no host in {url}")));
    }
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("mqtt://127.0.0.1:1999").unwrap(),
            ("127.0.0.1".into(), 1999)
        );
        assert_eq!(parse_url("tcp://broker/").unwrap(), ("broker".into(), 1883));
        assert_eq!(parse_url("broker:18").unwrap(), ("broker".into(), 18));
        for bad in ["mqtts://b:1", "mqtt://:1", "mqtt://b:x", "mqtt://b/path:1"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }
}
