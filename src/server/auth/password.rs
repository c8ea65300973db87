//! Password hashing with argon2id at OWASP's parameters (m=19 MiB, t=2, p=1).
//! Hashing is CPU-bound, so it runs on the blocking pool, never the async runtime.
use crate::domain::Password;
use crate::error::AppError;
use argon2::password_hash::{PasswordHash, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::LazyLock;

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
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

/// Verify `password` against `stored`, or against a dummy hash when there is
/// no stored hash, so the caller's timing does not reveal which case it was.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&hash).map_err(AppError::internal)?;
        let ok = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(ok && known)
    })
    .await
    .map_err(AppError::internal)?
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
}
