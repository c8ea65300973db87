//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1),
//! and the strength rule for new passwords.
//!
//! Hashing is CPU-bound, so it runs on the blocking pool, never the async
//! runtime, and at most one hash per core runs at once: fifty parallel
//! sign-ups queue for a permit instead of taking 50 × 19 MiB and every thread.
use crate::domain::Password;
use crate::error::AppError;
use argon2::password_hash::{PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use tokio::sync::Semaphore;

/// One permit per core.
static PERMITS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(max_concurrent_hashes()));
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// How many hashes may run at once.
pub fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)
}

/// The most hashes that ever ran at once in this process (for tests and benchmarks).
pub fn peak_concurrent_hashes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// How long a request waits for a hashing permit before it is shed with 503
/// `busy` and `Retry-After` (`PLINTH_HASH_WAIT_SECONDS`): a flood of
/// sign-ins must not queue without end. Per process, like the permits.
static HASH_WAIT_SECONDS: AtomicU64 = AtomicU64::new(5);

pub fn set_hash_wait(wait: std::time::Duration) {
    HASH_WAIT_SECONDS.store(wait.as_secs().max(1), Ordering::Relaxed);
}

pub fn hash_wait() -> std::time::Duration {
    std::time::Duration::from_secs(HASH_WAIT_SECONDS.load(Ordering::Relaxed))
}

/// Run one argon2 computation under a permit, on the blocking pool.
async fn run_limited<T: Send + 'static>(work: impl FnOnce() -> Result<T, AppError> + Send + 'static) -> Result<T, AppError> {
    let _permit = match tokio::time::timeout(hash_wait(), PERMITS.acquire()).await {
        Ok(permit) => permit.map_err(AppError::internal)?,
        Err(_) => {
            tracing::warn!("password hashing is saturated: a request was shed");
            return Err(AppError::Busy);
        }
    };
    tokio::task::spawn_blocking(move || {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        PEAK.fetch_max(now, Ordering::SeqCst);
        let out = work();
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        out
    })
    .await
    .map_err(AppError::internal)?
}

/// The lowest zxcvbn score (0 to 4) a new password may have.
pub const MIN_SCORE: u8 = 3;

/// Refuse a guessable password (OWASP ASVS 5.0 V6.2: at least 8 characters,
/// no composition rules, checked against common and context-specific
/// words). `context` holds the user's name and email, which must not make the
/// password easier to guess. The message carries zxcvbn's feedback.
///
/// zxcvbn's cost grows with the input, so it sees at most the first 64
/// characters of the password and 100 of each context word, and it runs on
/// the blocking pool under the same permits as hashing.
pub async fn check_strength(password: &Password, context: &[&str]) -> Result<(), AppError> {
    let password: String = password.expose().chars().take(64).collect();
    // Each word of the name and email counts too, and the name run together.
    let mut words: Vec<String> = Vec::new();
    for c in context {
        let c: String = c.to_lowercase().chars().take(100).collect();
        words.push(c.replace(' ', ""));
        words.extend(c.split(['@', '.', ' ', '-', '_', '+']).filter(|w| w.len() > 2).map(String::from));
        words.push(c);
    }
    run_limited(move || {
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(&password, &words);
        if u8::from(estimate.score()) >= MIN_SCORE {
            return Ok(());
        }
        let mut message = String::from("This password is too easy to guess.");
        if let Some(feedback) = estimate.feedback() {
            if let Some(warning) = feedback.warning() {
                message.push(' ');
                message.push_str(&warning.to_string());
            }
            for s in feedback.suggestions() {
                message.push(' ');
                message.push_str(&s.to_string());
            }
        }
        if !message.contains("Add another word") {
            message.push_str(" A few uncommon words together make a strong password that is easy to remember.");
        }
        Err(AppError::Invalid(message))
    })
    .await
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A real hash of a random password. Checking against it when an email is
/// unknown makes a failed sign-in take as long either way.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2().hash_password(salt.as_str().as_bytes(), &salt).expect("hashing works").to_string()
});

pub async fn hash(password: Password) -> Result<String, AppError> {
    run_limited(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2().hash_password(password.expose().as_bytes(), &salt).map(|h| h.to_string()).map_err(AppError::internal)
    })
    .await
}

/// Verify `password` against `stored`, or against a dummy hash when there is
/// no stored hash, so the caller's timing does not reveal which case it was.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    run_limited(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        let ok = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(ok && known)
    })
    .await
}

/// Compute the dummy hash ahead of the first sign-in.
pub fn warm_up() {
    LazyLock::force(&DUMMY_HASH);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_verify() {
        let h = hash(Password::parse("correct horse".into()).unwrap()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse".into(), Some(h.clone())).await.unwrap());
        assert!(!verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn strength_rule_refuses_guessable_passwords_with_feedback() {
        let p = |s: &str| Password::parse(s.into()).unwrap();
        for weak in ["password", "password1", "12345678", "qwertyuiop", "iloveyou!", "adalovelace1"] {
            let err = check_strength(&p(weak), &["Ada Lovelace", "ada@example.com"]).await.unwrap_err();
            assert!(err.to_string().starts_with("This password is too easy to guess."), "{weak}: {err}");
        }
        assert!(check_strength(&p("correct horse battery"), &[]).await.is_ok());
        assert!(check_strength(&p("plinth-demo-orchid-lantern"), &[]).await.is_ok());
        assert!(check_strength(&p(&"a".repeat(128)), &[]).await.is_err(), "long but repetitive");
        // The user's own name and email make a password weaker.
        assert!(check_strength(&p("ada lovelace"), &["Ada Lovelace", "ada@example.com"]).await.is_err());
    }
}
