//! Arbitrary bytes through the binary LAN bodies (type 4 `control`/`control_resp`, type 104 in
//! both reply layouts) and their views: never a panic, and parse → emit → parse keeps every field.
#![no_main]

use joylink_wire::lan::{
    Control, ControlBody, ResponseLayout, SubDevScriptBody, SubDevScriptControl,
    SubDevScriptControlResponse, is_script_response,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = is_script_response(data);
    let v = ControlBody::new_unchecked(data);
    let _ = (v.timestamp(), v.biz_code(), v.serial(), v.data());
    let v = SubDevScriptBody::new_unchecked(data);
    let _ = (
        v.timestamp(),
        v.biz_code(),
        v.serial(),
        v.feed_id().to_str(),
        v.data(),
    );

    if let Ok(c) = Control::parse(data) {
        let mut out = vec![0u8; c.buffer_len()];
        assert_eq!(c.emit(&mut out), Ok(data.len()));
        assert_eq!(out, data);
        // The repr accepts exactly what its view accepts.
        assert!(ControlBody::new_checked(data).is_ok());
    }
    if let Ok(c) = SubDevScriptControl::parse(data) {
        let mut out = vec![0u8; c.buffer_len()];
        assert_eq!(c.emit(&mut out), Ok(data.len()));
        let back = SubDevScriptControl::parse(&out).expect("re-parses");
        assert_eq!(
            (
                back.timestamp,
                back.biz_code,
                back.serial,
                back.feed_id.as_bytes(),
                back.cmd
            ),
            (
                c.timestamp,
                c.biz_code,
                c.serial,
                c.feed_id.as_bytes(),
                c.cmd
            )
        );
    }
    for layout in [ResponseLayout::Spec, ResponseLayout::Shipped] {
        if let Ok(r) = SubDevScriptControlResponse::parse_with(data, layout) {
            assert_eq!(r.resp.len(), data.len() - 44);
        }
    }
});
