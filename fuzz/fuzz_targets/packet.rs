//! Arbitrary bytes through every packet-layer entry point of joylink-wire: header parse, the view,
//! decode under each CRC policy (decode → emit → decode must round-trip), splitter and reassembler.
#![no_main]

use joylink_wire::{
    CrcPolicy, Header, Packet, Reassembler, ReassemblyStatus, Splitter, emit, parse,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Header::parse(data) {
        let mut out = [0u8; 16];
        assert_eq!(h.emit(&mut out), Ok(16));
        assert_eq!(&out[..], &data[..16]);
    }

    let view = Packet::new_unchecked(data);
    let _ = (view.header(), view.opt(), view.payload(), view.crc_ok());
    let checked = view.check_len().is_ok();

    for policy in [CrcPolicy::Verify, CrcPolicy::Report, CrcPolicy::Ignore] {
        let Ok(d) = parse(data, policy) else {
            continue;
        };
        assert!(checked);
        assert_eq!(d.opt.len(), usize::from(d.header.opt_len));
        assert_eq!(d.payload.len(), usize::from(d.header.payload_len));

        // decode → emit → decode: the same packet, with the CRC refreshed.
        let mut buf = vec![0u8; data.len()];
        let n = emit(&d.header, d.opt, d.payload, &mut buf).expect("same length fits");
        assert_eq!(n, data.len());
        let again = parse(&buf, CrcPolicy::Verify).expect("emitted packet decodes");
        assert_eq!(again.opt, d.opt);
        assert_eq!(again.payload, d.payload);
        assert_eq!(again.header.crc, view.computed_crc());
        if d.crc_status.is_verified() {
            assert_eq!(&buf[..], data);
        }

        // Splitter → reassembler on the decoded sections.
        if let Ok(splitter) = Splitter::new(&d.header, d.opt, d.payload, d.header.reserved) {
            let mut storage = vec![0u8; d.payload.len() + d.opt.len() + 16];
            let mut r: Reassembler<'_, (), 1> = Reassembler::new(&mut storage);
            let mut out = vec![0u8; splitter.max_fragment_len()];
            let total = splitter.total();
            for f in splitter {
                let n = f.emit(&mut out).expect("fragment fits");
                let fd = parse(&out[..n], CrcPolicy::Verify).expect("fragment decodes");
                if total > 0 {
                    if let ReassemblyStatus::Complete(m) =
                        r.push((), &fd, 0).expect("fragment accepted")
                    {
                        assert_eq!(m.payload(), d.payload);
                        assert_eq!(m.opt(), d.opt);
                    }
                }
            }
        }

        // Arbitrary packets as fragments: errors, never panics.
        let mut storage = [0u8; 4096];
        let mut r: Reassembler<'_, (), 2> = Reassembler::new(&mut storage);
        let _ = r.push((), &d, 0);
        let _ = r.push((), &d, 1);
    }
});
