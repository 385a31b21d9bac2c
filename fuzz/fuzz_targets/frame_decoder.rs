//! Arbitrary bytes through `FrameDecoder::feed` in arbitrary chunks, and the same bytes through
//! `BytesFrameDecoder::decode` on a growing `BytesMut`: every frame is a well-framed packet no
//! longer than the bound, the decoders never hold more than the bound, frames and losses of
//! framing do not depend on the chunking, and both decoders agree.
#![no_main]

use joylink_wire::bytes::BytesMut;
use joylink_wire::{BytesFrameDecoder, CrcPolicy, Error, FrameDecoder, FrameStatus, Magic, parse};
use libfuzzer_sys::fuzz_target;

type Run = (Vec<Vec<u8>>, Vec<Error>, u64);

fn run(data: &[u8], chunk: usize, max: usize, magic: Magic) -> Run {
    let mut storage = [0u8; 2048];
    let mut dec = FrameDecoder::new(&mut storage)
        .with_max_frame_len(max)
        .with_magic(magic);
    let bound = dec.max_frame_len();
    let mut frames = Vec::new();
    let mut errors = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        let mut input = piece;
        loop {
            match dec.feed(input) {
                Ok(FrameStatus::Partial) => break,
                Ok(FrameStatus::Complete { frame, rest }) => {
                    assert!(frame.len() <= bound);
                    let d = parse(frame, CrcPolicy::Ignore).expect("frames are well framed");
                    assert_eq!(d.header.magic, magic);
                    frames.push(frame.to_vec());
                    input = rest;
                }
                Ok(FrameStatus::Resync { error, rest }) => {
                    assert!(matches!(error, Error::BadMagic(_) | Error::TooLong { .. }));
                    errors.push(error);
                    input = rest;
                }
                Err(e) => {
                    assert!(bound < 16);
                    return (frames, vec![e], 0);
                }
            }
            assert!(dec.buffered() <= bound);
        }
    }
    (frames, errors, dec.skipped())
}

fn run_bytes(data: &[u8], chunk: usize, max: usize, magic: Magic) -> Run {
    let mut dec = BytesFrameDecoder::new(max).with_magic(magic);
    let bound = dec.max_frame_len();
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    let mut errors = Vec::new();
    for piece in data.chunks(chunk.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match dec.decode(&mut buf) {
                Ok(Some(frame)) => {
                    assert!(frame.len() <= bound);
                    frames.push(frame.to_vec());
                }
                Ok(None) => break,
                Err(e) => errors.push(e),
            }
        }
        // The memory bound: what is left is less than one maximum frame.
        assert!(buf.len() < bound.max(16));
    }
    (frames, errors, dec.skipped())
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
    if max >= 16 {
        assert_eq!(run_bytes(rest, usize::from(a >> 1) + 1, max, magic), whole);
    }
});
