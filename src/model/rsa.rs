//! RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 8017 §8.2) in a few hundred lines: the
//! demo tenant key signs, any JWK's key verifies.
//!
//! Why not the `rsa` crate: it brings key generation, padding schemes, PKCS#8/PEM parsing
//! and a general big-integer library, about 35 KB of WebAssembly, for two operations. This
//! module does fixed-width Montgomery arithmetic on 32-bit limbs (WebAssembly has a native
//! 64-bit multiply, not a 128-bit one), a 4-bit window and the CRT for signing. The tests
//! check it against the `rsa` crate and `jsonwebtoken`. Not constant-time: the key it signs
//! with is public on purpose.

use sha2::{Digest, Sha256};

/// Largest modulus accepted, in 32-bit limbs (4,096 bits, the `rsa` crate's limit too).
const MAX_LIMBS: usize = 128;
/// Largest public exponent accepted (2^33 - 1, as the `rsa` crate).
const MAX_PUBLIC_EXPONENT: u64 = (1 << 33) - 1;

/// DER prefix of a SHA-256 `DigestInfo` (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];

/// Little-endian 32-bit limbs of a big-endian byte string, `limbs` long (`None` if the
/// value does not fit).
fn limbs_of(bytes: &[u8], limbs: usize) -> Option<Vec<u32>> {
    let bytes = &bytes[bytes.iter().take_while(|&&b| b == 0).count()..];
    if bytes.len() > limbs * 4 {
        return None;
    }
    let mut out = vec![0u32; limbs];
    for (i, &b) in bytes.iter().rev().enumerate() {
        out[i / 4] |= (b as u32) << (8 * (i % 4));
    }
    Some(out)
}

/// Big-endian bytes of little-endian limbs, `len` long (the high bytes must be zero).
fn bytes_of(limbs: &[u32], len: usize) -> Vec<u8> {
    (0..len).rev().map(|i| limbs.get(i / 4).map_or(0, |l| (l >> (8 * (i % 4))) as u8)).collect()
}

fn bit_len(x: &[u32]) -> usize {
    x.iter().rposition(|&l| l != 0).map_or(0, |i| 32 * i + 32 - x[i].leading_zeros() as usize)
}

/// `a >= b` for equal-length limb slices.
fn geq(a: &[u32], b: &[u32]) -> bool {
    for i in (0..a.len()).rev() {
        if a[i] != b[i] {
            return a[i] > b[i];
        }
    }
    true
}

/// `a -= b` (equal lengths), returning the borrow.
fn sub_assign(a: &mut [u32], b: &[u32]) -> bool {
    let mut borrow = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let d = (*x as u64).wrapping_sub(y as u64).wrapping_sub(borrow);
        *x = d as u32;
        borrow = (d >> 63) & 1;
    }
    borrow != 0
}

/// `a += b` (equal lengths), returning the carry.
fn add_assign(a: &mut [u32], b: &[u32]) -> bool {
    let mut carry = 0u64;
    for (x, &y) in a.iter_mut().zip(b) {
        let s = *x as u64 + y as u64 + carry;
        *x = s as u32;
        carry = s >> 32;
    }
    carry != 0
}

/// Montgomery arithmetic modulo an odd `n` of `k` limbs (`R = 2^(32k)`).
struct Mont {
    n: Vec<u32>,
    /// `-n^-1 mod 2^32`.
    n0: u32,
    /// `R^2 mod n`.
    r2: Vec<u32>,
}

impl Mont {
    fn new(n: Vec<u32>) -> Option<Mont> {
        let k = n.len();
        if k == 0 || k > MAX_LIMBS || n[0] & 1 == 0 || n[k - 1] == 0 {
            return None;
        }
        let mut inv = 1u32; // Newton's iteration doubles the correct low bits each round.
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u32.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        // R^2 mod n by doubling 1 (2 * 32k times), reducing as we go.
        let mut r2 = vec![0u32; k];
        r2[0] = 1;
        for _ in 0..64 * k {
            let top = r2[k - 1] >> 31;
            for i in (1..k).rev() {
                r2[i] = r2[i] << 1 | r2[i - 1] >> 31;
            }
            r2[0] <<= 1;
            if top == 1 || geq(&r2, &n) {
                sub_assign(&mut r2, &n);
            }
        }
        Some(Mont { n, n0: inv.wrapping_neg(), r2 })
    }

    /// `a * b / R mod n` (CIOS), for `a, b < n`.
    fn mul(&self, a: &[u32], b: &[u32]) -> Vec<u32> {
        let k = self.n.len();
        let n = &self.n[..];
        let mut t = [0u32; MAX_LIMBS + 2];
        for &ai in a {
            let mut c = 0u64;
            for j in 0..k {
                let s = t[j] as u64 + ai as u64 * b[j] as u64 + c;
                t[j] = s as u32;
                c = s >> 32;
            }
            let s = t[k] as u64 + c;
            t[k] = s as u32;
            t[k + 1] = (s >> 32) as u32;
            let m = t[0].wrapping_mul(self.n0) as u64;
            let mut c = (t[0] as u64 + m * n[0] as u64) >> 32;
            for j in 1..k {
                let s = t[j] as u64 + m * n[j] as u64 + c;
                t[j - 1] = s as u32;
                c = s >> 32;
            }
            let s = t[k] as u64 + c;
            t[k - 1] = s as u32;
            t[k] = t[k + 1] + (s >> 32) as u32;
        }
        let mut out = t[..k].to_vec();
        if t[k] != 0 || geq(&out, n) {
            sub_assign(&mut out, n);
        }
        out
    }

    /// `base^exp mod n` for `base < n`, `exp` big-endian bytes (4-bit fixed window).
    fn pow(&self, base: &[u32], exp: &[u8]) -> Vec<u32> {
        let k = self.n.len();
        let mut one = vec![0u32; k];
        one[0] = 1;
        let mut table = Vec::with_capacity(16);
        table.push(self.mul(&one, &self.r2)); // 1 in Montgomery form
        table.push(self.mul(base, &self.r2));
        for i in 2..16 {
            let next = self.mul(&table[i - 1], &table[1]);
            table.push(next);
        }
        let mut acc = table[0].clone();
        for &byte in exp {
            for nibble in [byte >> 4, byte & 15] {
                for _ in 0..4 {
                    acc = self.mul(&acc, &acc);
                }
                if nibble != 0 {
                    acc = self.mul(&acc, &table[nibble as usize]);
                }
            }
        }
        self.mul(&acc, &one)
    }

    /// `x mod n` for any `x` of at most `2k` limbs.
    fn reduce(&self, x: &[u32]) -> Vec<u32> {
        let k = self.n.len();
        let part = |s: &[u32]| {
            let mut v = vec![0u32; k];
            v[..s.len()].copy_from_slice(s);
            // `n` has its top limb set, so a k-limb value is below 2^32 n: a few
            // subtractions would do, but the top limb may be small; loop until below.
            while geq(&v, &self.n) {
                sub_assign(&mut v, &self.n);
            }
            v
        };
        let (lo, hi) = x.split_at(x.len().min(k));
        let lo = part(lo);
        if hi.is_empty() {
            return lo;
        }
        // x = hi * R + lo; hi * R mod n = mul(hi, R^2).
        let mut r = self.mul(&part(hi), &self.r2);
        if add_assign(&mut r, &lo) || geq(&r, &self.n) {
            sub_assign(&mut r, &self.n);
        }
        r
    }
}

/// The EMSA-PKCS1-v1_5 encoding of SHA-256(`message`) for a `k`-byte modulus.
fn encoded_digest(message: &[u8], k: usize) -> Option<Vec<u8>> {
    let t = SHA256_DIGEST_INFO.len() + 32;
    if k < t + 11 {
        return None;
    }
    let mut em = vec![0xffu8; k];
    em[0] = 0;
    em[1] = 1;
    em[k - t - 1] = 0;
    em[k - t..k - 32].copy_from_slice(&SHA256_DIGEST_INFO);
    em[k - 32..].copy_from_slice(&Sha256::digest(message));
    Some(em)
}

/// An RSA private key (PKCS#1 `RSAPrivateKey`), kept in CRT form.
pub struct PrivateKey {
    k: usize,
    p: Mont,
    q: Mont,
    dp: Vec<u8>,
    dq: Vec<u8>,
    /// `q^-1 mod p`.
    qinv: Vec<u32>,
    q_limbs: Vec<u32>,
}

/// Reads a DER length and the content that follows a tag; returns (content, rest).
fn der_item(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    let (&l, mut rest) = rest.split_first()?;
    if t != tag {
        return None;
    }
    let len = if l < 0x80 {
        l as usize
    } else {
        let n = (l & 0x7f) as usize;
        if n == 0 || n > 2 || rest.len() < n {
            return None;
        }
        let len = rest[..n].iter().fold(0usize, |a, &b| a << 8 | b as usize);
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

impl PrivateKey {
    /// Parses a PKCS#1 `RSAPrivateKey` (two primes) from DER.
    pub fn from_pkcs1_der(der: &[u8]) -> Option<PrivateKey> {
        let (mut body, _) = der_item(der, 0x30)?;
        let mut ints = Vec::with_capacity(9);
        while !body.is_empty() {
            let (int, rest) = der_item(body, 0x02)?;
            ints.push(int);
            body = rest;
        }
        let [version, n, _e, _d, p, q, dp, dq, qinv] = ints[..] else { return None };
        if version != [0] {
            return None;
        }
        let k = n.iter().skip_while(|&&b| b == 0).count();
        let half = (k * 8).div_ceil(2).div_ceil(32) + 1;
        let p_limbs = limbs_of(p, half)?;
        let q_limbs = limbs_of(q, half)?;
        let trim = |mut v: Vec<u32>| {
            while v.len() > 1 && v[v.len() - 1] == 0 {
                v.pop();
            }
            v
        };
        let p = Mont::new(trim(p_limbs))?;
        let q = Mont::new(trim(q_limbs.clone()))?;
        let qinv = limbs_of(qinv, p.n.len())?;
        Some(PrivateKey { k, q_limbs: trim(q_limbs), p, q, dp: dp.to_vec(), dq: dq.to_vec(), qinv })
    }

    /// RS256 signature of `message` (`k` bytes, big-endian).
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let em = encoded_digest(message, self.k).expect("the key is at least 2048 bits");
        let m = limbs_of(&em, self.k.div_ceil(4)).expect("the encoding is k bytes");
        // Garner's CRT: s = m2 + q * (qinv * (m1 - m2) mod p).
        let m1 = self.p.pow(&self.p.reduce(&m), &self.dp);
        let m2 = self.q.pow(&self.q.reduce(&m), &self.dq);
        let mut diff = m1;
        let m2p = self.p.reduce(&m2);
        if sub_assign(&mut diff, &m2p) {
            add_assign(&mut diff, &self.p.n);
        }
        let h = self.p.mul(&self.p.mul(&diff, &self.qinv), &self.p.r2);
        // s = m2 + h * q (schoolbook product; fits in k bytes).
        let mut s = vec![0u32; h.len() + self.q_limbs.len() + 1];
        for (i, &hi) in h.iter().enumerate() {
            let mut c = 0u64;
            for (j, &qj) in self.q_limbs.iter().enumerate() {
                let t = s[i + j] as u64 + hi as u64 * qj as u64 + c;
                s[i + j] = t as u32;
                c = t >> 32;
            }
            s[i + self.q_limbs.len()] = c as u32;
        }
        let mut m2_wide = vec![0u32; s.len()];
        m2_wide[..m2.len()].copy_from_slice(&m2);
        add_assign(&mut s, &m2_wide);
        bytes_of(&s, self.k)
    }
}

/// An RSA public key: modulus and exponent.
pub struct PublicKey {
    k: usize,
    e: u64,
    n: Mont,
}

impl PublicKey {
    /// A public key from big-endian `n` and `e`, or why it is not a usable one: the
    /// modulus must be odd and 2,048 to 4,096 bits, the exponent odd and from 3 to 2^33 - 1.
    pub fn new(n: &[u8], e: &[u8]) -> Result<PublicKey, &'static str> {
        let limbs = limbs_of(n, MAX_LIMBS).ok_or("the modulus is longer than 4096 bits")?;
        let bits = bit_len(&limbs);
        if bits < 2048 {
            return Err("the modulus is shorter than 2048 bits");
        }
        let e_bytes = &e[e.iter().take_while(|&&b| b == 0).count()..];
        if e_bytes.len() > 8 {
            return Err("the exponent is too large");
        }
        let e = e_bytes.iter().fold(0u64, |a, &b| a << 8 | b as u64);
        if e < 3 || e > MAX_PUBLIC_EXPONENT || e & 1 == 0 {
            return Err("the exponent is not an odd number from 3 to 2^33 - 1");
        }
        let n = Mont::new(limbs[..bits.div_ceil(32)].to_vec()).ok_or("the modulus is even")?;
        Ok(PublicKey { k: bits.div_ceil(8), e, n })
    }

    /// Whether `signature` is a valid RS256 signature of `message` under this key.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != self.k {
            return false;
        }
        let Some(s) = limbs_of(signature, self.n.n.len()) else { return false };
        if geq(&s, &self.n.n) {
            return false;
        }
        let e = self.e.to_be_bytes();
        let m = self.n.pow(&s, &e);
        encoded_digest(message, self.k).is_some_and(|em| bytes_of(&m, self.k) == em)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::signature::{SignatureEncoding, Signer, Verifier};

    const DER: &[u8] = include_bytes!("demo_key/key.der");

    fn crate_key() -> rsa::RsaPrivateKey {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        rsa::RsaPrivateKey::from_pkcs1_der(DER).unwrap()
    }

    #[test]
    fn signatures_match_the_rsa_crate_and_verify_both_ways() {
        let ours = PrivateKey::from_pkcs1_der(DER).unwrap();
        let theirs = rsa::pkcs1v15::SigningKey::<Sha256>::new(crate_key());
        let public = crate_key().to_public_key();
        use rsa::traits::PublicKeyParts;
        let pk = PublicKey::new(&public.n().to_bytes_be(), &public.e().to_bytes_be()).unwrap();
        let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public);
        for msg in [&b""[..], b"a", b"eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJ4In0", &[0xffu8; 1000]] {
            let sig = ours.sign(msg);
            assert_eq!(sig, theirs.sign(msg).to_bytes().to_vec());
            assert!(pk.verify(msg, &sig));
            assert!(vk.verify(msg, &rsa::pkcs1v15::Signature::try_from(&sig[..]).unwrap()).is_ok());
            let mut bad = sig.clone();
            bad[100] ^= 1;
            assert!(!pk.verify(msg, &bad));
            assert!(!pk.verify(b"other", &sig));
            assert!(!pk.verify(msg, &sig[1..]));
        }
    }

    #[test]
    fn other_key_sizes_and_bad_keys() {
        use rsa::traits::PublicKeyParts;
        // A 3072-bit test key (PKCS#1 DER, `openssl genrsa -traditional 3072`).
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let der = include_bytes!("demo_key/test3072.der");
        let key = rsa::RsaPrivateKey::from_pkcs1_der(der).unwrap();
        let sig = rsa::pkcs1v15::SigningKey::<Sha256>::new(key.clone()).sign(b"hello").to_bytes();
        let pk = PublicKey::new(&key.n().to_bytes_be(), &key.e().to_bytes_be()).unwrap();
        assert!(pk.verify(b"hello", &sig));
        assert!(!pk.verify(b"hellO", &sig));
        assert_eq!(PrivateKey::from_pkcs1_der(der).unwrap().sign(b"hello"), sig.to_vec());
        assert_eq!(PublicKey::new(&[0xff; 128], &[1, 0, 1]).err(), Some("the modulus is shorter than 2048 bits"));
        assert!(PublicKey::new(&[0xff; 600], &[1, 0, 1]).is_err());
        assert!(PublicKey::new(&[0xfe; 256], &[1, 0, 1]).is_err());
        assert!(PublicKey::new(&[0xff; 256], &[2]).is_err());
        assert!(PublicKey::new(&[0xff; 256], &[1; 9]).is_err());
        assert!(PrivateKey::from_pkcs1_der(&DER[..200]).is_none());
        assert!(PrivateKey::from_pkcs1_der(b"").is_none());
    }
}
