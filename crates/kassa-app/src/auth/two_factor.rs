//! TOTP two-factor authentication (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as every
//! authenticator app expects) and recovery codes. The setup page's QR code and `otpauth://`
//! link are drawn by the portal.

use super::password::{hex, random_password};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use kassa_core::team::RECOVERY_CODES;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: u64 = 30;

/// A new random secret (160 bits, as RFC 4226 recommends), base32 without padding.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded returns Encoded"),
    }
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECONDS, bytes).ok()
}

/// The code for `secret` at `ms` (what an authenticator app shows then).
pub fn code_at(secret: &str, ms: i64) -> String {
    totp(secret).map(|t| t.generate((ms / 1000) as u64)).unwrap_or_default()
}

/// Checks `code` against the steps around `now_ms` (one step either way, for clock drift)
/// and returns the matching time step, which the caller records so the code works once.
pub fn verify(secret: &str, code: &str, now_ms: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret)?;
    let step = now_ms / 1000 / STEP_SECONDS as i64;
    (step - 1..=step + 1).find(|s| {
        let expected = t.generate(*s as u64 * STEP_SECONDS);
        bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
    })
}

/// Ten fresh recovery codes like `k7pq-x3mz-9d`, about 50 bits each.
pub fn new_recovery_codes() -> Vec<String> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let raw = random_password(10).to_lowercase();
            format!("{}-{}-{}", &raw[..4], &raw[4..8], &raw[8..])
        })
        .collect()
}

/// How a recovery code is stored. The codes are long random strings, so a plain SHA-256
/// suffices (no password-style stretching); case, spaces and dashes do not matter.
pub fn recovery_code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex(&Sha256::digest(normal.as_bytes()))
}

/// Whether the input looks like a TOTP code rather than a recovery code.
pub fn looks_like_totp(input: &str) -> bool {
    let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (secret "12345678901234567890"), last six digits.
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = match Secret::Raw(b"12345678901234567890".to_vec()).to_encoded() {
            Secret::Encoded(s) => s,
            Secret::Raw(_) => unreachable!(),
        };
        for (seconds, code) in [
            (59_i64, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(code_at(&secret, seconds * 1000), code, "at {seconds}");
        }
    }

    #[test]
    fn codes_verify_within_one_step_and_report_it() {
        let secret = new_secret();
        let now = 1_700_000_000_000;
        let step = now / 30_000;
        assert_eq!(verify(&secret, &code_at(&secret, now), now), Some(step));
        assert_eq!(verify(&secret, &code_at(&secret, now - 30_000), now), Some(step - 1));
        assert_eq!(verify(&secret, &code_at(&secret, now - 90_000), now), None);
        assert_eq!(verify(&secret, "12345", now), None);
        assert_eq!(verify(&secret, "abcdef", now), None);
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
        let c = &codes[0];
        assert_eq!(recovery_code_hash(c), recovery_code_hash(&c.to_uppercase()));
        assert_eq!(recovery_code_hash(c), recovery_code_hash(&c.replace('-', " ")));
        assert!(!looks_like_totp(c));
        assert!(looks_like_totp("123 456"));
    }
}
