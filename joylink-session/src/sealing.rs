//! The machines' bridge to joylink-crypto's one in-place `seal` and `open` for bodies that are
//! already bytes (JSON, script structs): lay the plaintext out after the opt, then seal; stage the
//! decode, then open. Typed WAN bodies go through `wan::packet`, which encodes them in place.

use joylink_crypto::{Mode, OpenOptions, Opened};
use joylink_wire::{CrcPolicy, HEADER_LEN, Header, PartialParse};

use crate::{Error, Result};

/// Seals `plaintext` (timestamp included where the packet has one) with `opt` in clear into
/// `buf`; returns the packet's length. `buf` must hold `joylink_crypto::sealed_len`.
pub(crate) fn seal_plain(
    header: &Header,
    mode: &Mode<'_>,
    opt: &[u8],
    plaintext: &[u8],
    buf: &mut [u8],
) -> Result<usize> {
    let total = joylink_crypto::sealed_len(mode, opt.len(), plaintext.len());
    let too_small = joylink_crypto::Error::BufferTooSmall {
        needed: total,
        available: buf.len(),
    };
    let rest = buf
        .get_mut(..total)
        .and_then(|b| b.get_mut(HEADER_LEN..))
        .ok_or(too_small)?;
    let (o, payload) = rest.split_at_mut_checked(opt.len()).ok_or(too_small)?;
    o.copy_from_slice(opt);
    payload
        .get_mut(..plaintext.len())
        .ok_or(too_small)?
        .copy_from_slice(plaintext);
    Ok(joylink_crypto::seal(
        header,
        mode,
        opt.len(),
        plaintext.len(),
        buf,
    )?)
}

/// Opens a whole datagram in place, CRC verified; `timestamp` says whether the plaintext starts
/// with one (then it is at least 4 bytes long, or the open fails with the one `Decrypt`).
pub(crate) fn open_plain<'a>(
    buf: &'a mut [u8],
    mode: &Mode<'_>,
    timestamp: bool,
) -> Result<Opened<'a>> {
    let packet = PartialParse::new(buf, CrcPolicy::Verify)?;
    // A fragment's payload is a slice of a larger message: reassemble first (spec 3.2).
    packet.header().check_unfragmented()?;
    Ok(joylink_crypto::open(
        packet,
        mode,
        OpenOptions::new().timestamp(timestamp),
    )?)
}

/// The 4-byte little-endian timestamp that starts a plaintext (spec 4.3), and what follows.
pub(crate) fn split_ts(plaintext: &[u8]) -> Result<(u32, &[u8])> {
    let t = joylink_wire::Timestamped::<&[u8]>::parse(plaintext)
        .map_err(|_| Error::Crypto(joylink_crypto::Error::Decrypt))?;
    Ok((t.timestamp, t.body))
}

/// Whether the machines keep their keys prepared (the AES schedules expanded once per key, issue
/// 20), chosen per target: on where a word is 32 bits or less (microcontrollers, where the
/// constant-time software AES expands a key in ~3 600 instructions, more than a heartbeat's
/// encryption), off on 64-bit hosts (a prepared key is ~736 bytes there, because RustCrypto's
/// `aes` keeps the 704-byte fixsliced schedule beside the AES-NI one, against ~370 on a
/// Cortex-M4; with AES-NI an expansion costs only ~160 instructions). The build overrides it with
/// `RUSTFLAGS='--cfg joylink_prepared_keys="on"'` or `="off"` (a cfg, not a feature, so that no
/// dependency can turn it on behind the binary's back and change the machines' sizes).
///
/// The crate's build script (`build.rs`) makes this choice, the one place that does, and hands
/// it to the code as the `joylink_keep_prepared` cfg (set where keys are prepared); the code
/// branches on that cfg (so that the unused kind of [`Kept`] is not compiled), and this constant
/// names the choice for the size tests and these docs.
#[cfg(any(test, doc))]
pub(crate) const PREPARED_KEYS: bool = cfg!(joylink_keep_prepared);

// The build script reads `joylink_prepared_keys` from the cfgs cargo gives it, those of the
// build's rustflags; one that reaches rustc alone (`cargo rustc -- --cfg ...`, `RUSTDOCFLAGS`)
// would otherwise be ignored without a word.
#[cfg(any(
    all(joylink_prepared_keys = "on", not(joylink_keep_prepared)),
    all(
        joylink_prepared_keys = "off",
        not(joylink_prepared_keys = "on"),
        joylink_keep_prepared
    )
))]
compile_error!(
    "`--cfg joylink_prepared_keys` reached rustc but not joylink-session's build script: \
     set it in RUSTFLAGS (or the build's rustflags) instead"
);

/// A prepared key on RustCrypto's AES (AES-NI / ARMv8 AES when the CPU has it, otherwise the
/// constant-time fixsliced software AES); in unit tests on a wrapper that counts key expansions.
#[cfg(all(not(test), joylink_keep_prepared))]
pub(crate) type PreparedAes = joylink_crypto::PreparedKey;
/// A prepared key on a wrapper of RustCrypto's AES that counts key expansions (unit tests).
#[cfg(test)]
pub(crate) type PreparedAes = joylink_crypto::PreparedKey<counting::Counting>;

/// A key as a machine keeps it, with its AES schedules expanded once (see [`PREPARED_KEYS`]):
/// every packet then seals and opens through [`Mode::Prepared`] and never expands the key again.
/// The key itself stays beside the schedules for the accessors that hand it out.
#[derive(Clone, Debug)]
#[cfg(any(test, joylink_keep_prepared))]
pub(crate) struct PreparedKept<K> {
    key: K,
    cipher: PreparedAes,
}

/// A key as a machine keeps it where keys are not prepared: the mode expands it per packet.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg(any(test, not(joylink_keep_prepared)))]
pub(crate) struct PlainKept<K> {
    key: K,
}

/// The key kinds a machine keeps.
pub(crate) trait KeptKind {
    /// The one-shot mode of this key (the schedule expanded per packet).
    fn one_shot(&self) -> Mode<'_>;
    /// The key and IV with the `enctype` it is used under, to prepare (only where keys are
    /// prepared, and in the unit tests that compare both kinds).
    #[cfg(any(test, joylink_keep_prepared))]
    fn key_iv(&self) -> (joylink_crypto::KeyIv, joylink_wire::EncType);
}

impl KeptKind for joylink_crypto::SessionKey {
    fn one_shot(&self) -> Mode<'_> {
        Mode::Session(self)
    }
    #[cfg(any(test, joylink_keep_prepared))]
    fn key_iv(&self) -> (joylink_crypto::KeyIv, joylink_wire::EncType) {
        (
            joylink_crypto::KeyIv::from_session_key(self),
            joylink_wire::EncType::SessionKey,
        )
    }
}

impl KeptKind for joylink_crypto::LocalKey {
    fn one_shot(&self) -> Mode<'_> {
        Mode::LocalKey(self)
    }
    #[cfg(any(test, joylink_keep_prepared))]
    fn key_iv(&self) -> (joylink_crypto::KeyIv, joylink_wire::EncType) {
        (
            joylink_crypto::KeyIv::from_local_key(self),
            joylink_wire::EncType::PreShared,
        )
    }
}

#[cfg(any(test, joylink_keep_prepared))]
impl<K: KeptKind> PreparedKept<K> {
    /// Expands the key: the one key expansion for as long as the machine keeps it.
    pub(crate) fn new(key: K) -> Self {
        let (key_iv, enc_type) = key.key_iv();
        let cipher = PreparedAes::new(&key_iv, enc_type);
        Self { key, cipher }
    }
    /// The key.
    pub(crate) fn key(&self) -> &K {
        &self.key
    }
    /// The mode every packet uses: the expanded schedules, borrowed.
    pub(crate) fn mode(&self) -> Mode<'_> {
        Mode::Prepared(&self.cipher)
    }
}

#[cfg(any(test, not(joylink_keep_prepared)))]
impl<K: KeptKind> PlainKept<K> {
    /// Keeps the key as it is.
    pub(crate) fn new(key: K) -> Self {
        Self { key }
    }
    /// The key, for the machines' accessors; only where this is the [`Kept`] kind (the unit
    /// tests of prepared builds compare a `PlainKept`'s packets, never hand its key out).
    #[cfg(not(joylink_keep_prepared))]
    pub(crate) fn key(&self) -> &K {
        &self.key
    }
    /// The one-shot mode (the schedule expanded per packet).
    pub(crate) fn mode(&self) -> Mode<'_> {
        self.key.one_shot()
    }
}

/// How the machines keep a key in this build ([`PREPARED_KEYS`]).
#[cfg(joylink_keep_prepared)]
pub(crate) type Kept<K> = PreparedKept<K>;
/// How the machines keep a key in this build ([`PREPARED_KEYS`]).
#[cfg(not(joylink_keep_prepared))]
pub(crate) type Kept<K> = PlainKept<K>;

/// A key's expanded schedules, kept beside the key by an owner that keeps the key itself in
/// another form (the LAN device's public `Activation`, the cloud machine's serializable
/// session secret); empty where keys are not prepared. The owner calls [`Schedules::set`]
/// wherever the key changes and seals and opens with [`Schedules::mode`].
pub(crate) struct Schedules<K> {
    #[cfg(joylink_keep_prepared)]
    prepared: Option<PreparedAes>,
    key: core::marker::PhantomData<fn(&K)>,
}

/// The LAN localkey's schedules, beside the activation that holds the key.
pub(crate) type LocalSchedules = Schedules<joylink_crypto::LocalKey>;

impl<K> Default for Schedules<K> {
    fn default() -> Self {
        Self {
            #[cfg(joylink_keep_prepared)]
            prepared: None,
            key: core::marker::PhantomData,
        }
    }
}

impl<K> Clone for Schedules<K> {
    fn clone(&self) -> Self {
        Self {
            #[cfg(joylink_keep_prepared)]
            prepared: self.prepared.clone(),
            key: core::marker::PhantomData,
        }
    }
}

/// A cache of the key its owner keeps: owners compare their keys, never the schedules (which
/// are equal whenever the keys are).
impl<K> PartialEq for Schedules<K> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<K> Eq for Schedules<K> {}

impl<K: KeptKind> Schedules<K> {
    /// Expands `key` (the one expansion per installed key), or forgets the schedules.
    #[cfg_attr(
        not(joylink_keep_prepared),
        allow(clippy::unused_self, unused_variables)
    )]
    pub(crate) fn set(&mut self, key: Option<&K>) {
        #[cfg(joylink_keep_prepared)]
        {
            self.prepared = key.map(|k| {
                let (key_iv, enc_type) = k.key_iv();
                PreparedAes::new(&key_iv, enc_type)
            });
        }
    }

    /// The mode of a packet under `key`: the kept schedules where there are some (they are
    /// `key`'s: the owner sets them whenever its key changes), otherwise the one-shot mode.
    #[cfg_attr(not(joylink_keep_prepared), allow(clippy::unused_self))]
    pub(crate) fn mode<'s>(&'s self, key: &'s K) -> Mode<'s> {
        #[cfg(joylink_keep_prepared)]
        if let Some(p) = &self.prepared {
            return Mode::Prepared(p);
        }
        key.one_shot()
    }
}

/// Secret schedules: never printed.
impl<K> core::fmt::Debug for Schedules<K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Schedules { ... }")
    }
}

/// What keeping the session key prepared adds to a machine (0 where keys are not prepared): the
/// size tests bound the machines without it, so that their documented figures stay comparable.
#[cfg(test)]
pub(crate) const KEPT_EXTRA: usize = if PREPARED_KEYS {
    // Rounded up to the alignment the field gets in the machine.
    size_of::<Option<PreparedKept<joylink_crypto::SessionKey>>>()
        .saturating_sub(size_of::<Option<PlainKept<joylink_crypto::SessionKey>>>())
        .next_multiple_of(align_of::<PreparedAes>())
} else {
    0
};

/// What keeping the localkey's schedules adds to the LAN device machine (0 where keys are not
/// prepared).
#[cfg(test)]
pub(crate) const LOCAL_EXTRA: usize = size_of::<LocalSchedules>();

/// The size tests' bound: `size` within 2 % of `documented` (the README's RAM table, plus what
/// a prepared key adds where the build keeps one), either way, so that a figure which drifts
/// fails until the table is updated. The table is for 64-bit targets; on a smaller word only
/// the upper bound applies.
#[cfg(test)]
#[track_caller]
pub(crate) fn assert_near_documented(what: &str, size: usize, documented: usize) {
    let slack = documented.div_ceil(50);
    let drift = if cfg!(target_pointer_width = "64") {
        size.abs_diff(documented)
    } else {
        size.saturating_sub(documented)
    };
    assert!(
        drift <= slack,
        "{what} is {size} bytes, documented {documented} (± {slack}): update the RAM table of \
         README.md and the doc comment"
    );
}

/// Key expansions counted per thread, for the tests of the prepared path.
#[cfg(test)]
pub(crate) mod counting {
    use core::cell::Cell;

    use cipher::consts::U16;
    use cipher::{
        BlockCipherDecClosure, BlockCipherDecrypt, BlockCipherEncClosure, BlockCipherEncrypt,
        BlockSizeUser, Key, KeyInit, KeySizeUser,
    };

    std::thread_local! {
        static EXPANSIONS: Cell<usize> = const { Cell::new(0) };
    }

    /// Key expansions on this thread so far (tests run on parallel threads).
    pub(crate) fn expansions() -> usize {
        EXPANSIONS.with(Cell::get)
    }

    /// RustCrypto's AES-128, counting its key expansions.
    #[derive(Clone)]
    pub(crate) struct Counting(aes::Aes128);

    impl KeySizeUser for Counting {
        type KeySize = U16;
    }
    impl BlockSizeUser for Counting {
        type BlockSize = U16;
    }
    impl KeyInit for Counting {
        fn new(key: &Key<Self>) -> Self {
            EXPANSIONS.with(|c| c.set(c.get().saturating_add(1)));
            Counting(aes::Aes128::new(key))
        }
    }
    impl BlockCipherEncrypt for Counting {
        fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
            self.0.encrypt_with_backend(f);
        }
    }
    impl BlockCipherDecrypt for Counting {
        fn decrypt_with_backend(&self, f: impl BlockCipherDecClosure<BlockSize = U16>) {
            self.0.decrypt_with_backend(f);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::panic,
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation
    )]
    extern crate std;

    use joylink_crypto::{LocalKey, SessionKey};
    use joylink_wire::{EncType, Magic, PacketType};

    use super::counting::expansions;
    use super::*;
    use crate::wan::sim::Pair;
    use crate::wan::{DeviceConfig, DeviceState};

    fn seal_open(mode: &Mode<'_>, header: &Header, body: &[u8]) -> std::vec::Vec<u8> {
        let mut plain = std::vec![0u8; 4 + body.len()];
        plain[..4].copy_from_slice(&1_700_000_000u32.to_le_bytes());
        plain[4..].copy_from_slice(body);
        let mut buf = [0u8; 1200];
        let n = seal_plain(header, mode, &[], &plain, &mut buf).unwrap();
        let sealed = buf[..n].to_vec();
        let opened = open_plain(&mut buf[..n], mode, true).unwrap();
        assert_eq!(split_ts(opened.plaintext).unwrap().1, body);
        sealed
    }

    /// A kept key expands once, when it is kept; its packets expand nothing and are the bytes of
    /// the one-shot mode.
    fn kept_key_expands_once<K: KeptKind + Clone>(key: K, header: &Header) {
        let before = expansions();
        let kept = PreparedKept::new(key);
        assert_eq!(expansions(), before + 1);
        for len in [0usize, 11, 12, 60, 252, 1000] {
            let body = std::vec![0x3c; len];
            let prepared = seal_open(&kept.mode(), header, &body);
            let plain = PlainKept::new(kept.key().clone());
            assert_eq!(prepared, seal_open(&plain.mode(), header, &body));
        }
        assert_eq!(expansions(), before + 1, "no key expansion per packet");
    }

    #[test]
    fn kept_keys_expand_once_and_seal_the_same_bytes() {
        let local: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
        let lan = Header::new(Magic::Lan, PacketType::JsonControl, EncType::PreShared);
        kept_key_expands_once(local, &lan);
        let session = SessionKey::new(core::array::from_fn(|i| (i as u8).wrapping_mul(37)));
        let wan = Header::new(Magic::Wan, PacketType::Heartbeat, EncType::SessionKey);
        kept_key_expands_once(session, &wan);
    }

    /// The LAN device machine: one key expansion per installed localkey, none per packet (script
    /// control in, answer out), where the build keeps keys prepared.
    #[test]
    fn lan_device_expands_its_localkey_once_per_activation() {
        use crate::lan::FixedStr;
        use crate::lan::{Activation, Device, DeviceInfo, Event};
        use joylink_crypto::KeyPair;
        use joylink_test_vectors::TestRng;

        let key: LocalKey = "be4d957a4da771d609ab383e548014a0".parse().unwrap();
        let mut d: Device = Device::new(KeyPair::generate(&mut TestRng(3)), DeviceInfo::default());
        let before = expansions();
        d.set_activation(Some(Activation {
            feed_id: FixedStr::new("1").unwrap(),
            accesskey: "961745eaa28c7ff6854b94a91ce19a91".parse().unwrap(),
            localkey: key.clone(),
            server: FixedStr::EMPTY,
        }));
        let per_key = usize::from(PREPARED_KEYS);
        assert_eq!(expansions(), before + per_key);
        let peer = core::net::SocketAddr::from(([10, 0, 0, 2], 5000));
        let header = Header::new(Magic::Lan, PacketType::ScriptControl, EncType::PreShared);
        for ts in 1..=5u8 {
            let plain = [ts, 0, 0, 0, 0xea, 0x03, 0, 0, ts, 0, 0, 0, b'g', b'o'];
            let mut buf = [0u8; 128];
            let n = seal_plain(&header, &Mode::LocalKey(&key), &[], &plain, &mut buf).unwrap();
            let now = crate::Instant(u64::from(ts) * 1_000);
            let Ok(Some(Event::Request(r))) = d.handle(now, peer, &mut buf[..n]) else {
                panic!("request {ts}")
            };
            let id = r.id;
            d.respond(id, now, b"{}").unwrap();
            let mut out = [0u8; 1500];
            let (_, len) = d.poll_transmit(&mut out).unwrap();
            let o = open_plain(&mut out[..len], &Mode::LocalKey(&key), true).unwrap();
            assert_eq!(o.header.packet_type, PacketType::ScriptControl);
        }
        assert_eq!(
            expansions(),
            before + per_key,
            "no key expansion per packet"
        );
        // Reset: the schedules go with the key.
        d.set_activation(None);
        assert!(
            d.handle(crate::Instant(9_000), peer, &mut [0u8; 64])
                .is_err()
        );
        assert_eq!(expansions(), before + per_key);
    }

    /// The WAN device and cloud machines: one key expansion each at auth, none per packet
    /// afterwards (where the build keeps keys prepared; otherwise the machines take the one-shot
    /// path, which does not go through the counting backend, and only the session's packets are
    /// checked). The pair runs both machines on this thread, so both are counted.
    #[test]
    fn wan_device_and_cloud_expand_the_session_key_once_per_auth() {
        let cfg = DeviceConfig::new(
            "1234567890123456",
            "ABCDEF",
            "25e35c9691ee91296facd5d28a4822bc".parse().unwrap(),
        )
        .unwrap();
        let before = expansions();
        let mut p = Pair::new(cfg, 7);
        p.run_for(1_000);
        assert_eq!(p.device.state(), DeviceState::Online);
        let after_auth = expansions();
        let packets_before = p.seen_by_cloud.len();
        // A few minutes of heartbeats and their answers.
        p.run_for(200_000);
        assert!(
            p.seen_by_cloud.len() >= packets_before + 3,
            "heartbeats were sent"
        );
        assert_eq!(p.device.state(), DeviceState::Online);
        assert_eq!(expansions(), after_auth, "no key expansion per packet");
        // The device's schedules and the cloud's.
        let per_auth = 2 * usize::from(PREPARED_KEYS);
        assert_eq!(after_auth - before, per_auth);
        // A new connection means a new auth and a new session key: one more expansion.
        p.break_connection();
        p.run_for(5_000);
        assert_eq!(p.device.state(), DeviceState::Online);
        assert_eq!(expansions(), after_auth + per_auth);
    }
}
