//! `next_after` against a brute-force reference written independently from the module docs'
//! reading (AND of all fields, `/N` from the anchor, pinning of finer `*` fields, strictly after
//! the anchor for interval expressions).
#![allow(
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use joylink_timer::{CivilTime, FieldSpec, Strictness, TimeExp, YearSpec};
use proptest::prelude::*;

fn t(y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) -> CivilTime {
    CivilTime::new(y, mo, d, h, mi, s).unwrap()
}

fn ok(spec: FieldSpec, v: u8, abs: i64, anchor_abs: i64) -> bool {
    match spec {
        FieldSpec::Any => true,
        FieldSpec::Values(set) => set.contains(v),
        FieldSpec::Every(n) => (abs - anchor_abs).rem_euclid(i64::from(n.get())) == 0,
    }
}

/// The reference: does `e` fire at `x` (anchor `a`)?
fn fires(e: &TimeExp, x: CivilTime, a: CivilTime) -> bool {
    let every = |s: FieldSpec| matches!(s, FieldSpec::Every(_));
    // Finest interval: 0 sec, 1 min, 2 hour, 3 day/week, 4 month, 5 year, 6 none.
    let finest = if every(e.second()) {
        0
    } else if every(e.minute()) {
        1
    } else if every(e.hour()) {
        2
    } else if every(e.day()) || every(e.week()) {
        3
    } else if every(e.month()) {
        4
    } else if matches!(e.year(), YearSpec::Every(_)) {
        5
    } else {
        6
    };
    if finest < 6 && x <= a {
        return false;
    }
    let pinned = |spec: FieldSpec, rank: u8, xv: u8, av: u8| {
        if finest < 6 && rank < finest && spec == FieldSpec::Any {
            xv == av
        } else {
            true
        }
    };
    let xs = x.seconds_since_epoch();
    let as_ = a.seconds_since_epoch();
    let (xd, ad) = (x.days_since_epoch(), a.days_since_epoch());
    let months = |c: CivilTime| i64::from(c.year()) * 12 + i64::from(c.month());
    let year_ok = match e.year() {
        YearSpec::Any => true,
        YearSpec::Values(set) => set.as_slice().contains(&x.year()),
        YearSpec::Every(n) => (i64::from(x.year()) - i64::from(a.year())) % i64::from(n.get()) == 0,
    };
    let week_ok = match e.week() {
        FieldSpec::Any => true,
        FieldSpec::Values(set) => set.contains(x.weekday()),
        FieldSpec::Every(n) => (xd - ad).rem_euclid(7 * i64::from(n.get())) == 0,
    };
    let day_pin =
        if (4..6).contains(&finest) && e.day() == FieldSpec::Any && e.week() == FieldSpec::Any {
            x.day() == a.day()
        } else {
            true
        };
    year_ok
        && week_ok
        && day_pin
        && ok(e.second(), x.second(), xs, as_)
        && ok(
            e.minute(),
            x.minute(),
            xs.div_euclid(60),
            as_.div_euclid(60),
        )
        && ok(
            e.hour(),
            x.hour(),
            xs.div_euclid(3600),
            as_.div_euclid(3600),
        )
        && ok(e.day(), x.day(), xd, ad)
        && ok(e.month(), x.month(), months(x), months(a))
        && pinned(e.second(), 0, x.second(), a.second())
        && pinned(e.minute(), 1, x.minute(), a.minute())
        && pinned(e.hour(), 2, x.hour(), a.hour())
        && pinned(e.month(), 4, x.month(), a.month())
}

/// First firing in `(from, from + window]` by stepping one second at a time.
fn brute_seconds(e: &TimeExp, from: CivilTime, a: CivilTime, window: i64) -> Option<CivilTime> {
    let s0 = from.seconds_since_epoch();
    (1..=window)
        .filter_map(|d| CivilTime::from_seconds_since_epoch(s0 + d))
        .find(|x| fires(e, *x, a))
}

/// For expressions with one fixed time of day: the first firing after `from` within `days`
/// days, stepping one day at a time.
fn brute_days(
    e: &TimeExp,
    from: CivilTime,
    a: CivilTime,
    days: i64,
    (h, m, s): (u8, u8, u8),
) -> Option<CivilTime> {
    let d0 = from.days_since_epoch();
    (0..=days)
        .filter_map(|d| {
            CivilTime::from_seconds_since_epoch(
                (d0 + d) * 86_400 + i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s),
            )
        })
        .find(|x| *x > from && fires(e, *x, a))
}

fn list(max: u8, min: u8) -> impl Strategy<Value = String> {
    proptest::collection::btree_set(min..=max, 1..4).prop_map(|s| {
        s.into_iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

/// Fields that fire often: a firing every few hours at most.
fn frequent() -> impl Strategy<Value = String> {
    let sec = prop_oneof![
        "\\*".prop_map(String::from),
        list(59, 0),
        (1u8..=60).prop_map(|n| format!("/{n}"))
    ];
    let min = prop_oneof![
        "\\*".prop_map(String::from),
        list(59, 0),
        (1u8..=60).prop_map(|n| format!("/{n}"))
    ];
    let hour = prop_oneof![
        "\\*".prop_map(String::from),
        list(23, 0),
        (1u8..=24).prop_map(|n| format!("/{n}"))
    ];
    let week = prop_oneof![3 => "\\*".prop_map(String::from), 1 => list(6, 0)];
    (sec, min, hour, week).prop_map(|(s, m, h, w)| format!("{s}_{m}_{h}_*_*_{w}_*"))
}

/// Date-level fields with one fixed time of day.
fn rare() -> impl Strategy<Value = (String, (u8, u8, u8))> {
    let day = prop_oneof![
        "\\*".prop_map(String::from),
        list(31, 1),
        (1u8..=31).prop_map(|n| format!("/{n}"))
    ];
    let month = prop_oneof![
        "\\*".prop_map(String::from),
        list(12, 1),
        (1u8..=12).prop_map(|n| format!("/{n}"))
    ];
    let week = prop_oneof![
        "\\*".prop_map(String::from),
        list(6, 0),
        (1u8..=5).prop_map(|n| format!("/{n}"))
    ];
    let year = prop_oneof![
        "\\*".prop_map(String::from),
        proptest::collection::btree_set(2020u16..2034, 1..4).prop_map(|s| s
            .into_iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",")),
        (1u16..=4).prop_map(|n| format!("/{n}"))
    ];
    (day, month, week, year, 0u8..60, 0u8..60, 0u8..24)
        .prop_map(|(d, mo, w, y, s, mi, h)| (format!("{s}_{mi}_{h}_{d}_{mo}_{w}_{y}"), (h, mi, s)))
}

fn civil() -> impl Strategy<Value = CivilTime> {
    // 2020-01-01 ..= 2030-12-31
    (1_577_836_800i64..1_924_991_999).prop_map(|s| CivilTime::from_seconds_since_epoch(s).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn next_after_matches_brute_force_frequent(exp in frequent(), from in civil(), anchor_back in 0i64..200_000) {
        let e = TimeExp::parse(&exp).unwrap();
        let a = CivilTime::from_seconds_since_epoch(from.seconds_since_epoch() - anchor_back).unwrap();
        let window = 2 * 86_400;
        let got = e.next_after(from, a);
        let want = brute_seconds(&e, from, a, window);
        match want {
            Some(w) => prop_assert_eq!(got, Some(w), "{}", exp),
            None => prop_assert!(got.is_none_or(|g| g.seconds_since_epoch() > from.seconds_since_epoch() + window), "{exp}: {got:?}"),
        }
    }

    #[test]
    fn next_after_matches_brute_force_rare((exp, hms) in rare(), from in civil(), anchor_back in 0i64..100_000_000) {
        let e = TimeExp::parse(&exp).unwrap();
        let a = CivilTime::from_seconds_since_epoch(from.seconds_since_epoch() - anchor_back).unwrap();
        let days = 12 * 366;
        let got = e.next_after(from, a);
        let want = brute_days(&e, from, a, days, hms);
        match want {
            Some(w) => prop_assert_eq!(got, Some(w), "{}", exp),
            None => prop_assert!(got.is_none_or(|g| g.days_since_epoch() > from.days_since_epoch() + days), "{exp}: {got:?}"),
        }
    }

    #[test]
    fn firings_strictly_increase_and_all_fire(exp in frequent(), from in civil()) {
        let e = TimeExp::parse(&exp).unwrap();
        let mut prev = from;
        for x in e.firings(from, from).take(30) {
            prop_assert!(x > prev);
            prop_assert!(fires(&e, x, from), "{exp} does not fire at {x}");
            // Nothing fires in between (checked by the next call).
            prop_assert_eq!(e.next_after(prev, from), Some(x));
            prev = x;
        }
    }

    #[test]
    fn display_parse_identity_on_canonical_text((exp, _) in rare(), f in frequent()) {
        for s in [exp, f] {
            let e = TimeExp::parse(&s).unwrap();
            let canonical = e.to_string();
            prop_assert_eq!(TimeExp::parse(&canonical).unwrap(), e);
            prop_assert_eq!(TimeExp::parse(&canonical).unwrap().to_string(), canonical.clone());
            prop_assert_eq!(TimeExp::parse_with(&canonical, Strictness::Lenient).unwrap(), e);
        }
    }

    #[test]
    fn parser_never_panics(s in "[0-9*/,_]{0,40}|\\PC{0,40}") {
        if let Ok(e) = TimeExp::parse(&s) {
            prop_assert_eq!(TimeExp::parse(&e.to_string()).unwrap(), e);
        }
        let _ = TimeExp::parse_with(&s, Strictness::Lenient);
    }
}

#[test]
fn spec_examples_fire_as_the_spec_says() {
    let now = t(2015, 1, 1, 0, 0, 0);
    // 1: once, 2015-02-26 22:01.
    let e1 = TimeExp::parse("0_1_22_26_2_*_2015").unwrap();
    assert_eq!(
        e1.firings(now, now).collect::<Vec<_>>(),
        [t(2015, 2, 26, 22, 1, 0)]
    );
    // 2: Mon/Wed/Fri 22:01. 2015-01-01 was a Thursday.
    let e2 = TimeExp::parse("0_1_22_*_*_1,3,5_*").unwrap();
    let got: Vec<_> = e2.firings(now, now).take(4).collect();
    assert_eq!(
        got,
        [
            t(2015, 1, 2, 22, 1, 0),
            t(2015, 1, 5, 22, 1, 0),
            t(2015, 1, 7, 22, 1, 0),
            t(2015, 1, 9, 22, 1, 0)
        ]
    );
    assert!(got.iter().all(|x| [1, 3, 5].contains(&x.weekday())));
    // 3 (lenient): 11th and 15th at 22:01.
    let e3 = TimeExp::parse_with("0_1_22__11,15_*_*_*", Strictness::Lenient).unwrap();
    let got: Vec<_> = e3.firings(now, now).take(3).collect();
    assert_eq!(
        got,
        [
            t(2015, 1, 11, 22, 1, 0),
            t(2015, 1, 15, 22, 1, 0),
            t(2015, 2, 11, 22, 1, 0)
        ]
    );
    // 4: daily 22:01.
    let e4 = TimeExp::parse("0_1_22_*_*_*_*").unwrap();
    let got: Vec<_> = e4.firings(now, now).take(2).collect();
    assert_eq!(got, [t(2015, 1, 1, 22, 1, 0), t(2015, 1, 2, 22, 1, 0)]);
    // 5: every 2 seconds / minutes / hours / days / years (compat §9's intended five).
    let a = t(2015, 1, 1, 10, 20, 30);
    let cases = [
        ("/2_*_*_*_*_*_*", 2i64),
        ("*_/2_*_*_*_*_*", 120),
        ("*_*_/2_*_*_*_*", 7200),
        ("*_*_*_/2_*_*_*", 2 * 86_400),
    ];
    for (s, step) in cases {
        let e = TimeExp::parse(s).unwrap();
        let got: Vec<_> = e
            .firings(a, a)
            .take(5)
            .map(|x| x.seconds_since_epoch() - a.seconds_since_epoch())
            .collect();
        assert_eq!(got, [step, 2 * step, 3 * step, 4 * step, 5 * step], "{s}");
    }
    let e = TimeExp::parse("*_*_*_*_*_*_/2").unwrap();
    let got: Vec<_> = e.firings(a, a).take(3).collect();
    assert_eq!(
        got,
        [
            t(2017, 1, 1, 10, 20, 30),
            t(2019, 1, 1, 10, 20, 30),
            t(2021, 1, 1, 10, 20, 30)
        ]
    );
    // As printed, example 5 is one garbled string: rejected, strict or lenient.
    let printed = "/2_*_*_*_*_*_*_*_*_*_* *_/_2_*_*_*_*_*_*_*_*_*_* *_*_/_2_*_*_*_*_*_*_*_*_*_* *_*_*_*/_2_*_*_*_*_*_*_*_*_*_* *_*_*_*_*_*_*_*_*_*_*/_2";
    assert!(TimeExp::parse(printed).is_err());
    assert!(TimeExp::parse_with(printed, Strictness::Lenient).is_err());
}

#[test]
fn distance_does_not_matter_two_years_away() {
    let now = t(2025, 6, 1, 0, 0, 0);
    let e = TimeExp::parse("0_0_12_1_6_*_2027").unwrap();
    assert_eq!(e.next_after(now, now), Some(t(2027, 6, 1, 12, 0, 0)));
    // A past fixed year: none.
    assert_eq!(
        TimeExp::parse("0_0_12_1_6_*_2024")
            .unwrap()
            .next_after(now, now),
        None
    );
}
