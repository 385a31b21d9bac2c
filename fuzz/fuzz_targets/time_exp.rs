//! Arbitrary bytes through the `time_exp` parser (strict and lenient): no panic; a parsed
//! expression displays as canonical text that parses back to itself, and `next_after` from a
//! fixed instant returns a strictly later time that the iterator agrees with.
#![no_main]

use joylink_timer::{CivilTime, Strictness, TimeExp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        if let Ok(exp) = TimeExp::parse_bytes_with(data, strictness) {
            let text = exp.to_string();
            assert_eq!(TimeExp::parse(&text), Ok(exp));
            let t = CivilTime::new(2024, 2, 29, 23, 59, 59).expect("valid date");
            let anchor = CivilTime::new(2023, 7, 1, 12, 30, 15).expect("valid date");
            if let Some(next) = exp.next_after(t, anchor) {
                assert!(next > t);
                assert_eq!(exp.firings(t, anchor).next(), Some(next));
            }
        }
    }
});
