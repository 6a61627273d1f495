//! Password hashing with argon2id (OWASP parameters: 19 MiB, 2 passes), always off the async
//! runtime and never more than a few at once, so a burst of sign-ins cannot exhaust memory
//! (each hash holds 19 MiB while it runs).

use crate::{AppError, AppResult};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use kassa_core::account::NewPassword;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(4))
}

async fn run_blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = permits()
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))
}

fn hash_now(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("hashing a password: {e}")))
}

pub async fn hash(password: &NewPassword) -> AppResult<String> {
    let password = password.expose().to_owned();
    run_blocking(move || hash_now(&password)).await?
}

/// Checks `password` against `stored`. Without a stored hash (unknown email, no password
/// set) it still does the same work against a dummy hash, so response times do not reveal
/// which accounts exist.
pub async fn verify(password: &str, stored: Option<&str>) -> AppResult<bool> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    run_blocking(move || {
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (
                DUMMY
                    .get_or_init(|| hash_now(&random_token()).unwrap_or_default())
                    .clone(),
                false,
            ),
        };
        let ok = PasswordHash::new(&hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false);
        ok && real
    })
    .await
}

/// 32 random bytes from the OS, hex-encoded: session tokens, CSRF tokens, generated secrets.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// A random password of `len` characters from an alphabet without look-alikes.
pub fn random_password(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut b = [0u8; 1];
        OsRng.fill_bytes(&mut b);
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if (b[0] as usize) < limit {
            out.push(ALPHABET[b[0] as usize % ALPHABET.len()] as char);
        }
    }
    out
}

/// How a token sent to a browser or by email is stored: its SHA-256, so a copy of the
/// database lets nobody sign in or use a link.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let pw = NewPassword::parse("correct horse battery").unwrap();
        let h = hash(&pw).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&h)).await.unwrap());
        assert!(!verify("correct horse batterx", Some(&h)).await.unwrap());
        assert!(!verify("correct horse battery", None).await.unwrap());
    }

    #[test]
    fn generated_secrets_look_right() {
        assert_eq!(random_token().len(), 64);
        assert_ne!(random_token(), random_token());
        let p = random_password(20);
        assert_eq!(p.len(), 20);
        assert!(!p.contains(['0', 'O', 'l', 'I', '1']));
    }
}
