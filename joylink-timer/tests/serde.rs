//! Deserializing never yields a value the constructors would refuse (issue 13, "no panics on any
//! input"): every validated type goes through its parser or constructor, a `TimeExp` is its
//! canonical text, and every accepted value survives `next_after`, `Display` and a round trip.
#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use joylink_timer::{CivilTime, FieldSpec, TimeExp, YearSet, YearSpec};
use serde::de::DeserializeOwned;

fn de<T: DeserializeOwned>(json: &str) -> Result<T, serde_json::Error> {
    serde_json::from_str(json)
}

/// Every value that deserializes can be used: `next_after` returns (no panic) and the value
/// round-trips through its serialized form.
fn usable(exp: &TimeExp) {
    let t = CivilTime::new(2024, 2, 29, 23, 59, 59).unwrap();
    let _ = exp.next_after(t, t);
    let text = serde_json::to_string(exp).unwrap();
    assert_eq!(de::<TimeExp>(&text).unwrap(), *exp);
}

#[test]
fn every_zero_is_refused_everywhere() {
    // The shape the derived impls accepted: `next_after` then divided by zero.
    let derived = r#"{"fields":["Any","Any","Any","Any","Any","Any"],"year":{"Every":0}}"#;
    if let Ok(exp) = de::<TimeExp>(derived) {
        usable(&exp);
        panic!("accepted {derived}");
    }
    let derived = r#"{"fields":[{"Every":0},"Any","Any","Any","Any","Any"],"year":"Any"}"#;
    assert!(de::<TimeExp>(derived).is_err());
    assert!(de::<YearSpec>(r#"{"Every":0}"#).is_err());
    assert!(de::<FieldSpec>(r#"{"Every":0}"#).is_err());
    assert!(de::<YearSpec>(r#""/0""#).is_err());
    assert!(de::<FieldSpec>(r#""/0""#).is_err());
    let e = de::<TimeExp>(r#""*_*_*_*_*_*_/0""#).unwrap_err();
    assert!(e.to_string().contains("step /0"), "{e}");
}

#[test]
fn time_exp_is_its_canonical_text() {
    let exp: TimeExp = "05_3,1_22_*_*_1,3,5_2030,2025".parse().unwrap();
    let json = serde_json::to_string(&exp).unwrap();
    assert_eq!(json, r#""5_1,3_22_*_*_1,3,5_2025,2030""#);
    assert_eq!(de::<TimeExp>(&json).unwrap(), exp);
    // Non-canonical text is accepted like `parse` accepts it; the strict reading applies.
    assert_eq!(
        de::<TimeExp>(r#""05_3,1_22_*_*_1,3,5_2030,2025""#).unwrap(),
        exp
    );
    assert!(de::<TimeExp>(r#""0_1_22__11,15_*_*_*""#).is_err());
    let e = de::<TimeExp>(r#""0_1_24_*_*_*_*""#).unwrap_err();
    assert!(e.to_string().contains("hour"), "{e}");
    assert!(de::<TimeExp>("17").is_err());
    usable(&exp);
}

#[test]
fn out_of_range_fields_are_refused() {
    // Values the parser refuses (second 60, month 13) in the shape the derived impls read.
    let sixty = 1u64 << 60;
    let derived = format!(
        r#"{{"fields":[{{"Values":{sixty}}},"Any","Any","Any","Any","Any"],"year":"Any"}}"#
    );
    assert!(de::<TimeExp>(&derived).is_err());
    assert!(de::<FieldSpec>(r#""64""#).is_err());
    assert!(de::<FieldSpec>(r#""""#).is_err());
    assert!(de::<FieldSpec>(r#""1,,2""#).is_err());
}

#[test]
fn field_and_year_specs_are_text() {
    for text in ["*", "/2", "1,3,5", "0", "63", "/65535"] {
        let spec: FieldSpec = de(&format!("{text:?}")).unwrap();
        assert_eq!(spec.to_string(), text);
        assert_eq!(serde_json::to_string(&spec).unwrap(), format!("{text:?}"));
    }
    for text in ["*", "/400", "1970,9999"] {
        let spec: YearSpec = de(&format!("{text:?}")).unwrap();
        assert_eq!(serde_json::to_string(&spec).unwrap(), format!("{text:?}"));
    }
    assert!(de::<YearSpec>(r#""1969""#).is_err());
    assert!(de::<YearSpec>(r#""/401""#).is_err());
}

#[test]
fn year_set_keeps_its_invariant() {
    // The derived shape let `len` and the order be anything.
    assert!(de::<YearSet>(r#"{"years":[2030,2025,0,0,0,0,0,0],"len":200}"#).is_err());
    assert!(de::<YearSet>(r#"{"years":[2030,2025,0,0,0,0,0,0],"len":2}"#).is_err());
    let set: YearSet = de(r#""2030,2025,2030""#).unwrap();
    assert_eq!(set.as_slice(), [2025, 2030]);
    assert_eq!(serde_json::to_string(&set).unwrap(), r#""2025,2030""#);
    assert!(de::<YearSet>(r#""""#).is_err());
    assert!(de::<YearSet>(r#""*""#).is_err());
    assert!(de::<YearSet>(r#""1,2,3""#).is_err());
    assert!(de::<YearSet>(r#""2001,2002,2003,2004,2005,2006,2007,2008,2009""#).is_err());
}

#[test]
fn civil_time_is_validated() {
    let bad = r#"{"year":2024,"month":200,"day":1,"hour":99,"minute":0,"second":0}"#;
    assert!(de::<CivilTime>(bad).is_err());
    let feb30 = r#"{"year":2023,"month":2,"day":29,"hour":0,"minute":0,"second":0}"#;
    let e = de::<CivilTime>(feb30).unwrap_err();
    assert!(e.to_string().contains("day"), "{e}");
    assert!(
        de::<CivilTime>(r#"{"year":1969,"month":1,"day":1,"hour":0,"minute":0,"second":0}"#)
            .is_err()
    );
    let t = CivilTime::new(2024, 2, 29, 23, 59, 59).unwrap();
    let json = serde_json::to_string(&t).unwrap();
    assert_eq!(
        json,
        r#"{"year":2024,"month":2,"day":29,"hour":23,"minute":59,"second":59}"#
    );
    assert_eq!(de::<CivilTime>(&json).unwrap(), t);
}
