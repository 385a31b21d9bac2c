//! An APP-side scan: a reply whose `devkey` is empty (what modules send before activation) or is
//! not a valid public key still opens as the device's answer, with the key marked absent.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::borrow::Cow;

use joylink::lan::{LanKeys, open, seal_vec};
use joylink_crypto::KeyPair;
use joylink_test_vectors::TestRng;
use joylink_wire::lan::{DevType, LanControl, Message, ScanResponse, TranType};
use joylink_wire::{CrcPolicy, Direction};

fn reply(devkey: &str) -> ScanResponse<'_> {
    ScanResponse {
        code: None,
        msg: None,
        devkey: Some(Cow::Borrowed(devkey)),
        mac: Cow::Borrowed("EA2D9AB01132"),
        productuuid: Cow::Borrowed("5708AB"),
        feed_id: Some(Cow::Borrowed("")),
        lancon: Some(LanControl::Enabled),
        trantype: Some(TranType::Lua),
        devtype: Some(DevType::Normal),
        cid: Some(Cow::Borrowed("")),
        firmware_version: Some(Cow::Borrowed("")),
        model_code: Some(Cow::Borrowed("")),
        joy_sdk_version: None,
        no_snapshot: None,
        no_snap_short: None,
        batch_bind: None,
        dbg: None,
        opt: None,
        d_idt: None,
        subdev: None,
    }
}

#[test]
fn scan_reply_without_a_usable_devkey_still_opens() {
    let pair = KeyPair::generate(&mut TestRng(7));
    let good = pair.public_key().to_devkey();
    // 42 hex characters, but X = 2^160 - 1 is not a field element of secp160r1.
    let off_curve = format!("02{}", "ff".repeat(20));
    for (devkey, usable) in [
        (good.as_str(), true),
        ("", false),
        ("02c00e0a9b", false),
        ("not hex at all, but forty-two characters!!", false),
        (off_curve.as_str(), false),
    ] {
        let mut p = seal_vec(&Message::ScanResponse(reply(devkey)), &LanKeys::default()).unwrap();
        let got = open(
            &mut p,
            &LanKeys::default(),
            Direction::FromDevice,
            CrcPolicy::Verify,
        )
        .unwrap_or_else(|e| panic!("{devkey:?}: {e}"));
        let Message::ScanResponse(r) = &got.message else {
            panic!("{devkey:?}: {:?}", got.message)
        };
        assert_eq!(r.mac, "EA2D9AB01132", "{devkey:?}");
        assert_eq!(r.devkey.as_deref(), Some(devkey));
        assert_eq!(got.peer_key.is_some(), usable, "{devkey:?}");
        if usable {
            assert_eq!(got.peer_key.as_ref(), Some(pair.public_key()));
        }
    }
}
