//! Arbitrary bytes through `FrameDecoder::feed` in arbitrary chunks: every frame it yields is a
//! well-framed packet, and the frames (and first error) do not depend on the chunking.
#![no_main]

use joylink_wire::{CrcPolicy, Error, FrameDecoder, FrameStatus, Magic, decode};
use libfuzzer_sys::fuzz_target;

fn run(data: &[u8], chunk: usize, max: usize, magic: Magic) -> (Vec<Vec<u8>>, Option<Error>) {
    let mut storage = [0u8; 2048];
    let mut dec = FrameDecoder::new(&mut storage)
        .with_max_frame_len(max)
        .with_magic(magic);
    let mut frames = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        let mut input = piece;
        loop {
            match dec.feed(input) {
                Ok(FrameStatus::Partial) => break,
                Ok(FrameStatus::Complete { frame, rest }) => {
                    assert!(frame.len() <= max);
                    let d = decode(frame, CrcPolicy::Ignore).expect("frames are well framed");
                    assert_eq!(d.header.magic, magic);
                    frames.push(frame.to_vec());
                    input = rest;
                }
                Err(e) => return (frames, Some(e)),
            }
        }
    }
    (frames, None)
}

fuzz_target!(|data: &[u8]| {
    let Some((&[a, b], rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    let magic = if a & 1 == 0 { Magic::Wan } else { Magic::Lan };
    let max = usize::from(b) * 8;
    let whole = run(rest, rest.len().max(1), max, magic);
    let chunked = run(rest, usize::from(a >> 1) + 1, max, magic);
    assert_eq!(whole, chunked);
});
