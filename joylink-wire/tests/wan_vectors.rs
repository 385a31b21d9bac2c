//! Every WAN vector of JD's C SDK (`vectors/wan_packets.json`, read at run time): the plaintext
//! decodes to the vector's fields through the single entry point and re-encodes byte for byte;
//! the auth opt sections likewise. (Decryption of the packets is tested in the facade crate.)
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_possible_truncation
)]

use joylink_test_vectors::{Value, hex_field, u64_field, vectors};
use joylink_wire::wan::{AuthRequestOpt, AuthResponseOpt, SubDevOnline, WanMessage};
#[cfg(feature = "json")]
use joylink_wire::wan::{OtaOrder, OtaOrderResponse, OtaStatus, OtaStatusReport};
use joylink_wire::{BizCode, CrcPolicy, Direction, PacketType, ResponseCode, parse};

fn direction(v: &Value) -> Direction {
    match v["direction"].as_str().unwrap() {
        "device_to_cloud" => Direction::FromDevice,
        "cloud_to_device" => Direction::ToDevice,
        other => panic!("unexpected direction {other}"),
    }
}

fn num(v: &Value) -> u64 {
    u64_field(v)
}

fn text32(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.resize(32, 0);
    v
}

#[test]
fn every_wan_vector_decodes_to_its_fields_and_reencodes() {
    let list = vectors("wan_packets.json");
    assert_eq!(list.len(), 26);
    let mut seen = std::collections::BTreeSet::new();
    for v in &list {
        let id = v["id"].as_str().unwrap();
        let packet = hex_field(&v["packet"]);
        let d = parse(&packet, CrcPolicy::Verify).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(d.opt, hex_field(&v["opt"]).as_slice(), "{id} opt");
        let ty = d.header.packet_type;
        let dir = direction(v);
        let plaintext = hex_field(&v["plaintext"]);
        let msg = WanMessage::parse(ty, &plaintext, dir).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(msg.packet_type(), ty, "{id}");
        assert_eq!(msg.direction(), dir, "{id}");
        // Re-encode byte for byte.
        let mut out = vec![0xa5; msg.buffer_len().unwrap()];
        assert_eq!(msg.emit(&mut out), Ok(plaintext.len()), "{id}");
        assert_eq!(out, plaintext, "{id} re-encoding");

        let time = |k: &str| num(&v[k]) as u32;
        match msg {
            WanMessage::AuthRequest(a) => {
                assert_eq!(a.timestamp, time("device_time"), "{id}");
                assert_eq!(u64::from(a.random), num(&v["random"]), "{id}");
                let opt = AuthRequestOpt::parse(d.opt).unwrap();
                assert_eq!(
                    opt.feed_id_str().unwrap(),
                    v["feedid"].as_str().unwrap(),
                    "{id}"
                );
                assert_eq!(a.check_opt(&opt), Ok(()), "{id}");
                let mut o = vec![0; opt.buffer_len()];
                opt.emit(&mut o).unwrap();
                assert_eq!(o, d.opt, "{id} opt re-encoding");
            }
            WanMessage::AuthResponse(a) => {
                assert_eq!(a.timestamp, time("server_time"), "{id}");
                assert_eq!(u64::from(a.random), num(&v["random"]), "{id}");
                assert_eq!(
                    a.session_key.raw_secret_bytes().to_vec(),
                    hex_field(&v["session_key"]),
                    "{id}"
                );
                let opt = AuthResponseOpt::parse(d.opt).unwrap();
                assert_eq!(a.check_opt(&opt), Ok(()), "{id}");
                let mut o = [0; 4];
                opt.emit(&mut o).unwrap();
                assert_eq!(o.as_slice(), d.opt, "{id}");
            }
            WanMessage::Heartbeat(h) => {
                assert_eq!(h.timestamp, time("device_time"));
                assert_eq!(u64::from(h.version), num(&v["version"]));
                assert_eq!(u64::from(h.rssi), num(&v["rssi"]));
                assert_eq!(h.rssi, 1, "compat §7.2, rssi is always 1");
            }
            WanMessage::HeartbeatResponse(c) => {
                assert_eq!(c.timestamp, time("server_time"));
                assert_eq!(i64::from(i32::from(c.code)), num(&v["code"]) as i64);
                assert_eq!(c.code, ResponseCode::Success);
            }
            WanMessage::Upload(u) => {
                assert_eq!(u.timestamp, time("device_time"), "{id}");
                assert_eq!(u.text().unwrap(), v["snapshot"].as_str().unwrap(), "{id}");
            }
            WanMessage::Control(c) => {
                assert_eq!(c.timestamp, time("server_time"), "{id}");
                assert_eq!(
                    u64::from(u32::from(c.biz_code)),
                    num(&v["biz_code"]),
                    "{id}"
                );
                assert!(
                    matches!(c.biz_code, BizCode::Control | BizCode::Snapshot),
                    "{id}"
                );
                assert_eq!(u64::from(c.serial), num(&v["serial"]), "{id}");
                assert_eq!(c.data, hex_field(&v["cmd"]).as_slice(), "{id}");
            }
            WanMessage::ControlResponse(c) => {
                assert_eq!(c.timestamp, time("device_time"), "{id}");
                assert_eq!(
                    u64::from(u32::from(c.biz_code)),
                    num(&v["biz_code"]),
                    "{id}"
                );
                assert!(c.biz_code.is_response(), "{id}");
                assert_eq!(u64::from(c.serial), num(&v["serial"]), "{id}");
                assert_eq!(c.data, v["snapshot"].as_str().unwrap().as_bytes(), "{id}");
            }
            WanMessage::SubDevHeartbeat(h) => {
                assert_eq!(h.timestamp, time("device_time"));
                assert_eq!(u64::from(h.version), num(&v["version"]));
                assert_eq!(h.rssi, 0, "compat §7.5");
                let subs = v["sub_devices"].as_array().unwrap();
                assert_eq!(h.devices.len(), subs.len());
                assert_eq!(plaintext.len(), 10 + 37 * subs.len(), "packed layout");
                for (d, s) in h.devices.iter().zip(subs) {
                    assert_eq!(d.feed_id.to_str().unwrap(), s["feedid"].as_str().unwrap());
                    assert_eq!(d.feed_id.raw(), text32(s["feedid"].as_str().unwrap()));
                    assert_eq!(u64::from(d.version), num(&s["version"]));
                    assert_eq!(u64::from(u8::from(d.state)), num(&s["state"]));
                    assert_eq!(d.rssi, 0);
                }
            }
            WanMessage::SubDevUpload(u) => {
                assert_eq!(u.timestamp, time("device_time"), "{id}");
                assert_eq!(
                    u.feed_id.to_str().unwrap(),
                    v["sub_feedid"].as_str().unwrap(),
                    "{id}"
                );
                assert_eq!(u.data, hex_field(&v["inner_ciphertext"]).as_slice(), "{id}");
            }
            WanMessage::SubDevControl(c) | WanMessage::SubDevControlResponse(c) => {
                let t = if dir == Direction::ToDevice {
                    "server_time"
                } else {
                    "device_time"
                };
                assert_eq!(c.timestamp, time(t), "{id}");
                assert_eq!(
                    u64::from(u32::from(c.biz_code)),
                    num(&v["biz_code"]),
                    "{id}"
                );
                assert_eq!(u64::from(c.serial), num(&v["serial"]), "{id}");
                assert_eq!(
                    c.feed_id.to_str().unwrap(),
                    v["sub_feedid"].as_str().unwrap(),
                    "{id}"
                );
                assert_eq!(c.data, hex_field(&v["inner_ciphertext"]).as_slice(), "{id}");
            }
            WanMessage::SubDevUnbind(u) => {
                assert_eq!(u.timestamp, time("server_time"));
                assert_eq!(u.biz_code, BizCode::Unbind);
                assert_eq!(u64::from(u.serial), num(&v["serial"]));
                assert_eq!(u.devices.len(), 2);
                assert_eq!(plaintext.len(), 14 + 37 * 2, "packed layout");
                // The SDK's answer (the next vector) is what emit_answer writes.
                let next = list
                    .iter()
                    .find(|n| n["in_reply_to"] == v["packet"])
                    .unwrap();
                let expected = hex_field(&next["plaintext"]);
                let mut out = vec![0; expected.len()];
                u.emit_answer(num(&next["device_time"]) as u32, &mut out)
                    .unwrap();
                assert_eq!(out, expected, "{id} answer as the SDK builds it");
            }
            WanMessage::SubDevUnbindResponse(u) => {
                assert_eq!(u.timestamp, time("device_time"));
                assert_eq!(u.biz_code, BizCode::UnbindResponse);
                assert!(u.devices.iter().all(|d| d.state == SubDevOnline::Unbound));
            }
            WanMessage::OtaOrder(o) => {
                assert_eq!(o.timestamp, time("server_time"));
                assert_eq!(o.text().unwrap(), v["plaintext_text"].as_str().unwrap());
                #[cfg(feature = "json")]
                {
                    let order = OtaOrder::parse(o.body).unwrap();
                    assert_eq!(order.serial, 34660);
                    assert_eq!(order.cmd, None);
                    assert_eq!(order.data.feed_id, "9553204650184286");
                    assert_eq!(order.data.product_uuid, "366D57");
                    assert_eq!(order.data.version, 25);
                    assert_eq!(order.data.version_name, "v9.8");
                    assert_eq!(order.data.crc32, 1_481_697_514);
                    assert_eq!(order.data.url, "http://ota.example.com/be2e9306.bin");
                    assert_eq!(order.to_vec().unwrap(), o.body, "{id} json re-encoding");
                }
            }
            WanMessage::OtaOrderResponse(o) => {
                assert_eq!(o.timestamp, time("device_time"));
                #[cfg(feature = "json")]
                {
                    let ack = OtaOrderResponse::parse(o.body).unwrap();
                    assert_eq!(
                        (ack.code, ack.serial, ack.msg.as_ref()),
                        (0, 34660, "success")
                    );
                    assert_eq!(ack.to_vec().unwrap(), o.body, "{id} json re-encoding");
                }
            }
            WanMessage::OtaStatus(o) => {
                assert_eq!(o.timestamp, time("device_time"));
                #[cfg(feature = "json")]
                {
                    let s = &v["ota_status"];
                    let r = OtaStatusReport::parse(o.body).unwrap();
                    assert_eq!(r.cmd, "otastat");
                    assert_eq!(r.data.feed_id, s["ota_feedid"].as_str().unwrap());
                    assert_eq!(r.data.product_uuid, s["ota_uuid"].as_str().unwrap());
                    assert_eq!(r.data.status, OtaStatus::Install);
                    assert_eq!(r.data.status_desc, s["ota_status_desc"].as_str().unwrap());
                    assert_eq!(i64::from(r.data.progress), num(&s["ota_progress"]) as i64);
                    // A device sends this document in cJSON_Print's layout (compat §6.1):
                    // re-encoding in that style gives the SDK's very bytes.
                    assert_eq!(
                        r.to_vec_styled(joylink_wire::lan::Style::Cjson).unwrap(),
                        o.body,
                        "{id} cJSON re-encoding"
                    );
                }
            }
            other => panic!("{id}: unexpected {other:?}"),
        }
        seen.insert(u8::from(ty));
    }
    // Every WAN type the SDK produces is covered.
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [7, 8, 9, 10, 11, 12, 110, 111, 112, 113]
    );
    let _ = PacketType::Auth;
}
