//! The audit chain's seals. Without a key an entry's hash is SHA-256 over
//! the previous hash and its content: it shows an edit by anyone who cannot
//! also rewrite every later hash, but whoever can write to the database can.
//! With `PLINTH_AUDIT_KEY` (or `PLINTH_AUDIT_KEY_FILE`), kept outside the
//! database, new entries are sealed with HMAC-SHA-256 under that key, so
//! rewriting them needs the key as well. Each entry names the key that
//! sealed it by a fingerprint, never the key itself.
//!
//! The key is the process's, installed once at start-up: `repo::audit`
//! seals inside the transactions of every repository, which know no state.
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};

/// A secret of at least 32 characters, and its public fingerprint.
#[derive(Clone)]
pub struct AuditKey {
    secret: Vec<u8>,
    /// 16 hex characters of SHA-256 over a label and the secret.
    pub id: String,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

pub const MIN_KEY_CHARS: usize = 32;

impl AuditKey {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let secret = raw.trim();
        if secret.chars().count() < MIN_KEY_CHARS {
            return Err(format!("the audit key must be at least {MIN_KEY_CHARS} characters (for example `openssl rand -hex 32`)"));
        }
        let mut h = Sha256::new();
        h.update(b"plinth-audit-key-v1\n");
        h.update(secret.as_bytes());
        let id = hex::encode(h.finalize())[..16].to_string();
        Ok(Self { secret: secret.as_bytes().to_vec(), id })
    }

    fn mac(&self, parts: &[&[u8]]) -> String {
        // HMAC takes a key of any length.
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        for p in parts {
            mac.update(p);
            mac.update(b"\n");
        }
        hex::encode(mac.finalize().into_bytes())
    }
}

static KEY: RwLock<Option<Arc<AuditKey>>> = RwLock::new(None);

/// Make `key` the process's audit key (start-up, and `plinth audit verify`).
pub fn install(key: Option<AuditKey>) {
    *KEY.write().unwrap_or_else(|e| e.into_inner()) = key.map(Arc::new);
}

pub fn current() -> Option<Arc<AuditKey>> {
    KEY.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// An entry's hash: SHA-256 of the previous hash and the content, or with
/// a key, HMAC-SHA-256 of the key's id, the previous hash and the content.
pub fn seal_entry(key: Option<&AuditKey>, prev_hash: &str, content: &str) -> String {
    match key {
        None => {
            let mut h = Sha256::new();
            h.update(prev_hash.as_bytes());
            h.update(b"\n");
            h.update(content.as_bytes());
            hex::encode(h.finalize())
        }
        Some(k) => k.mac(&[k.id.as_bytes(), prev_hash.as_bytes(), content.as_bytes()]),
    }
}

/// A checkpoint's seal over (organization, number, hash): `<key id>:<hmac>`
/// with a key, `sha256:<hash>` without one (then it saves work, and proves
/// nothing to someone who can write to the database).
pub fn seal_checkpoint(key: Option<&AuditKey>, org_id: i64, seq: i64, hash: &str) -> String {
    let content = format!("plinth-audit-checkpoint-v1\n{org_id}\n{seq}\n{hash}");
    match key {
        None => format!("sha256:{}", seal_entry(None, "", &content)),
        Some(k) => format!("{}:{}", k.id, k.mac(&[content.as_bytes()])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac.finalize().into_bytes()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn keys_seal_apart_and_are_named_by_a_fingerprint() {
        assert!(AuditKey::parse("short").is_err());
        let a = AuditKey::parse(&"a".repeat(32)).unwrap();
        let b = AuditKey::parse(&"b".repeat(32)).unwrap();
        assert_eq!(a.id.len(), 16);
        assert_ne!(a.id, b.id);
        assert!(!format!("{a:?}").contains("aaaa"), "the secret is never printed");
        let plain = seal_entry(None, "prev", "content");
        let (sa, sb) = (seal_entry(Some(&a), "prev", "content"), seal_entry(Some(&b), "prev", "content"));
        assert!(plain != sa && sa != sb && sa.len() == 64);
        assert_eq!(sa, seal_entry(Some(&AuditKey::parse(&format!(" {} ", "a".repeat(32))).unwrap()), "prev", "content"), "the key is trimmed");
        assert!(seal_checkpoint(Some(&a), 1, 5, "h").starts_with(&format!("{}:", a.id)));
        assert!(seal_checkpoint(None, 1, 5, "h").starts_with("sha256:"));
        assert_ne!(seal_checkpoint(Some(&a), 1, 5, "h"), seal_checkpoint(Some(&a), 1, 6, "h"));
    }
}
