//! Golden vectors of JD's C SDK (`vectors/`, read at run time): AES-CBC, ECDH, sealed LAN/WAN
//! packets.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]

use joylink_crypto::{
    AccessKey, EncTypeCheck, Error, KeyIv, LocalKey, Mode, OpenOptions, PrivateKey, PublicKey,
    SessionKey, SharedSecret, cbc, open, seal,
};
use joylink_test_vectors::{Value, hex_field, u64_field, vectors};
use joylink_wire::{CrcPolicy, HEADER_LEN, Header, PartialParse};

fn open_with<'a>(
    buf: &'a mut [u8],
    mode: &Mode<'_>,
    crc: CrcPolicy,
    options: OpenOptions,
) -> Result<joylink_crypto::Opened<'a>, Error> {
    open(PartialParse::new(buf, crc)?, mode, options)
}

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    hex_field(v).try_into().unwrap()
}

#[test]
fn aes_cbc_every_vector() {
    let list = vectors("aes_cbc.json");
    assert_eq!(list.len(), 17);
    for v in &list {
        let id = v["id"].as_str().unwrap();
        let key: [u8; 16] = arr(&v["key"]);
        let iv: [u8; 16] = arr(&v["iv"]);
        // The key source derives the same key/iv as the vector's explicit ones.
        let derived = match v["key_source"].as_str().unwrap() {
            "raw" => KeyIv::new(key, iv),
            "static" => KeyIv::from_static(joylink_crypto::StaticKey),
            "key_string" => {
                let s = v["key_string"].as_str().unwrap();
                let l = KeyIv::from_local_key(&s.parse::<LocalKey>().unwrap());
                let a = KeyIv::from_access_key(&s.parse::<AccessKey>().unwrap());
                assert_eq!(l, a, "{id}");
                l
            }
            "session_key" => KeyIv::from_session_key(
                &SessionKey::from_slice(&hex_field(&v["session_key"])).unwrap(),
            ),
            other => panic!("{id}: unknown key_source {other}"),
        };
        assert_eq!(derived.raw_secret_key(), &key, "{id} key");
        assert_eq!(derived.raw_secret_iv(), &iv, "{id} iv");
        let pt = hex_field(&v["plaintext"]);
        let ct = hex_field(&v["ciphertext"]);
        assert_eq!(ct.len(), cbc::padded_len(pt.len()), "{id}");

        let mut buf = vec![0xa5u8; ct.len()];
        buf[..pt.len()].copy_from_slice(&pt);
        let n = cbc::encrypt_in_place(&derived, &mut buf, pt.len()).unwrap();
        assert_eq!(&buf[..n], &ct[..], "{id} encrypt");

        let mut buf = ct.clone();
        let out = cbc::decrypt_in_place(&derived, &mut buf).unwrap();
        assert_eq!(out, &pt[..], "{id} decrypt");
    }
}

#[test]
fn ecdh_every_vector() {
    let list = vectors("ecdh.json");
    assert_eq!(list.len(), 6);
    for v in &list {
        let id = v["id"].as_str().unwrap();
        let d = PrivateKey::from_bytes(&arr(&v["private_key"])).unwrap();
        let pd = PrivateKey::from_bytes(&arr(&v["peer_private_key"])).unwrap();
        let q = d.public_key();
        let pq = pd.public_key();
        assert_eq!(
            q.to_compressed().to_vec(),
            hex_field(&v["public_key_compressed"]),
            "{id}"
        );
        assert_eq!(
            q.to_raw_uncompressed().to_vec(),
            hex_field(&v["public_key"]),
            "{id}"
        );
        assert_eq!(
            q.to_devkey().as_str(),
            v["devkey"].as_str().unwrap(),
            "{id}"
        );
        assert_eq!(
            pq.to_compressed().to_vec(),
            hex_field(&v["peer_public_key_compressed"]),
            "{id}"
        );
        assert_eq!(
            pq.to_raw_uncompressed().to_vec(),
            hex_field(&v["peer_public_key"]),
            "{id}"
        );

        // Decoding every form gives the same point.
        let from_c = PublicKey::from_bytes(&hex_field(&v["peer_public_key_compressed"])).unwrap();
        let from_raw = PublicKey::from_bytes(&hex_field(&v["peer_public_key"])).unwrap();
        let mut tagged = vec![4u8];
        tagged.extend(hex_field(&v["peer_public_key"]));
        let from_04 = PublicKey::from_bytes(&tagged).unwrap();
        assert_eq!(from_c, pq, "{id}");
        assert_eq!(from_raw, pq, "{id}");
        assert_eq!(from_04, pq, "{id}");
        assert_eq!(
            PublicKey::from_devkey(v["devkey"].as_str().unwrap()).unwrap(),
            q,
            "{id}"
        );

        let s = hex_field(&v["shared_secret"]);
        let s1 = d.diffie_hellman(&from_c);
        let s2 = pd.diffie_hellman(&q);
        assert_eq!(s1.raw_secret_bytes().to_vec(), s, "{id} shared secret");
        assert_eq!(s2, s1, "{id} symmetric");

        let k = KeyIv::from_shared_secret(&s1);
        assert_eq!(
            k.raw_secret_key().to_vec(),
            hex_field(&v["aes_key"]),
            "{id}"
        );
        assert_eq!(k.raw_secret_iv().to_vec(), hex_field(&v["aes_iv"]), "{id}");

        let pt = hex_field(&v["sample_plaintext"]);
        let ct = hex_field(&v["sample_ciphertext"]);
        let mode = Mode::Ecdh(&s1);
        let mut buf = vec![0u8; ct.len()];
        buf[..pt.len()].copy_from_slice(&pt);
        let n = mode.seal_in_place(&mut buf, pt.len()).unwrap();
        assert_eq!(&buf[..n], &ct[..], "{id} sample encrypt");
        let mut buf = ct.clone();
        assert_eq!(
            mode.open_in_place(&mut buf).unwrap(),
            &pt[..],
            "{id} sample decrypt"
        );
    }
}

#[test]
fn notes_section_4_example() {
    // compat §4 independent check (pure Python + openssl pkeyutl).
    let d: [u8; 20] = hex::decode("0102030405060708090a0b0c0d0e0f1011121314")
        .unwrap()
        .try_into()
        .unwrap();
    let a: [u8; 20] = hex::decode("2122232425262728292a2b2c2d2e2f3031323334")
        .unwrap()
        .try_into()
        .unwrap();
    let d = PrivateKey::from_bytes(&d).unwrap();
    let a = PrivateKey::from_bytes(&a).unwrap();
    assert_eq!(
        d.public_key().to_devkey().as_str(),
        "02c00e0a9b5c4d0011f4c1974b1a9934d3c88c3d55"
    );
    assert_eq!(
        hex::encode(a.public_key().to_compressed()),
        "021db6c9880425bb5d2ba097eec8859d45ebf3870b"
    );
    assert_eq!(
        hex::encode(d.diffie_hellman(&a.public_key()).raw_secret_bytes()),
        "af8defacdbaa86463347edeef5a3ecc16b6069a2"
    );
}

/// The key of a packet vector, as a `Mode`, for the `kind`s the files use.
enum Owned {
    Local(LocalKey),
    Access(AccessKey),
    Session(SessionKey),
    Ecdh(SharedSecret),
}

impl Owned {
    fn from_vector(key: &Value, side_device: bool) -> Owned {
        match key["kind"].as_str().unwrap() {
            "localkey" => Owned::Local(key["key_string"].as_str().unwrap().parse().unwrap()),
            "accesskey" => Owned::Access(key["key_string"].as_str().unwrap().parse().unwrap()),
            "session_key" => {
                Owned::Session(SessionKey::from_slice(&hex_field(&key["session_key"])).unwrap())
            }
            "ecdh" => {
                // Derive the secret ourselves from the private keys, from either side.
                let dev = PrivateKey::from_bytes(&arr(&key["device_private_key"])).unwrap();
                let app = PrivateKey::from_bytes(&arr(&key["app_private_key"])).unwrap();
                let app_pub =
                    PublicKey::from_bytes(&hex_field(&key["app_public_key_compressed"])).unwrap();
                let dev_pub =
                    PublicKey::from_bytes(&hex_field(&key["device_public_key_compressed"]))
                        .unwrap();
                assert_eq!(dev.public_key(), dev_pub);
                assert_eq!(app.public_key(), app_pub);
                let s = if side_device {
                    dev.diffie_hellman(&app_pub)
                } else {
                    app.diffie_hellman(&dev_pub)
                };
                assert_eq!(
                    s.raw_secret_bytes().to_vec(),
                    hex_field(&key["shared_secret"])
                );
                Owned::Ecdh(s)
            }
            other => panic!("unknown key kind {other}"),
        }
    }

    fn mode(&self) -> Mode<'_> {
        match self {
            Owned::Local(k) => Mode::LocalKey(k),
            Owned::Access(k) => Mode::AccessKey(k),
            Owned::Session(k) => Mode::Session(k),
            Owned::Ecdh(s) => Mode::Ecdh(s),
        }
    }
}

/// Which timestamp our side would have put in: the vector's explicit input, if any.
fn input_timestamp(v: &Value) -> Option<u32> {
    ["timestamp", "device_time", "server_time"]
        .iter()
        .find_map(|k| v.get(*k).map(|t| u32::try_from(u64_field(t)).unwrap()))
}

fn check_packet_file(file: &str) -> (usize, usize) {
    let mut opened = 0;
    let mut resealed = 0;
    for v in &vectors(file) {
        let Some(key) = v.get("key") else { continue };
        let id = v["id"].as_str().unwrap();
        let packet = hex_field(&v["packet"]);
        let plaintext = hex_field(&v["plaintext"]);
        let receiver_is_device = v["direction"].as_str().unwrap().ends_with("to_device");
        let owned = Owned::from_vector(key, receiver_is_device);
        let mode = owned.mode();
        assert_eq!(
            u64::from(u8::from(mode.enc_type())),
            u64_field(&v["header"]["enctype"]),
            "{id}"
        );

        // open: header + CRC verified, decrypted in place.
        let mut buf = packet.clone();
        let p = open_with(
            &mut buf,
            &mode,
            CrcPolicy::Verify,
            OpenOptions::new().timestamp(false),
        )
        .unwrap();
        assert_eq!(p.plaintext, &plaintext[..], "{id} plaintext");
        assert_eq!(p.opt, &hex_field(&v["opt"])[..], "{id} opt");
        assert_eq!(p.timestamp, None);
        let mut buf = packet.clone();
        let o = open_with(&mut buf, &mode, CrcPolicy::Verify, OpenOptions::new()).unwrap();
        let ts = o.timestamp.unwrap();
        assert_eq!(ts.to_le_bytes(), plaintext[..4], "{id}");
        assert_eq!(o.body(), &plaintext[4..], "{id}");
        if let Some(input) = input_timestamp(v) {
            // Every vector with a timestamp input carries it as the first 4 plaintext bytes.
            assert_eq!(ts, input, "{id} timestamp");
        }
        opened += 1;

        // Re-seal from the vector's own inputs (header fields, opt, plaintext): same bytes.
        let header = Header::parse(&packet).unwrap();
        let opt = hex_field(&v["opt"]);
        let mut out = vec![0xa5u8; packet.len() + 32];
        let at = HEADER_LEN + opt.len();
        out[HEADER_LEN..at].copy_from_slice(&opt);
        out[at..at + plaintext.len()].copy_from_slice(&plaintext);
        let n = seal(&header, &mode, opt.len(), plaintext.len(), &mut out).unwrap();
        assert_eq!(&out[..n], &packet[..], "{id} reseal");
        resealed += 1;
    }
    (opened, resealed)
}

#[test]
fn lan_packets_open_and_reseal() {
    let (opened, resealed) = check_packet_file("lan_packets.json");
    // 14 encrypted LAN packets: 2 ECDH (lan-04, lan-17) and 12 localkey.
    assert_eq!((opened, resealed), (14, 14));
}

#[test]
fn wan_packets_open_and_reseal() {
    let (opened, resealed) = check_packet_file("wan_packets.json");
    assert_eq!((opened, resealed), (26, 26));
}

/// Informational: the SDK's LAN receive checks, next to what `open` says.
#[test]
fn lan_sdk_receive_checks() {
    let checks = joylink_test_vectors::load("lan_packets.json")["sdk_receive_checks"]["vectors"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(checks.len(), 7);
    for c in &checks {
        let id = c["id"].as_str().unwrap();
        let key: LocalKey = c["key"]["key_string"].as_str().unwrap().parse().unwrap();
        let mode = Mode::LocalKey(&key);
        let mut buf = hex_field(&c["packet"]);
        // The SDK never checks the CRC (compat §2): report it instead of refusing.
        let r = open_with(&mut buf, &mode, CrcPolicy::Report, OpenOptions::new());
        match (id, c["sdk_accepts"].as_bool().unwrap()) {
            (_, true) => {
                let o = r.unwrap();
                let pt = o.plaintext.to_vec();
                assert_eq!(pt, hex_field(&c["sdk_plaintext"]), "{id}");
                assert_eq!(o.crc_status.is_verified(), id != "lanrx-02", "{id}");
            }
            ("lanrx-03" | "lanrx-04", false) => assert!(
                matches!(
                    r,
                    Err(Error::Wire(joylink_wire::Error::LengthMismatch { .. }))
                ),
                "{id}: {r:?}"
            ),
            ("lanrx-05", false) => {
                assert!(
                    matches!(r, Err(Error::EncTypeMismatch { .. })),
                    "{id}: {r:?}"
                )
            }
            ("lanrx-07", false) => {
                // A scan (type 1) with enctype 3: the enctype is the key's, so the crypto layer
                // opens it; the (type, enctype) table of compat §3.4 is the LAN layer's job.
                let o = r.unwrap();
                assert_eq!(o.header.packet_type, joylink_wire::PacketType::Scan, "{id}");
            }
            ("lanrx-06", false) => {
                // The WAN magic is a valid magic for `open`; the LAN/WAN choice belongs to the
                // caller (the LAN layer checks `header.magic`). It still opens with the key.
                let o = r.unwrap();
                assert_eq!(o.header.magic, joylink_wire::Magic::Wan, "{id}");
            }
            (other, false) => panic!("unexpected check {other}"),
        }
    }
    // With the enctype check off, lanrx-05 (type 3 sent as enctype 0) decrypts with the key.
    let c = &checks[4];
    let key: LocalKey = c["key"]["key_string"].as_str().unwrap().parse().unwrap();
    let mut buf = hex_field(&c["packet"]);
    let o = open_with(
        &mut buf,
        &Mode::LocalKey(&key),
        CrcPolicy::Verify,
        OpenOptions::new().enc_type(EncTypeCheck::Ignore),
    )
    .unwrap();
    assert_eq!(
        o.timestamp.unwrap().to_le_bytes(),
        hex_field(&checks[0]["sdk_plaintext"])[..4]
    );
}
