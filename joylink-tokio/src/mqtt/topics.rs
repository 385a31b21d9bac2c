//! The topic names of the contract (see the module docs): built from the base topic, parsed
//! back for the messages a node receives.

/// The command kinds of `<base>/device/<feedid>/cmd/<kind>` and their responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandKind {
    /// Control (type 11, biz_code 1002, spec 7.3.7).
    Control,
    /// Snapshot query (type 11, 1004, spec 7.3.9).
    Snapshot,
    /// Recipe / task order (type 11, 1050, spec 7.3.11).
    Recipe,
    /// OTA order (type 7, spec 9.5).
    Ota,
    /// Timer tasks: delete (1093, spec 10.3).
    TimerDelete,
    /// Timer tasks: query (1094, spec 10.5).
    TimerQuery,
    /// Timer tasks: stop (1095, spec 10.6).
    TimerStop,
    /// Timer tasks: restart (1096, spec 10.7).
    TimerRestart,
    /// Timer tasks: add (1091, spec 10.2), the task in its JSON form.
    TimerAdd,
    /// Timer tasks: modify (1092, spec 10.4), the task in its JSON form.
    TimerModify,
    /// Unbind sub-devices of a gateway (type 113, spec 7.3.23).
    Unbind,
}

impl CommandKind {
    /// Every kind, in the contract's order.
    pub const ALL: [Self; 11] = [
        Self::Control,
        Self::Snapshot,
        Self::Recipe,
        Self::Ota,
        Self::TimerDelete,
        Self::TimerQuery,
        Self::TimerStop,
        Self::TimerRestart,
        Self::TimerAdd,
        Self::TimerModify,
        Self::Unbind,
    ];

    /// The topic level naming the kind.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Control => "control",
            Self::Snapshot => "snapshot",
            Self::Recipe => "recipe",
            Self::Ota => "ota",
            Self::TimerDelete => "timer_delete",
            Self::TimerQuery => "timer_query",
            Self::TimerStop => "timer_stop",
            Self::TimerRestart => "timer_restart",
            Self::TimerAdd => "timer_add",
            Self::TimerModify => "timer_modify",
            Self::Unbind => "unbind",
        }
    }

    /// The kind a topic level names.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The events of `<base>/device/<feedid>/event/<kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Snapshot upload (type 12, spec 7.3.5).
    Upload,
    /// OTA status report (type 8, spec 9.6).
    Ota,
    /// Timer task executed (type 13, 1097, spec 10.8).
    Timer,
    /// Asynchronous result (type 14).
    Async,
    /// Recipe task report (type 16, spec 7.3.29).
    Task,
}

impl EventKind {
    /// The topic level naming the event.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Ota => "ota",
            Self::Timer => "timer",
            Self::Async => "async",
            Self::Task => "task",
        }
    }
}

/// The topics under one base (`joylink` by default; e.g. `joylink/prod`).
#[derive(Debug, Clone)]
pub struct Topics {
    base: String,
}

/// What a received topic is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic<'t> {
    /// `<base>/device/<feedid>/cmd/<kind>`; `None` for an unknown kind.
    Command(&'t str, Option<CommandKind>),
    /// `<base>/device/<feedid>/status`.
    DeviceStatus(&'t str),
    /// `<base>/node/<node-id>/status`.
    NodeStatus(&'t str),
}

impl Topics {
    /// Topics under `base` (no leading or trailing `/`).
    #[must_use]
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_matches('/').to_string(),
        }
    }

    /// `<base>/node/<node>/status` (retained; the node's last will).
    #[must_use]
    pub fn node_status(&self, node: &str) -> String {
        format!("{}/node/{node}/status", self.base)
    }

    /// `<base>/node/+/status`.
    #[must_use]
    pub fn all_node_status(&self) -> String {
        format!("{}/node/+/status", self.base)
    }

    /// `<base>/device/<feed>/status` (retained).
    #[must_use]
    pub fn device_status(&self, feed: &str) -> String {
        format!("{}/device/{feed}/status", self.base)
    }

    /// `<base>/device/+/status`.
    #[must_use]
    pub fn all_device_status(&self) -> String {
        format!("{}/device/+/status", self.base)
    }

    /// `<base>/device/<feed>/event/<kind>`.
    #[must_use]
    pub fn event(&self, feed: &str, kind: EventKind) -> String {
        format!("{}/device/{feed}/event/{}", self.base, kind.as_str())
    }

    /// `<base>/device/<feed>/cmd/<kind>`.
    #[must_use]
    pub fn command(&self, feed: &str, kind: CommandKind) -> String {
        format!("{}/device/{feed}/cmd/{}", self.base, kind.as_str())
    }

    /// `<base>/device/<feed>/cmd/+`: a node's subscription for a device it holds.
    #[must_use]
    pub fn device_commands(&self, feed: &str) -> String {
        format!("{}/device/{feed}/cmd/+", self.base)
    }

    /// `$share/<group>/<base>/device/+/cmd/+`: one node of the group sees each command and
    /// answers it when no node holds the device.
    #[must_use]
    pub fn shared_commands(&self, group: &str) -> String {
        format!("$share/{group}/{}/device/+/cmd/+", self.base)
    }

    /// `<base>/device/<feed>/response/<kind>`.
    #[must_use]
    pub fn response(&self, feed: &str, kind: CommandKind) -> String {
        format!("{}/device/{feed}/response/{}", self.base, kind.as_str())
    }

    /// What `topic` is, `None` for a topic outside the contract.
    #[must_use]
    pub fn parse<'t>(&self, topic: &'t str) -> Option<Topic<'t>> {
        let rest = topic.strip_prefix(self.base.as_str())?.strip_prefix('/')?;
        let mut it = rest.split('/');
        let parsed = match (it.next()?, it.next()?, it.next()?, it.next()) {
            ("device", feed, "cmd", Some(kind)) => Topic::Command(feed, CommandKind::parse(kind)),
            ("device", feed, "status", None) => Topic::DeviceStatus(feed),
            ("node", node, "status", None) => Topic::NodeStatus(node),
            _ => return None,
        };
        it.next().is_none().then_some(parsed)
    }
}

/// Whether `s` can be one topic level: not empty, no `/`, `+`, `#`, NUL, not starting with `$`.
#[must_use]
pub fn valid_level(s: &str) -> bool {
    !s.is_empty() && !s.starts_with('$') && !s.contains(['/', '+', '#', '\0'])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip() {
        let t = Topics::new("joylink/prod/");
        for k in CommandKind::ALL {
            let topic = t.command("F1", k);
            assert_eq!(t.parse(&topic), Some(Topic::Command("F1", Some(k))));
        }
        assert_eq!(
            t.parse(&t.device_status("F1")),
            Some(Topic::DeviceStatus("F1"))
        );
        assert_eq!(t.parse(&t.node_status("n1")), Some(Topic::NodeStatus("n1")));
        assert_eq!(
            t.parse("joylink/prod/device/F1/cmd/launch"),
            Some(Topic::Command("F1", None))
        );
        assert_eq!(t.parse("joylink/prod/device/F1/cmd/control/x"), None);
        assert_eq!(t.parse("joylink/other/device/F1/status"), None);
        assert_eq!(t.parse(&t.response("F1", CommandKind::Control)), None);
    }

    #[test]
    fn levels() {
        assert!(valid_level("F7D0000001"));
        for bad in ["", "a/b", "a+", "#", "$SYS"] {
            assert!(!valid_level(bad), "{bad}");
        }
    }
}
