//! Seeded randomness. Every GUID, `uti` and secret the model makes comes from here,
//! so the same scenario seed always yields the same ids.

/// SplitMix64: tiny, fast, and good enough for ids in a teaching model (not for crypto).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator for `seed`, mixed with a per-purpose `stream` so components don't share sequences.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng { state: seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) };
        r.next_u64();
        r
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A lower-case version-4-shaped GUID, e.g. `3f2b6c1e-…`.
    pub fn guid(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let a = (self.next_u64() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000;
        let b = (self.next_u64() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000;
        let mut out = [0u8; 36];
        let mut o = 0;
        for (i, word) in [a, b].into_iter().enumerate() {
            for nib in 0..16 {
                let pos = i * 16 + nib;
                if pos == 8 || pos == 12 || pos == 16 || pos == 20 {
                    out[o] = b'-';
                    o += 1;
                }
                out[o] = HEX[((word >> (60 - 4 * nib)) & 0xF) as usize];
                o += 1;
            }
        }
        std::str::from_utf8(&out).map(str::to_owned).unwrap_or_default()
    }
    /// `n` URL-safe characters (for `uti`, `aio`, App Service secrets and Arc key files).
    pub fn token(&mut self, n: usize) -> String {
        const ALPHA: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        (0..n).map(|_| ALPHA[(self.next_u64() % 64) as usize] as char).collect()
    }
    /// `n` lower-case hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from_digit((self.next_u64() % 16) as u32, 16).unwrap_or('0')).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_ids() {
        let mut a = Rng::new(7, 1);
        let mut b = Rng::new(7, 1);
        assert_eq!(a.guid(), b.guid());
        assert_ne!(Rng::new(7, 2).guid(), Rng::new(7, 1).guid());
        let g = Rng::new(1, 1).guid();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
    }
}
