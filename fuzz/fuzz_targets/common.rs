//! Shared by the session fuzz targets (included with `#[path]`): the seal of a plaintext that is
//! already bytes, and a deterministic RNG for the machines.

/// Lays `opt ‖ plaintext` out after the header and seals it with joylink-crypto's one `seal`.
pub fn seal_payload(
    header: &joylink_wire::Header,
    mode: &joylink_crypto::Mode<'_>,
    opt: &[u8],
    plaintext: &[u8],
    buf: &mut [u8],
) -> Result<usize, joylink_crypto::Error> {
    let start = 16 + opt.len();
    let end = start + plaintext.len();
    if buf.len() < end {
        return Err(joylink_crypto::Error::BufferTooSmall {
            needed: end,
            available: buf.len(),
        });
    }
    buf[16..start].copy_from_slice(opt);
    buf[start..end].copy_from_slice(plaintext);
    joylink_crypto::seal(header, mode, opt.len(), plaintext.len(), buf)
}

/// A deterministic RNG (an LCG): the fuzzer's input, not the RNG, should decide what happens.
pub struct Rng(pub u64);
impl rand_core::TryRng for Rng {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        Ok(self.0)
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for b in dst {
            *b = self.try_next_u32()? as u8;
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Rng {}

/// The session key the WAN targets' auth answers install.
pub const SESSION: [u8; 32] = [0x5a; 32];

/// A genuine auth answer installing `SESSION`, with the cloud time `ts`.
pub fn auth_answer(access: &joylink_crypto::AccessKey, ts: u32) -> Vec<u8> {
    let mut plain = Vec::with_capacity(40);
    plain.extend_from_slice(&ts.to_le_bytes());
    plain.extend_from_slice(&7u32.to_le_bytes());
    plain.extend_from_slice(&SESSION);
    let header = joylink_wire::Header::new(
        joylink_wire::Magic::Wan,
        joylink_wire::PacketType::Auth,
        joylink_wire::EncType::PreShared,
    );
    let mut buf = vec![0u8; 128];
    let n = seal_payload(
        &header,
        &joylink_crypto::Mode::AccessKey(access),
        &7u32.to_le_bytes(),
        &plain,
        &mut buf,
    )
    .unwrap();
    buf.truncate(n);
    buf
}
