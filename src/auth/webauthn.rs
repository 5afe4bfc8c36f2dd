//! The WebAuthn relying party behind passkeys, and the only file that speaks to the
//! `webauthn_rp` crate: the options a browser is sent, and the checks of what it answers.
//!
//! The relying party id is the host of `APP_BASE_URL` and answers must come from its origin
//! (scheme, host and port), so a passkey made for this site is useless to a look-alike. The
//! state of a ceremony under way (its challenge, what was asked) is handed out as bytes that
//! `ops::passkeys` keeps in PostgreSQL until the answer comes back, so that any instance can
//! finish a ceremony another started, and each challenge is taken once.
//!
//! The user handle stored on the authenticator is the account's id (16 bytes, no personal
//! data): a discoverable sign-in says whose passkey it is without anyone typing an address.

use std::time::SystemTime;

use time::OffsetDateTime;
use uuid::Uuid;
use webauthn_rp::{
    AuthenticatedCredential, DiscoverableAuthentication16, DiscoverableAuthenticationServerState,
    DiscoverableCredentialRequestOptions, PublicKeyCredentialCreationOptions, Registration,
    RegistrationServerState,
    bin::{Decode, Encode},
    request::{
        AsciiDomain, ExtensionInfo, PublicKeyCredentialDescriptor, RpId, TimedCeremony,
        auth::AuthenticationVerificationOptions,
        register::{
            CredProtect, PublicKeyCredentialUserEntity, RegistrationVerificationOptions,
            UserHandle16, Username,
        },
    },
    response::{
        AuthTransports, CredentialId,
        register::{DynamicState, StaticState},
    },
};

/// Who this site is to authenticators: read from `APP_BASE_URL`.
#[derive(Debug)]
pub struct RelyingParty {
    id: RpId,
    origin: String,
}

/// Why a passkey's answer was not accepted. Users are told in plain words (`message`); the
/// variant is for the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a WebAuthn answer at all (nothing sent: no JavaScript; or garbage).
    Malformed,
    /// The challenge is unknown, expired, or was already answered.
    Expired,
    /// Signed for another site, by an unknown passkey, with a bad signature or counter...
    Rejected,
    /// The passkey is already registered (to this account or another).
    AlreadyRegistered,
}

impl Refusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Malformed => {
                "Passkeys need JavaScript in your browser, and a browser that supports them."
            }
            Self::Expired => "That took too long, or the request was already used. Try again.",
            Self::Rejected => "That passkey could not be verified for this site.",
            Self::AlreadyRegistered => "That passkey is already registered.",
        }
    }
}

/// A ceremony begun: what to keep until the answer comes back, and the options to send.
pub struct Started {
    /// The challenge's 16 bytes: the answer names it, and it finds `state` again.
    pub challenge: [u8; 16],
    pub state: Vec<u8>,
    pub expires_at: OffsetDateTime,
    /// `PublicKeyCredentialCreationOptionsJSON` or `PublicKeyCredentialRequestOptionsJSON`.
    pub options: String,
}

/// A passkey the account already has, as registration must know it (so the authenticator
/// does not make a second one for the same account).
pub struct Existing {
    pub credential_id: Vec<u8>,
    pub transports: i16,
}

/// A credential that passed registration, as stored.
pub struct NewCredential {
    pub credential_id: Vec<u8>,
    pub static_state: Vec<u8>,
    pub dynamic_state: Vec<u8>,
    pub transports: i16,
}

/// A stored passkey, as a sign-in checks it.
pub struct StoredCredential<'a> {
    pub credential_id: &'a [u8],
    pub user_id: Uuid,
    pub static_state: &'a [u8],
    pub dynamic_state: &'a [u8],
}

/// A registration answer, parsed: the challenge it names, then [`RelyingParty::finish_registration`].
pub struct RegistrationAnswer(Registration);

/// A sign-in answer, parsed: the challenge, credential and account it names, then
/// [`RelyingParty::finish_sign_in`].
pub struct SignInAnswer(DiscoverableAuthentication16);

impl RelyingParty {
    /// `None` when the base URL's host cannot be a relying party id: browsers allow only a
    /// domain name (`localhost` included), never an IP address.
    pub fn from_base_url(base_url: &str) -> Option<Self> {
        let url = url::Url::parse(base_url).ok()?;
        let Some(url::Host::Domain(host)) = url.host() else {
            return None;
        };
        let id = RpId::Domain(AsciiDomain::try_from(host.to_owned()).ok()?);
        Some(Self {
            id,
            origin: url.origin().ascii_serialization(),
        })
    }

    /// Options to create a passkey for the account `user_id`, known to the authenticator by
    /// `email`, not one of `existing`.
    pub fn start_registration(
        &self,
        user_id: Uuid,
        email: &str,
        existing: &[Existing],
    ) -> anyhow::Result<Started> {
        let handle = user_handle(user_id);
        // An address the PRECIS username profile refuses (it should not happen) is shown as
        // "account" in the authenticator's list: only a label.
        let name = Username::try_from(email)
            .or_else(|_| Username::try_from("account"))
            .map_err(|error| anyhow::anyhow!("passkey user name: {error}"))?;
        let user = PublicKeyCredentialUserEntity {
            name,
            id: &handle,
            display_name: None,
        };
        let exclude = existing
            .iter()
            .filter_map(|passkey| {
                Some(PublicKeyCredentialDescriptor {
                    id: CredentialId::decode(passkey.credential_id.clone()).ok()?,
                    transports: AuthTransports::decode(u8::try_from(passkey.transports).ok()?)
                        .ok()?,
                })
            })
            .collect();
        let mut options = PublicKeyCredentialCreationOptions::passkey(&self.id, user, exclude);
        // Asked for, not insisted on: an authenticator without the credProtect extension
        // (many platform ones) would otherwise refuse to make the passkey at all. Every
        // sign-in requires user verification anyway.
        options.extensions.cred_protect =
            CredProtect::UserVerificationRequired(ExtensionInfo::AllowDontEnforceValue);
        let (server, client) = options
            .start_ceremony()
            .map_err(|error| anyhow::anyhow!("passkey registration options: {error}"))?;
        let options = serde_json::to_string(&client)?;
        Ok(Started {
            challenge: server.sent_challenge().0.to_be_bytes(),
            expires_at: timestamp(server.expiration()),
            state: server
                .encode()
                .map_err(|error| anyhow::anyhow!("passkey registration state: {error}"))?,
            options,
        })
    }

    pub fn parse_registration(json: &str) -> Result<RegistrationAnswer, Refusal> {
        Registration::from_json_relaxed(json.as_bytes())
            .map(RegistrationAnswer)
            .map_err(|_| Refusal::Malformed)
    }

    /// Checks `answer` against the ceremony's `state` (from [`Self::start_registration`]).
    pub fn finish_registration(
        &self,
        state: &[u8],
        answer: &RegistrationAnswer,
    ) -> Result<NewCredential, Refusal> {
        let server = RegistrationServerState::<16>::decode(state).map_err(|_| Refusal::Expired)?;
        let options = RegistrationVerificationOptions::<&str, &str> {
            allowed_origins: &[self.origin.as_str()],
            ..Default::default()
        };
        let credential = server
            .verify(&self.id, &answer.0, &options)
            .map_err(|error| {
                tracing::info!(%error, "passkey registration refused");
                Refusal::Rejected
            })?;
        let (id, transports, _user, static_state, dynamic_state, _metadata) =
            credential.into_parts();
        Ok(NewCredential {
            credential_id: id.as_ref().to_vec(),
            static_state: infallible(static_state.encode()),
            dynamic_state: infallible(dynamic_state.encode()).to_vec(),
            transports: i16::from(infallible(transports.encode())),
        })
    }

    /// Options to sign in with any passkey of this site (discoverable credentials: the
    /// browser offers the ones it has, nobody types an address).
    pub fn start_sign_in(&self) -> anyhow::Result<Started> {
        let (server, client) = DiscoverableCredentialRequestOptions::passkey(&self.id)
            .start_ceremony()
            .map_err(|error| anyhow::anyhow!("passkey sign-in options: {error}"))?;
        let options = serde_json::to_string(&client)?;
        Ok(Started {
            challenge: server.sent_challenge().0.to_be_bytes(),
            expires_at: timestamp(server.expiration()),
            state: server
                .encode()
                .map_err(|error| anyhow::anyhow!("passkey sign-in state: {error}"))?,
            options,
        })
    }

    pub fn parse_sign_in(json: &str) -> Result<SignInAnswer, Refusal> {
        DiscoverableAuthentication16::from_json_relaxed(json.as_bytes())
            .map(SignInAnswer)
            .map_err(|_| Refusal::Malformed)
    }

    /// Checks `answer` against the ceremony's `state` and the stored passkey it names
    /// (signature, origin, user verification, and the signature counter where the
    /// authenticator keeps one). The passkey's new dynamic state when it changed.
    pub fn finish_sign_in(
        &self,
        state: &[u8],
        answer: &SignInAnswer,
        stored: &StoredCredential<'_>,
    ) -> Result<Option<Vec<u8>>, Refusal> {
        let server =
            DiscoverableAuthenticationServerState::decode(state).map_err(|_| Refusal::Expired)?;
        let handle = user_handle(stored.user_id);
        let id = CredentialId::decode(stored.credential_id).map_err(|_| Refusal::Rejected)?;
        let static_state = StaticState::decode(stored.static_state).map_err(|error| {
            tracing::error!(?error, "a stored passkey's public key does not decode");
            Refusal::Rejected
        })?;
        let dynamic_bytes: [u8; 7] = stored
            .dynamic_state
            .try_into()
            .map_err(|_| Refusal::Rejected)?;
        let dynamic_state = DynamicState::decode(dynamic_bytes).map_err(|_| Refusal::Rejected)?;
        let mut credential = AuthenticatedCredential::new(id, &handle, static_state, dynamic_state)
            .map_err(|_| Refusal::Rejected)?;
        let options = AuthenticationVerificationOptions::<&str, &str> {
            allowed_origins: &[self.origin.as_str()],
            ..Default::default()
        };
        let changed = server
            .verify(&self.id, &answer.0, &mut credential, &options)
            .map_err(|error| {
                tracing::info!(%error, "passkey sign-in refused");
                Refusal::Rejected
            })?;
        Ok(changed.then(|| infallible(credential.dynamic_state().encode()).to_vec()))
    }
}

impl RegistrationAnswer {
    pub fn challenge(&self) -> Result<[u8; 16], Refusal> {
        self.0
            .challenge_relaxed()
            .map(|challenge| challenge.0.to_be_bytes())
            .map_err(|_| Refusal::Malformed)
    }
}

impl SignInAnswer {
    pub fn challenge(&self) -> Result<[u8; 16], Refusal> {
        self.0
            .challenge_relaxed()
            .map(|challenge| challenge.0.to_be_bytes())
            .map_err(|_| Refusal::Malformed)
    }

    pub fn credential_id(&self) -> &[u8] {
        self.0.raw_id().into_inner()
    }

    /// The account the passkey says it belongs to.
    pub fn user_id(&self) -> Uuid {
        Uuid::from_bytes(infallible(self.0.response().user_handle().encode()))
    }
}

fn user_handle(user_id: Uuid) -> UserHandle16 {
    infallible(UserHandle16::decode(*user_id.as_bytes()))
}

fn infallible<T>(result: Result<T, std::convert::Infallible>) -> T {
    match result {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

fn timestamp(at: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_base_urls_host_and_origin() {
        let party = RelyingParty::from_base_url("https://app.example.com").unwrap();
        assert_eq!(party.origin, "https://app.example.com");
        assert!(matches!(&party.id, RpId::Domain(domain) if domain.as_ref() == "app.example.com"));
        let local = RelyingParty::from_base_url("http://localhost:3000").unwrap();
        assert_eq!(local.origin, "http://localhost:3000");
        // Browsers refuse an IP address as a relying party id.
        assert!(RelyingParty::from_base_url("http://127.0.0.1:3000").is_none());
    }

    #[test]
    fn options_name_the_site_and_the_account() {
        let party = RelyingParty::from_base_url("https://app.example.com").unwrap();
        let user = Uuid::new_v4();
        let started = party
            .start_registration(user, "ada@example.com", &[])
            .unwrap();
        let options: serde_json::Value = serde_json::from_str(&started.options).unwrap();
        assert_eq!(options["rp"]["id"], "app.example.com");
        assert_eq!(options["user"]["name"], "ada@example.com");
        assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
        let sign_in = party.start_sign_in().unwrap();
        let options: serde_json::Value = serde_json::from_str(&sign_in.options).unwrap();
        assert_eq!(options["allowCredentials"], serde_json::json!([]));
        assert_eq!(options["userVerification"], "required");
        assert_ne!(started.challenge, sign_in.challenge);
    }
}
