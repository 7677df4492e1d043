//! The installation's Ed25519 key: it signs what must be verifiable outside
//! Vigie (audit checkpoints); anyone holding the public key can check.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};

/// The signing key (its secret never reaches a log).
#[derive(Clone)]
pub struct Seal(SigningKey);

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Seal(public {})", self.public_base64())
    }
}

impl Seal {
    /// From a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Seal {
        Seal(SigningKey::from_bytes(&seed))
    }

    /// From the base64 of a 32-byte seed (`SIGNING_KEY`).
    pub fn from_base64(text: &str) -> Option<Seal> {
        let bytes = STANDARD.decode(text.trim()).ok()?;
        Some(Seal::from_seed(bytes.try_into().ok()?))
    }

    /// A new random key, as the base64 of its seed.
    pub fn generate_base64() -> String {
        STANDARD.encode(rand::random::<[u8; 32]>())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).to_bytes().to_vec()
    }

    /// The public key, base64 (what the README and the public page show).
    pub fn public_base64(&self) -> String {
        STANDARD.encode(self.0.verifying_key().to_bytes())
    }

    /// Whether `signature` over `message` is this key's.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        verify(&self.0.verifying_key(), message, signature)
    }
}

fn verify(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(sig) = Signature::from_slice(signature) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

/// The bytes an audit checkpoint signs.
pub fn checkpoint_message(up_to_seq: i64, hash: &[u8]) -> Vec<u8> {
    format!(
        "vigie-audit-checkpoint|v1|{up_to_seq}|{}",
        hex::encode(hash)
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_only_the_same_message_with_the_same_key() {
        let seal = Seal::from_base64(&Seal::generate_base64()).unwrap();
        let m = checkpoint_message(42, &[1; 32]);
        let sig = seal.sign(&m);
        assert!(seal.verifies(&m, &sig));
        assert!(!seal.verifies(&checkpoint_message(43, &[1; 32]), &sig));
        let other = Seal::from_seed([9; 32]);
        assert!(!other.verifies(&m, &sig));
        assert!(Seal::from_base64("trop court").is_none());
        assert!(!format!("{seal:?}").contains(&STANDARD.encode([9u8; 32])));
    }
}
