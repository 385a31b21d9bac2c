//! Criterion benches for the JoyLink crates live in `benches/`; run them with
//! `cargo bench -p joylink-benches`. This library only exists so the package has a target.
