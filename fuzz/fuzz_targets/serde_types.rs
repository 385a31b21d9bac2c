//! Arbitrary JSON into every public serde type of joylink-timer, joylink-wire and joylink-session
//! (its persisted `wan::Cloud`; joylink-crypto has none of its own: its `serde` feature only
//! forwards to wire). Input: a selector byte, then
//! the JSON text.
//!
//! For every value that deserializes: no panic while using it (`next_after`, `firings`,
//! `Display`), and `deserialize(serialize(x)) == x` (for the two wire documents without
//! `PartialEq`, the re-serialized text is compared instead). The timer types must also be valid:
//! a deserialized `TimeExp` displays as text that `TimeExp::parse` gives back, a deserialized
//! `CivilTime` is one `CivilTime::new` accepts.
#![no_main]

use joylink_timer::{CivilTime, FieldSpec, TimeExp, ValueSet, YearSet, YearSpec};
use joylink_wire::{lan, wan};
use libfuzzer_sys::fuzz_target;

/// `deserialize(serialize(x)) == x` for a value that deserialized from `$text`; evaluates to
/// the value.
macro_rules! round_trip {
    ($text:expr, $ty:ty) => {{
        match serde_json::from_str::<$ty>($text) {
            Ok(x) => {
                let json = serde_json::to_string(&x).expect("a deserialized value serializes");
                let back: $ty = serde_json::from_str(&json)
                    .unwrap_or_else(|e| panic!("its own output {json} does not read back: {e}"));
                assert_eq!(back, x, "{json}");
                Some(x)
            }
            Err(_) => None,
        }
    }};
    // The LAN documents generic over a `Flavor`: invariant in their lifetime, so the value read
    // back from the output is compared with a second read of `$text` at the output's lifetime.
    ($text:expr, $ty:ty, invariant) => {{
        if let Ok(x) = serde_json::from_str::<$ty>($text) {
            let json = serde_json::to_string(&x).expect("a deserialized value serializes");
            let back: $ty = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("its own output {json} does not read back: {e}"));
            let again: $ty = serde_json::from_str($text).expect("read once already");
            assert_eq!(back, again, "{json}");
        }
    }};
    // Types without `PartialEq`: the text of the re-read value equals the first serialization.
    ($text:expr, $ty:ty, text) => {{
        if let Ok(x) = serde_json::from_str::<$ty>($text) {
            let json = serde_json::to_string(&x).expect("a deserialized value serializes");
            let back: $ty = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("its own output {json} does not read back: {e}"));
            assert_eq!(serde_json::to_string(&back).expect("serializes"), json);
        }
    }};
}

/// Fixed instants to run deserialized expressions against (a leap day, the range's ends).
fn instants() -> [CivilTime; 3] {
    [
        CivilTime::new(2024, 2, 29, 23, 59, 59).expect("valid"),
        CivilTime::new(1970, 1, 1, 0, 0, 0).expect("valid"),
        CivilTime::new(9999, 12, 31, 23, 59, 58).expect("valid"),
    ]
}

fn use_exp(exp: &TimeExp, t: CivilTime, anchor: CivilTime) {
    let text = exp.to_string();
    assert_eq!(TimeExp::parse(&text), Ok(*exp), "{text}");
    assert_eq!(
        serde_json::to_string(exp).expect("serializes"),
        format!("{text:?}")
    );
    let next = exp.next_after(t, anchor);
    if let Some(n) = next {
        assert!(n > t, "{text}: {n} after {t}");
    }
    assert_eq!(exp.firings(t, anchor).next(), next);
}

fn use_civil(t: &CivilTime) {
    let again = CivilTime::new(
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
    );
    assert_eq!(again, Ok(*t));
    let secs = t.seconds_since_epoch();
    assert_eq!(CivilTime::from_seconds_since_epoch(secs), Some(*t));
    let _ = (t.succ(), t.weekday(), t.to_string());
    let every_day: TimeExp = "0_0_0_*_*_*_*".parse().expect("valid");
    let _ = every_day.next_after(*t, *t);
}

fn timer(selector: u8, text: &str) {
    let [t0, t1, t2] = instants();
    match selector {
        0 => {
            if let Some(exp) = round_trip!(text, TimeExp) {
                for (t, anchor) in [(t0, t1), (t1, t0), (t2, t0), (t0, t0)] {
                    use_exp(&exp, t, anchor);
                }
            }
        }
        1 => {
            if let Some(t) = round_trip!(text, CivilTime) {
                use_civil(&t);
            }
        }
        // An expression, a time and an anchor together: `["0_1_22_*_*_*_*", {…}, {…}]`.
        2 => {
            if let Some((exp, t, anchor)) = round_trip!(text, (TimeExp, CivilTime, CivilTime)) {
                use_exp(&exp, t, anchor);
            }
        }
        3 => {
            if let Some(f) = round_trip!(text, FieldSpec) {
                assert_eq!(f.to_string().parse::<FieldSpec>(), Ok(f));
                if let FieldSpec::Values(set) = f {
                    assert_ne!(set.bits(), 0, "an empty list deserialized");
                }
            }
        }
        4 => {
            if let Some(y) = round_trip!(text, YearSpec) {
                assert_eq!(y.to_string().parse::<YearSpec>(), Ok(y));
            }
        }
        5 => {
            if let Some(set) = round_trip!(text, YearSet) {
                let years = set.as_slice();
                assert!(!years.is_empty() && years.len() <= joylink_timer::MAX_YEARS);
                assert!(years.windows(2).all(|w| w[0] < w[1]), "{years:?}");
                assert!(years.iter().all(|y| (1970..=9999).contains(y)), "{years:?}");
            }
        }
        6 => {
            if let Some(set) = round_trip!(text, ValueSet) {
                let _ = (set.iter().count(), set.first_from(0));
            }
        }
        _ => {}
    }
}

/// joylink-wire's serde types as they are today (feature `json`).
fn wire(selector: u8, text: &str) {
    match selector {
        0 => drop(round_trip!(text, joylink_wire::Header)),
        1 => drop(round_trip!(text, joylink_wire::Magic)),
        2 => drop(round_trip!(text, joylink_wire::Direction)),
        3 => drop(round_trip!(text, joylink_wire::CrcPolicy)),
        4 => drop(round_trip!(text, joylink_wire::PacketType)),
        5 => drop(round_trip!(text, joylink_wire::EncType)),
        6 => drop(round_trip!(text, joylink_wire::BizCode)),
        7 => drop(round_trip!(text, joylink_wire::ResponseCode)),
        8 => drop(round_trip!(text, joylink_wire::HardwareError)),
        9 => drop(round_trip!(text, wan::Heartbeat)),
        10 => drop(round_trip!(text, wan::CodeResponse)),
        11 => drop(round_trip!(text, wan::AuthRequest)),
        12 => drop(round_trip!(text, wan::AuthResponseOpt)),
        13 => drop(round_trip!(text, wan::TaskReportResponse)),
        14 => drop(round_trip!(text, wan::ControlType)),
        15 => drop(round_trip!(text, wan::OtaStatus)),
        16 => drop(round_trip!(text, wan::SubDevOnline)),
        17 => drop(round_trip!(text, wan::VideoResult)),
        18 => drop(round_trip!(text, wan::TaskReportDoc<'_>)),
        19 => drop(round_trip!(text, wan::OtaOrder<'_>)),
        20 => drop(round_trip!(text, wan::OtaOrderResponse<'_>)),
        21 => drop(round_trip!(text, wan::OtaStatusReport<'_>)),
        22 => drop(round_trip!(text, wan::OtaStatusResponse<'_>)),
        23 => drop(round_trip!(text, wan::InfoRequestDoc<'_>)),
        24 => drop(round_trip!(text, wan::InfoResponseDoc<'_>)),
        25 => drop(round_trip!(text, wan::VideoControl<'_>)),
        26 => round_trip!(text, wan::VideoResponse<'_>, text),
        27 => drop(round_trip!(text, wan::PushStream<'_>)),
        28 => drop(round_trip!(text, wan::VideoDevice<'_>)),
        29 => round_trip!(text, wan::VideoCommand<'_>, text),
        30 => drop(round_trip!(text, lan::FeedId<'_>)),
        31 => round_trip!(text, lan::ScanRequest<'_>, invariant),
        32 => round_trip!(text, lan::ScanResponse<'_>, invariant),
        33 => round_trip!(text, lan::WriteKeyRequest<'_>, invariant),
        34 => round_trip!(text, lan::WriteKeyResponse<'_>, invariant),
        35 => round_trip!(text, lan::AddSubDevRequest<'_>, invariant),
        36 => round_trip!(text, lan::SubDevResponse<'_>, invariant),
        37 => round_trip!(text, lan::SubDevAuthRequest<'_>, invariant),
        38 => drop(round_trip!(text, lan::JsonControlRequest<'_>)),
        39 => drop(round_trip!(text, lan::JsonControlResponse<'_>)),
        40 => drop(round_trip!(text, lan::ControlData<'_>)),
        41 => drop(round_trip!(text, lan::Stream<'_>)),
        42 => drop(round_trip!(text, lan::StreamValue<'_>)),
        43 => drop(round_trip!(text, lan::JsonNumber<'_>)),
        44 => drop(round_trip!(text, lan::RawJson<'_>)),
        45 => drop(round_trip!(text, lan::DevType)),
        46 => drop(round_trip!(text, lan::LanControl)),
        47 => drop(round_trip!(text, lan::ScanStatus)),
        48 => drop(round_trip!(text, lan::SubDevProtocol)),
        49 => drop(round_trip!(text, lan::SubDevAuthState)),
        50 => drop(round_trip!(text, lan::TranType)),
        51 => round_trip!(text, lan::DeviceIdentity<'_>, invariant),
        52 => round_trip!(text, lan::SubDevice<'_>, invariant),
        53 => drop(round_trip!(text, lan::DebugInfo)),
        _ => {}
    }
}

/// A cloud session as a node persists it (joylink-session's `wan::Cloud`, feature `serde`): what
/// reads back serializes to the same text, and the machine can be driven without a panic.
fn session(text: &str) {
    use joylink_session::Instant;
    use joylink_session::wan::Cloud;
    if let Ok(mut cloud) = serde_json::from_str::<Cloud>(text) {
        let json = serde_json::to_string(&cloud).expect("a deserialized cloud serializes");
        let back: Cloud = serde_json::from_str(&json)
            .unwrap_or_else(|e| panic!("its own output {json} does not read back: {e}"));
        assert_eq!(serde_json::to_string(&back).expect("serializes"), json);
        let _ = (cloud.state(), cloud.poll_timeout());
        cloud.handle_timeout(Instant(u64::MAX / 2));
        let _ = (cloud.state(), cloud.poll_timeout());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    // 0x7F: joylink-session's persisted cloud; otherwise bit 7 picks the crate, the low bits the type.
    if selector == 0x7F {
        session(text);
    } else if selector & 0x80 == 0 {
        timer(selector % 8, text);
    } else {
        wire(selector & 0x3F, text);
    }
});
