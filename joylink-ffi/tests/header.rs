//! The header's promises: every function's comment says what it returns (and so what an error
//! leaves behind), and the header is C89 text (no `//` comment, no comma after an enum's last
//! enumerator). `ci.sh` also compiles it as C89, C99, C++98 and C++17.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

fn header() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/joylink.h")).unwrap()
}

#[test]
fn every_function_documents_its_returns() {
    let h = header();
    let lines: Vec<&str> = h.lines().collect();
    let mut checked = 0;
    for (i, l) in lines.iter().enumerate() {
        let Some(name) = l
            .split_once(" jl_")
            .filter(|_| !l.starts_with(' ') && !l.starts_with('#') && l.contains('('))
            .map(|(_, rest)| rest.split('(').next().unwrap())
        else {
            continue;
        };
        assert_eq!(lines[i - 1].trim(), "*/", "jl_{name} has no comment");
        let start = lines[..i]
            .iter()
            .rposition(|l| l.starts_with("/*"))
            .unwrap();
        let doc = lines[start..i].join(" ");
        assert!(
            doc.contains("Returns") || doc.contains("Never fails"),
            "jl_{name}: the comment does not say what it returns"
        );
        let end = i + lines[i..].iter().position(|l| l.contains(");")).unwrap();
        if lines[i..=end].iter().any(|l| l.contains("*out_len")) {
            assert!(
                doc.contains("out_len"),
                "jl_{name}: the comment does not say what `*out_len` holds"
            );
        }
        checked += 1;
    }
    assert!(checked >= 73, "only {checked} declarations found");
}

#[test]
fn header_is_c89_text() {
    let h = header();
    assert!(!h.contains("//"), "a `//` comment (C99) in joylink.h");
    let compact: String = h.split_whitespace().collect();
    assert!(
        !compact.contains(",}"),
        "a trailing comma before `}}` in joylink.h"
    );
}
