//! TOTP two-factor authentication (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, as every
//! authenticator app expects), recovery codes, and the setup QR code drawn as SVG.

use crate::password::{hex, random_password};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use kassa_core::team::RECOVERY_CODES;
use qrcodegen::{QrCode, QrCodeEcc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

const DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;
/// The issuer authenticator apps show next to the account.
const ISSUER: &str = "Kassa";

/// A new random secret (160 bits, as RFC 4226 recommends), base32 without padding.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    OsRng.fill_bytes(&mut bytes);
    match Secret::Raw(bytes.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => unreachable!("to_encoded returns Encoded"),
    }
}

/// The secret in groups of four, easier to type into an app by hand.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
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

/// `otpauth://` URI that authenticator apps import (also what the QR code holds).
pub fn otpauth_uri(secret: &str, account: &str) -> String {
    let label = crate::shell::session::urlencode(&format!("{ISSUER}:{account}"));
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}"
    )
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

/// The QR code of `text` as an inline SVG element: one path of dark modules on a white
/// quiet zone. No style attributes, so it passes the strict CSP.
pub fn qr_svg(text: &str, label: &str) -> String {
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else {
        return String::new();
    };
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    let label = label.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"qr\" viewBox=\"0 0 {size} {size}\" role=\"img\" aria-label=\"{label}\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
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

    #[test]
    fn setup_uri_and_qr() {
        let uri = otpauth_uri("JBSWY3DPEHPK3PXP", "ada@example.com");
        assert!(uri.starts_with("otpauth://totp/Kassa%3Aada%40example.com?secret=JBSWY3DPEHPK3PXP"));
        let svg = qr_svg(&uri, "QR");
        assert!(svg.starts_with("<svg") && svg.contains("<path d=\"M"));
        assert!(!svg.contains("style"));
    }
}
