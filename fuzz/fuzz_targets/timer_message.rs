//! Arbitrary bytes through the type-13 decoder in both directions: no panic; a decoded message
//! re-encodes (no longer than its input) to bytes that decode to the same message, and its lists
//! iterate.
#![no_main]

use joylink_wire::Direction;
use joylink_wire::wan::TimerMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for dir in [Direction::ToDevice, Direction::FromDevice] {
        if let Ok(msg) = TimerMessage::parse(data, dir) {
            let len = msg.buffer_len().expect("a decoded message is encodable");
            assert!(len <= data.len());
            let mut buf = vec![0u8; len];
            assert_eq!(msg.emit(&mut buf), Ok(len));
            assert_eq!(TimerMessage::parse(&buf, dir), Ok(msg));
            if let TimerMessage::Add(req) | TimerMessage::Update(req) = msg {
                for task in req.tasks.iter() {
                    let _ = task.id();
                }
            }
        }
    }
});
