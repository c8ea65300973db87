//! Secrets handed to people or programs: invitation tokens and API keys.
//! Only a SHA-256 of either is stored; the secret itself is shown once.
//!
//! An API key reads `plk_` + 43 base62 characters from the OS's CSPRNG (256
//! bits) + a 6-character base62 CRC32 of what precedes it. The checksum lets
//! a mistyped or truncated key be refused without touching the database.
use rand::RngCore;
use sha2::{Digest, Sha256};

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
pub const KEY_PREFIX: &str = "plk_";
const KEY_RANDOM_CHARS: usize = 43;
const KEY_CHECKSUM_CHARS: usize = 6;
pub const KEY_LEN: usize = KEY_PREFIX.len() + KEY_RANDOM_CHARS + KEY_CHECKSUM_CHARS;

/// A fresh invitation token: 32 random bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// What is stored for a token or key: its SHA-256, hex.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new API key, in full. Show it once; store `hash_secret` and `key_hint`.
pub fn new_api_key() -> String {
    let mut key = String::with_capacity(KEY_LEN);
    key.push_str(KEY_PREFIX);
    let mut buf = [0u8; 64];
    while key.len() < KEY_PREFIX.len() + KEY_RANDOM_CHARS {
        rand::rngs::OsRng.fill_bytes(&mut buf);
        // 248 = 4 × 62: bytes at or above it are dropped, so every character is equally likely.
        for b in buf.iter().filter(|b| **b < 248) {
            if key.len() == KEY_PREFIX.len() + KEY_RANDOM_CHARS {
                break;
            }
            key.push(BASE62[(*b % 62) as usize] as char);
        }
    }
    let checksum = checksum(&key);
    key.push_str(&checksum);
    key
}

/// Whether `key` is shaped like a Plinth API key with a correct checksum.
/// Cheap, and needs no database: run it before any lookup.
pub fn api_key_well_formed(key: &str) -> bool {
    key.len() == KEY_LEN
        && key.starts_with(KEY_PREFIX)
        && key[KEY_PREFIX.len()..].bytes().all(|b| b.is_ascii_alphanumeric())
        && checksum(&key[..KEY_LEN - KEY_CHECKSUM_CHARS]) == key[KEY_LEN - KEY_CHECKSUM_CHARS..]
}

/// What a list shows of a key: enough to recognise it, too little to use it.
pub fn key_hint(key: &str) -> String {
    let end = key.get(key.len().saturating_sub(4)..).unwrap_or("");
    let start = key.get(..KEY_PREFIX.len() + 4).unwrap_or("");
    format!("{start}…{end}")
}

fn checksum(body: &str) -> String {
    let mut n = crc32(body.as_bytes()) as u64;
    let mut out = [b'0'; KEY_CHECKSUM_CHARS];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// CRC-32 (IEEE 802.3, as zlib and PNG use it), bit by bit: keys are short.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn keys_are_long_random_and_checksummed() {
        let a = new_api_key();
        let b = new_api_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), KEY_LEN);
        assert!(a.starts_with("plk_"));
        assert!(api_key_well_formed(&a), "{a}");
        // 43 base62 characters carry at least 256 bits.
        assert!(KEY_RANDOM_CHARS as f64 * 62f64.log2() >= 256.0);
    }

    #[test]
    fn a_changed_or_cut_key_fails_its_checksum() {
        let key = new_api_key();
        let mut chars: Vec<char> = key.chars().collect();
        chars[10] = if chars[10] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert!(!api_key_well_formed(&typo));
        assert!(!api_key_well_formed(&key[..KEY_LEN - 1]));
        assert!(!api_key_well_formed(&format!("{key}x")));
        assert!(!api_key_well_formed(&key.replacen("plk_", "plx_", 1)));
        assert!(!api_key_well_formed(""));
        assert!(!api_key_well_formed(&"é".repeat(KEY_LEN / 2)));
        assert!(!api_key_well_formed(&format!("plk_{}", "-".repeat(KEY_LEN - 4))));
    }

    #[test]
    fn hints_show_the_start_and_the_last_four() {
        let key = new_api_key();
        let hint = key_hint(&key);
        assert!(hint.starts_with(&key[..8]) && hint.ends_with(&key[KEY_LEN - 4..]), "{hint}");
        assert!(hint.chars().count() < 14);
        assert!(key_hint("aéééé").starts_with('…'), "never slices inside a character");
    }
}
