//! Client authentication: trust, or SCRAM-SHA-256 against a password file.
//!
//! Without `--password-file` every client is accepted without a password
//! (trust). With it, every connection must complete a SCRAM-SHA-256
//! exchange (RFC 5802/7677, as PostgreSQL's `scram-sha-256` method); only
//! the mechanism `SCRAM-SHA-256` is offered, since SCRAM-SHA-256-PLUS needs
//! TLS channel binding.
//!
//! The password file holds one `user:password` per line; the user name is
//! everything before the first colon (surrounding blanks dropped), the
//! password everything after it, verbatim. Blank lines and lines starting
//! with `#` are ignored. When the server starts, each password is turned
//! into a SCRAM verifier (random 16-byte salt, 4096 iterations, then
//! `StoredKey`/`ServerKey`), the same data PostgreSQL keeps in
//! `pg_authid.rolpassword`; the file's bytes are overwritten right after,
//! so neither the password nor the salted password stays in memory.
//!
//! An unknown user goes through the same exchange against a mock verifier
//! (a salt derived from the user name and a per-server secret, as
//! PostgreSQL does), so a client cannot tell an unknown user from a wrong
//! password: both end with FATAL 28P01.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use pgwire::api::auth::sasl::scram::{gen_salted_password, random_nonce, ScramAuth, ScramSecret};
use pgwire::api::auth::{
    AuthDriver, AuthSource, DefaultServerParameterProvider, LoginInfo, Password,
};
use pgwire::error::{PgWireError, PgWireResult};

/// The SCRAM iteration count of the verifiers built at start-up
/// (PostgreSQL's default `scram_iterations`).
pub const SCRAM_ITERATIONS: usize = 4096;

/// The salt length, in bytes (as PostgreSQL).
const SALT_LEN: usize = 16;

/// One user's SCRAM verifier.
struct Verifier {
    salt: Vec<u8>,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

impl Verifier {
    fn from_password(password: &str, salt: Vec<u8>) -> Verifier {
        let salted = gen_salted_password(password, &salt, SCRAM_ITERATIONS);
        let ScramSecret::Verifier {
            salt,
            stored_key,
            server_key,
            ..
        } = ScramSecret::verifier_from_salted_password(salt, salted, SCRAM_ITERATIONS)
        else {
            unreachable!("verifier_from_salted_password returns a verifier")
        };
        Verifier {
            salt,
            stored_key,
            server_key,
        }
    }

    fn secret(&self) -> ScramSecret {
        ScramSecret::Verifier {
            salt: self.salt.clone(),
            iterations: SCRAM_ITERATIONS,
            stored_key: self.stored_key.clone(),
            server_key: self.server_key.clone(),
        }
    }
}

/// `len` unpredictable bytes: HMAC-SHA-256 (one PBKDF2 round) keyed with a
/// fresh random nonce from pgwire's system RNG.
fn random_bytes(len: usize) -> Vec<u8> {
    let mut out = gen_salted_password(&random_nonce(), b"rocksgres random", 1);
    out.truncate(len);
    out
}

/// The users of a password file and their SCRAM verifiers.
pub struct Credentials {
    users: HashMap<String, Verifier>,
    /// Per-server secret for the mock verifiers of unknown users.
    mock_key: Vec<u8>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print key material.
        let mut users: Vec<&String> = self.users.keys().collect();
        users.sort();
        f.debug_struct("Credentials")
            .field("users", &users)
            .finish()
    }
}

impl Credentials {
    /// Reads a password file. Errors name the file (and the line).
    pub fn load(path: &Path) -> Result<Credentials, String> {
        let mut bytes = std::fs::read(path)
            .map_err(|e| format!("could not read password file {}: {e}", path.display()))?;
        let parsed = match std::str::from_utf8(&bytes) {
            Ok(text) => Credentials::parse(text),
            Err(_) => Err("the file is not valid UTF-8".to_owned()),
        };
        // Wipe the passwords; black_box keeps the stores from being elided.
        bytes.fill(0);
        std::hint::black_box(&bytes);
        parsed.map_err(|e| format!("invalid password file {}: {e}", path.display()))
    }

    /// Parses password-file text (`user:password` lines).
    pub fn parse(text: &str) -> Result<Credentials, String> {
        let mut users = HashMap::new();
        for (i, line) in text.split('\n').enumerate() {
            let n = i + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let Some((user, password)) = line.split_once(':') else {
                return Err(format!("line {n}: expected user:password"));
            };
            let user = user.trim();
            if user.is_empty() {
                return Err(format!("line {n}: empty user name"));
            }
            if password.is_empty() {
                return Err(format!("line {n}: empty password for user \"{user}\""));
            }
            if users.contains_key(user) {
                return Err(format!("line {n}: user \"{user}\" is listed twice"));
            }
            let verifier = Verifier::from_password(password, random_bytes(SALT_LEN));
            users.insert(user.to_owned(), verifier);
        }
        if users.is_empty() {
            return Err("no users (expected user:password lines)".to_owned());
        }
        Ok(Credentials {
            users,
            mock_key: random_bytes(32),
        })
    }

    /// The number of users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether `user` is in the file.
    pub fn contains(&self, user: &str) -> bool {
        self.users.contains_key(user)
    }

    /// A verifier no password matches, with a salt that is stable per user
    /// name, so repeated attempts cannot tell an unknown user apart.
    fn mock_secret(&self, user: &str) -> ScramSecret {
        let mut salt = gen_salted_password(user, &self.mock_key, 1);
        salt.truncate(SALT_LEN);
        ScramSecret::Verifier {
            salt,
            iterations: SCRAM_ITERATIONS,
            stored_key: gen_salted_password("mock stored key", &self.mock_key, 1),
            server_key: gen_salted_password("mock server key", &self.mock_key, 1),
        }
    }
}

#[async_trait]
impl AuthSource for Credentials {
    /// Not used: SCRAM asks for [`AuthSource::get_scram_secret`], and no
    /// plain or salted password is kept.
    async fn get_password(&self, login: &LoginInfo) -> PgWireResult<Password> {
        Err(PgWireError::InvalidPassword(
            login.user().unwrap_or_default().to_owned(),
        ))
    }

    async fn get_scram_secret(&self, login: &LoginInfo) -> PgWireResult<(ScramSecret, Option<()>)> {
        let user = login.user().unwrap_or_default();
        let secret = match self.users.get(user) {
            Some(v) => v.secret(),
            None => self.mock_secret(user),
        };
        Ok((secret, None))
    }
}

/// SCRAM-SHA-256 authentication: the credentials, pgwire's SCRAM mechanism
/// over them, and the driver that runs it per connection. The driver's
/// parameter provider is unused: the post-authentication messages are
/// ours ([`crate::startup`]).
pub struct Scram {
    /// The users.
    pub credentials: Arc<Credentials>,
    /// Creates one SCRAM state machine per connection.
    pub mechanism: ScramAuth,
    /// Runs the state machine, keeping it in the connection's extensions.
    pub driver: AuthDriver<DefaultServerParameterProvider>,
}

/// How clients authenticate.
pub enum Authentication {
    /// Everyone, without a password.
    Trust,
    /// SCRAM-SHA-256 against a password file.
    Scram(Box<Scram>),
}

impl Authentication {
    /// SCRAM-SHA-256 over `credentials`.
    pub fn scram(credentials: Credentials) -> Authentication {
        let credentials = Arc::new(credentials);
        let mut mechanism = ScramAuth::new(Arc::clone(&credentials) as Arc<dyn AuthSource>);
        mechanism.set_iterations(SCRAM_ITERATIONS);
        Authentication::Scram(Box::new(Scram {
            credentials,
            mechanism,
            driver: AuthDriver::new(DefaultServerParameterProvider::default()),
        }))
    }

    /// The method's name, as in `pg_hba.conf`.
    pub fn method(&self) -> &'static str {
        match self {
            Authentication::Trust => "trust",
            Authentication::Scram(_) => "scram-sha-256",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_file() {
        let c = Credentials::parse(
            "# users\n\nalice:secret\r\n  # indented comment\n bob :pa:ss word \n",
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert!(c.contains("alice") && c.contains("bob") && !c.contains("carol"));
        let a = &c.users["alice"];
        assert_eq!(a.salt.len(), SALT_LEN);
        assert_eq!(a.stored_key.len(), 32);
        // The verifier matches what the password derives with that salt.
        let again = Verifier::from_password("secret", a.salt.clone());
        assert_eq!(again.stored_key, a.stored_key);
        assert_eq!(again.server_key, a.server_key);
        // The password after the first colon is verbatim.
        let b = &c.users["bob"];
        let again = Verifier::from_password("pa:ss word ", b.salt.clone());
        assert_eq!(again.stored_key, b.stored_key);
        // Salts are random.
        let c2 = Credentials::parse("alice:secret").unwrap();
        assert_ne!(c2.users["alice"].salt, a.salt);
    }

    #[test]
    fn parse_errors() {
        for (text, want) in [
            ("alice", "line 1: expected user:password"),
            ("# x\nalice:a\n:pw", "line 3: empty user name"),
            ("alice:", "line 1: empty password"),
            ("alice:a\nalice:b", "line 2: user \"alice\" is listed twice"),
            ("# only comments\n\n", "no users"),
        ] {
            let err = Credentials::parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
        }
        let err = Credentials::load(Path::new("/nonexistent/rocksgres-passwords")).unwrap_err();
        assert!(err.contains("could not read password file"), "{err}");
    }

    #[test]
    fn mock_salt_is_stable_per_user() {
        let c = Credentials::parse("alice:secret").unwrap();
        let salt = |u: &str| match c.mock_secret(u) {
            ScramSecret::Verifier { salt, .. } => salt,
            ScramSecret::SaltedPassword { salt, .. } => salt,
        };
        assert_eq!(salt("mallory"), salt("mallory"));
        assert_ne!(salt("mallory"), salt("eve"));
        assert_eq!(salt("mallory").len(), SALT_LEN);
    }
}
