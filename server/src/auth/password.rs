//! Admin passwords: argon2id hashes (PHC strings), verified off the async threads.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};

/// Shortest admin password accepted when one is chosen by hand.
pub const MIN_ADMIN_PASSWORD_LEN: usize = 12;
pub const MAX_ADMIN_PASSWORD_LEN: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum AdminPasswordError {
    #[error("the password must have at least {MIN_ADMIN_PASSWORD_LEN} characters besides spaces")]
    TooShort,
    #[error("the password must have at most {MAX_ADMIN_PASSWORD_LEN} characters")]
    TooLong,
    #[error("the password must not contain control characters")]
    ControlCharacter,
    #[error("hashing failed: {0}")]
    Hash(String),
}

/// Checks a password an admin chose.
pub fn check_new_password(password: &SecretString) -> Result<(), AdminPasswordError> {
    let text = password.expose_secret();
    let len = text.chars().count();
    // Twelve spaces are no password; a passphrase's spaces are not what makes it long.
    let counted = text.chars().filter(|c| !c.is_whitespace()).count();
    if text.chars().any(char::is_control) {
        Err(AdminPasswordError::ControlCharacter)
    } else if counted < MIN_ADMIN_PASSWORD_LEN {
        Err(AdminPasswordError::TooShort)
    } else if len > MAX_ADMIN_PASSWORD_LEN {
        Err(AdminPasswordError::TooLong)
    } else {
        Ok(())
    }
}

/// An argon2id (v19, m = 19 MiB, t = 2, p = 1) PHC string.
pub fn hash(password: &SecretString) -> Result<String, AdminPasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| AdminPasswordError::Hash(error.to_string()))
}

/// What an unknown username's password is checked against: an argon2id hash with the parameters of
/// [`hash`] (a test holds them equal), written out so that the first failed login for an unknown name costs one
/// verification like every other, not a hashing first.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$tXYv/R9VSOtYNYkaVOMzxg$ZxRkiHTHmIvFGPNgxwklhg76PRLd8CDlKNGOmqLSmxg";

/// Whether `password` matches `phc`. With `phc` = `None` (no such admin) it still spends the same work, so the
/// answer's timing does not tell which usernames exist.
pub fn verify(password: &SecretString, phc: Option<&str>) -> bool {
    let Ok(parsed) = PasswordHash::new(phc.unwrap_or(DUMMY)) else { return false };
    let matches = Argon2::default().verify_password(password.expose_secret().as_bytes(), &parsed).is_ok();
    matches && phc.is_some()
}

/// A random password for the first admin: 24 characters from an alphabet without look-alikes (~137 bits).
pub fn generate() -> SecretString {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = OsRng;
    let password: String = (0..24).map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())])).collect();
    SecretString::from(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_unknown_users_never_match() {
        let password = SecretString::from("correct horse battery");
        let phc = hash(&password).expect("hash");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify(&password, Some(&phc)));
        assert!(!verify(&SecretString::from("wrong"), Some(&phc)));
        assert!(!verify(&SecretString::from("not an admin password"), None));
    }

    /// An unknown name costs what a known one does: the dummy hash has the parameters a new hash gets.
    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let real = hash(&SecretString::from("correct horse battery")).expect("hash");
        let params = |phc: &str| phc.rsplitn(3, '$').nth(2).map(str::to_owned);
        assert_eq!(params(DUMMY), params(&real), "{DUMMY} vs {real}");
        let dummy = PasswordHash::new(DUMMY).expect("a PHC string");
        assert!(Argon2::default().verify_password(b"not an admin password", &dummy).is_ok());
    }

    #[test]
    fn new_passwords_have_a_minimum_length() {
        assert!(check_new_password(&SecretString::from("short")).is_err());
        assert!(check_new_password(&SecretString::from("long enough password")).is_ok());
        for spaced in [" ".repeat(12), "\u{3000}".repeat(20), format!("{}a{}", " ".repeat(8), " ".repeat(8))] {
            assert!(check_new_password(&SecretString::from(spaced.clone())).is_err(), "{spaced:?}: spaces only count");
        }
        assert!(check_new_password(&SecretString::from("a b c d e f g h i j k l")).is_ok(), "12 besides spaces");
        assert!(check_new_password(&generate()).is_ok());
    }
}
