//! argon2id password hashing (OWASP parameters), always on a blocking thread.

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};

/// The smallest password length accepted for a new account.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest (the strength estimate and the hash both grow with it).
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Whether `password` may be chosen by the account of `email` and `name`;
/// if not, why, in French. Length first, then the `zxcvbn` estimate: a
/// password built on the address or the name, or guessed in fewer than
/// 10^10 tries (common passwords, keyboard walks, dates, single words), is
/// refused.
pub fn acceptable(password: &str, email: &str, name: &str) -> Result<(), &'static str> {
    use zxcvbn::feedback::Warning as W;
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err("Le mot de passe doit compter au moins 12 caractères.");
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err("Le mot de passe ne doit pas dépasser 128 caractères.");
    }
    let mut inputs: Vec<&str> = email.split(['@', '.', '-', '_', '+']).collect();
    inputs.push(email);
    inputs.extend(name.split_whitespace());
    inputs.retain(|w| w.chars().count() >= 3);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    let lower = password.to_lowercase();
    let personal = inputs
        .iter()
        .any(|w| w.chars().count() >= 4 && lower.contains(&w.to_lowercase()));
    if personal {
        return Err(
            "Le mot de passe ne doit pas reprendre votre adresse électronique ni votre nom.",
        );
    }
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let warning = estimate.feedback().and_then(|f| f.warning());
    Err(match warning {
        Some(W::ThisIsATop10Password | W::ThisIsATop100Password | W::ThisIsACommonPassword) => {
            "Ce mot de passe fait partie des plus utilisés : choisissez-en un autre."
        }
        Some(W::ThisIsSimilarToACommonlyUsedPassword) => {
            "Ce mot de passe ressemble trop à un mot de passe très utilisé."
        }
        Some(
            W::StraightRowsOfKeysAreEasyToGuess
            | W::ShortKeyboardPatternsAreEasyToGuess
            | W::RepeatsLikeAaaAreEasyToGuess
            | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess
            | W::SequencesLikeAbcAreEasyToGuess,
        ) => {
            "Ce mot de passe suit un motif trop prévisible (suite de touches, répétition ou séquence)."
        }
        Some(W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess) => {
            "Ce mot de passe repose sur une date ou une année, faciles à deviner."
        }
        _ => {
            "Ce mot de passe est trop facile à deviner : assemblez plusieurs mots sans rapport entre eux."
        }
    })
}

fn hasher() -> Argon2<'static> {
    // OWASP: argon2id, m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await?
}

/// A hash of a random password, verified against when the account does not
/// exist so that the answer takes as long either way.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(uuid::Uuid::new_v4().to_string().as_bytes(), &salt)
            .expect("hashing a random password")
            .to_string()
    })
}

/// Checks a password against a stored PHC string.
pub async fn verify_password(password: String, hash: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed =
            PasswordHash::new(&hash).map_err(|e| anyhow::anyhow!("bad stored hash: {e}"))?;
        Ok(hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_or_personal_passwords_are_refused_with_a_reason() {
        let (email, name) = ("camille.durand@college.example.org", "Camille Durand");
        assert!(
            acceptable("court", email, name)
                .unwrap_err()
                .contains("12 caractères")
        );
        assert!(
            acceptable("password1234", email, name)
                .unwrap_err()
                .contains("plus utilisés")
        );
        assert!(acceptable("qwertyuiopasdf", email, name).is_err());
        assert!(
            acceptable("camilledurand2026", email, name)
                .unwrap_err()
                .contains("votre nom")
        );
        assert!(acceptable("college.example.org!", email, name).is_err());
        assert!(
            acceptable(&"a".repeat(129), email, name)
                .unwrap_err()
                .contains("128")
        );
        assert_eq!(
            acceptable("girafe tambour nuage poivre", email, name),
            Ok(())
        );
        assert_eq!(acceptable("un mot de passe solide", email, name), Ok(()));
    }

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let h = hash_password("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify_password("correct horse battery".into(), h.clone())
                .await
                .unwrap()
        );
        assert!(!verify_password("wrong".into(), h).await.unwrap());
        assert!(
            !verify_password("x".into(), dummy_hash().to_owned())
                .await
                .unwrap()
        );
    }
}
