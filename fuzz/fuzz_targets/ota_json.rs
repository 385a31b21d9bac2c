//! Arbitrary bytes through the OTA JSON documents (types 7/8) and the version-name parse:
//! nothing may panic, and whatever parses re-serializes to something that parses to the same
//! value.
#![no_main]

use joylink_wire::wan::{
    OtaOrder, OtaOrderResponse, OtaStatusReport, OtaStatusResponse, VersionName, firmware_crc32,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(o) = OtaOrder::parse(data) {
        let again = o.to_vec().expect("serializes");
        assert_eq!(OtaOrder::parse(&again).expect("reparses"), o);
        if let Ok(v) = VersionName::parse(&o.data.version_name) {
            assert_eq!(VersionName::parse(&v.to_string()), Ok(v));
        }
    }
    if let Ok(o) = OtaOrderResponse::parse(data) {
        let again = o.to_vec().expect("serializes");
        assert_eq!(OtaOrderResponse::parse(&again).expect("reparses"), o);
    }
    if let Ok(o) = OtaStatusReport::parse(data) {
        let again = o.to_vec().expect("serializes");
        assert_eq!(OtaStatusReport::parse(&again).expect("reparses"), o);
    }
    let _ = OtaStatusResponse::parse(data);
    if let Ok(s) = core::str::from_utf8(data) {
        if let Ok(v) = VersionName::parse(s) {
            assert_eq!(VersionName::parse(&v.to_string()), Ok(v));
        }
    }
    let _ = firmware_crc32(data);
});
