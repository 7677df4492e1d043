//! Two-factor sign-in (TOTP, RFC 6238: SHA-1, six digits, 30-second steps,
//! as every authenticator app reads them): secrets sealed at rest with the
//! installation's key, the step a code matches (so a code is never accepted
//! twice), the enrolment QR code drawn as SVG, and single-use recovery codes
//! kept as hashes.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

/// Seconds in a time step.
const STEP: i64 = 30;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation).
const SECRET_BYTES: usize = 20;
/// Recovery codes made at once.
pub const RECOVERY_CODES: usize = 10;
/// The issuer an authenticator app shows.
const ISSUER: &str = "Vigie";

/// The installation's key for second-factor secrets (`TWO_FACTOR_KEY`):
/// ChaCha20-Poly1305, a random nonce per secret.
#[derive(Clone)]
pub struct SecretBox(Key);

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(…)")
    }
}

impl SecretBox {
    /// From 32 key bytes.
    pub fn new(key: [u8; 32]) -> SecretBox {
        SecretBox(key.into())
    }

    /// `nonce ‖ ciphertext` of `secret`, bound to `account` (a sealed secret
    /// copied onto another account does not open).
    pub fn seal(&self, account: uuid::Uuid, secret: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = chacha20poly1305::aead::Payload {
            msg: secret,
            aad: account.as_bytes(),
        };
        let sealed = ChaCha20Poly1305::new(&self.0)
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("ChaCha20-Poly1305 encrypts any length we use");
        [nonce.as_slice(), &sealed].concat()
    }

    /// The secret sealed for `account`; `None` when it was sealed with
    /// another key or for another account, or was altered.
    pub fn open(&self, account: uuid::Uuid, sealed: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, text) = sealed.split_at(12);
        let payload = chacha20poly1305::aead::Payload {
            msg: text,
            aad: account.as_bytes(),
        };
        ChaCha20Poly1305::new(&self.0)
            .decrypt(Nonce::from_slice(nonce), payload)
            .ok()
    }
}

/// A new random secret.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_BYTES];
    rand::thread_rng().fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], label: &str) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        6,
        0,
        STEP as u64,
        secret.to_vec(),
        Some(ISSUER.into()),
        label.replace(':', " "),
    )
}

/// The time step of the Unix time `at`.
pub fn step_of(at: i64) -> i64 {
    at.div_euclid(STEP)
}

/// The code of `secret` at time step `step`.
pub fn code_at_step(secret: &[u8], step: i64) -> String {
    totp(secret, "").generate((step.max(0) * STEP) as u64)
}

/// The step `typed` matches among the previous, current and next steps of
/// the Unix time `now` (a phone's clock may be 30 s off), if any.
pub fn matching_step(secret: &[u8], typed: &str, now: i64) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != 6 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_of(now);
    (current - 1..=current + 1).find(|&step| {
        bool::from(
            code_at_step(secret, step)
                .as_bytes()
                .ct_eq(typed.as_bytes()),
        )
    })
}

/// The secret in base32 (what is typed into an app without a camera).
pub fn secret_text(secret: &[u8]) -> String {
    totp(secret, "").get_secret_base32()
}

/// The secret from its base32 text (the demo's published secret).
pub fn secret_from_text(text: &str) -> Option<Vec<u8>> {
    totp_rs::Secret::Encoded(text.replace(' ', "").to_uppercase())
        .to_bytes()
        .ok()
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn enrolment_url(secret: &[u8], email: &str) -> String {
    totp(secret, email).get_url()
}

/// The QR code of `url` as an SVG image (drawn here: no script, no outside
/// service). The SVG holds only shapes, never the text it encodes.
pub fn qr_svg(url: &str) -> String {
    let code = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::M)
        .expect("an otpauth address fits a QR code");
    code.render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .dark_color(qrcode::render::svg::Color("#000000"))
        .light_color(qrcode::render::svg::Color("#ffffff"))
        .build()
}

/// The alphabet of recovery codes: no 0/O, 1/I/L, to be read off paper.
const RECOVERY_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// New recovery codes (`XXXXX-XXXXX`, 49 bits each), shown once.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10)
                .map(|_| {
                    let i = (rng.next_u32() as usize) % RECOVERY_ALPHABET.len();
                    RECOVERY_ALPHABET[i] as char
                })
                .collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// What is stored of a recovery code: the SHA-256 of its characters,
/// upper-cased, dashes and spaces removed (random codes need no slow hash).
pub fn recovery_hash(typed: &str) -> Vec<u8> {
    let normal: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    Sha256::digest(normal.as_bytes()).to_vec()
}

/// Whether `typed` looks like a recovery code rather than a six-digit code.
pub fn is_recovery_code(typed: &str) -> bool {
    typed.chars().filter(|c| c.is_ascii_alphanumeric()).count() == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 (eight digits there, the last six here).
    #[test]
    fn codes_match_the_rfc_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1111111111, "050471"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            assert_eq!(code_at_step(secret, step_of(time)), code, "at {time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_its_neighbours_only() {
        let secret = new_secret();
        let now = 1_800_000_015;
        let code = code_at_step(&secret, step_of(now));
        assert_eq!(matching_step(&secret, &code, now), Some(step_of(now)));
        assert_eq!(matching_step(&secret, &code, now + 30), Some(step_of(now)));
        assert_eq!(matching_step(&secret, &code, now - 30), Some(step_of(now)));
        assert_eq!(matching_step(&secret, &code, now + 60), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matching_step(&secret, &spaced, now), Some(step_of(now)));
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_account() {
        let key = SecretBox::new([1; 32]);
        let account = uuid::Uuid::new_v4();
        let secret = new_secret();
        let sealed = key.seal(account, &secret);
        assert_ne!(&sealed[12..], secret.as_slice());
        assert_eq!(key.open(account, &sealed), Some(secret.clone()));
        assert_eq!(key.open(uuid::Uuid::new_v4(), &sealed), None);
        assert_eq!(SecretBox::new([2; 32]).open(account, &sealed), None);
        let mut altered = sealed.clone();
        altered[20] ^= 1;
        assert_eq!(key.open(account, &altered), None);
    }

    #[test]
    fn the_secret_reads_back_from_its_text_and_url() {
        let secret = new_secret();
        let text = secret_text(&secret);
        assert_eq!(secret_from_text(&text.to_lowercase()), Some(secret.clone()));
        let url = enrolment_url(&secret, "jeanne.martin@ac-lyon.fr");
        assert!(url.starts_with("otpauth://totp/Vigie:jeanne.martin%40ac-lyon.fr?secret="));
        assert!(url.contains(&text));
        let svg = qr_svg(&url);
        assert!(svg.starts_with("<?xml") || svg.starts_with("<svg"));
        assert!(!svg.contains("ac-lyon"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_typed_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), RECOVERY_CODES);
        let code = &codes[0];
        assert!(is_recovery_code(code));
        let loose = code.to_lowercase().replace('-', " ");
        assert_eq!(recovery_hash(&loose), recovery_hash(code));
        assert!(!is_recovery_code("123456"));
    }
}
