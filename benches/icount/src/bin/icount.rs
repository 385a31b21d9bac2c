//! Runs every packet-path case `N` times (argument 1, default 1000) so that
//! `valgrind --tool=callgrind --toggle-collect='*icount::case_*'` counts each case's
//! instructions in its own function: `benches/callgrind.sh` runs it at N and N/10 and takes
//! (count(N) - count(N/10)) / (0.9 N) per case, so set-up and warm-up cancel out.
#![allow(clippy::unwrap_used, non_snake_case)]

use std::hint::black_box;

use joylink_icount::Fixture;

macro_rules! cases {
    ($($name:ident => |$f:ident| $body:expr;)*) => {
        $(
            #[inline(never)]
            fn $name($f: &mut Fixture) -> usize {
                $body
            }
        )*
        fn run_all(f: &mut Fixture, n: usize) -> usize {
            let mut acc = 0usize;
            for _ in 0..n {
                $( acc = acc.wrapping_add(black_box($name(black_box(&mut *f)))); )*
            }
            acc
        }
        /// The case names, in order.
        const NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

cases! {
    case_lan_open_64__ours => |f| f.lan_open(64, false);
    case_lan_open_64__ours_prepared => |f| f.lan_open(64, true);
    case_lan_open_64__ref_aes => |f| f.lan_open_ref_aes(64, false);
    case_lan_open_64__ref_aes_prepared => |f| f.lan_open_ref_aes(64, true);
    case_lan_open_256__ours => |f| f.lan_open(256, false);
    case_lan_open_256__ours_prepared => |f| f.lan_open(256, true);
    case_lan_open_256__ref_aes => |f| f.lan_open_ref_aes(256, false);
    case_lan_open_256__ref_aes_prepared => |f| f.lan_open_ref_aes(256, true);
    case_lan_open_256__ref_memcpy => |f| f.lan_open_ref_memcpy(256);
    case_lan_open_1024__ours => |f| f.lan_open(1024, false);
    case_lan_open_1024__ours_prepared => |f| f.lan_open(1024, true);
    case_lan_open_1024__ref_aes => |f| f.lan_open_ref_aes(1024, false);
    case_lan_open_1024__ref_aes_prepared => |f| f.lan_open_ref_aes(1024, true);
    case_lan_open_1024__ref_memcpy => |f| f.lan_open_ref_memcpy(1024);
    case_lan_seal_64__ours => |f| f.lan_seal(64, false);
    case_lan_seal_64__ours_prepared => |f| f.lan_seal(64, true);
    case_lan_seal_64__ref_aes => |f| f.lan_seal_ref_aes(64, false);
    case_lan_seal_256__ours => |f| f.lan_seal(256, false);
    case_lan_seal_256__ours_prepared => |f| f.lan_seal(256, true);
    case_lan_seal_256__ref_aes => |f| f.lan_seal_ref_aes(256, false);
    case_lan_seal_256__ref_aes_prepared => |f| f.lan_seal_ref_aes(256, true);
    case_lan_seal_1024__ours => |f| f.lan_seal(1024, false);
    case_lan_seal_1024__ours_prepared => |f| f.lan_seal(1024, true);
    case_lan_seal_1024__ref_aes => |f| f.lan_seal_ref_aes(1024, false);
    case_wan_heartbeat_build__ours => |f| f.wan_heartbeat_build(false);
    case_wan_heartbeat_build__ours_prepared => |f| f.wan_heartbeat_build(true);
    case_wan_heartbeat_build__ours_device => |f| f.wan_heartbeat_device();
    case_wan_heartbeat_build__ref_aes => |f| f.wan_heartbeat_ref_aes(false);
    case_wan_heartbeat_build__ref_aes_prepared => |f| f.wan_heartbeat_ref_aes(true);
    case_wan_type11_open_256__ours => |f| f.wan_control_open(false);
    case_wan_type11_open_256__ours_prepared => |f| f.wan_control_open(true);
    case_wan_type11_open_256__ref_aes => |f| f.wan_control_ref_aes(false);
    case_wan_type11_open_256__ref_aes_prepared => |f| f.wan_control_ref_aes(true);
    case_aes_key_expansion__prepare => |f| f.prepare_key();
    case_crc16_256__picked => |f| usize::from(joylink_wire::crc16(&f.plain[1]));
    case_crc16_256__slice16 => |f| usize::from(joylink_wire::crc::slice16::update(0xFFFF, &f.plain[1]));
    case_crc16_256__table256 => |f| usize::from(joylink_wire::crc::table256::update(0xFFFF, &f.plain[1]));
    case_crc16_256__bitwise => |f| usize::from(joylink_wire::crc::bitwise::update(0xFFFF, &f.plain[1]));
}

fn main() {
    let mut args = std::env::args().skip(1);
    let first = args.next();
    if first.as_deref() == Some("--list") {
        for n in NAMES {
            println!("{n}");
        }
        return;
    }
    let n: usize = first.map_or(1000, |a| a.parse().unwrap());
    let mut f = Fixture::new();
    println!("{}", run_all(&mut f, n));
}
