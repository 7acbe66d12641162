//! The step lists of WebAuthn Level 3 §7.1 "Registering a New Credential" and
//! §7.2 "Verifying an Authentication Assertion", as one table, in the spec's
//! order: each step with its number and a verbatim quote of its words.
//!
//! Why a table: the step numbers drift between drafts (Level 2 had no
//! `crossOrigin`/`topOrigin` steps; Level 3 drafts added and merged BE/BS and
//! trust-anchor steps), so a bare "step 14" in a comment silently comes to mean
//! another step. The quote is the anchor, the number is what the current text
//! says. Every code comment that cites a step is written
//! `§7.2 step 15 "Verify that the rpIdHash…"`, and `tests/spec_steps/main.rs` checks
//! that each such citation in `src/` agrees with this table, that each step is
//! implemented (`//` comment) in one place only, and that every step relypass
//! checks has a negative test row that fails it.
//!
//! Numbers are those of the Level 3 text (<https://www.w3.org/TR/webauthn-3/>,
//! Candidate Recommendation and editor's draft). Known drift: some Level 3
//! snapshots fold §7.1's trust-anchor and assessment steps (23–24) into one,
//! which moves every later §7.1 number down by one; §7.1 steps 21–29 are
//! therefore the numbers to re-check first when the text is updated. The
//! quotes do not move.
//!
//! Not API: reachable as `relypass::internal::spec_steps` for the tests only.

/// Which ceremony's step list a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// §7.1 Registering a New Credential.
    Registration,
    /// §7.2 Verifying an Authentication Assertion.
    Authentication,
}

impl Section {
    /// `"§7.1"` or `"§7.2"`.
    pub const fn label(self) -> &'static str {
        match self {
            Section::Registration => "§7.1",
            Section::Authentication => "§7.2",
        }
    }
}

/// Who carries a step out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// relypass verifies it and fails the ceremony with an [`Error`]
    /// variant: `tests/spec_steps/main.rs` must have a row that fails it.
    ///
    /// [`Error`]: crate::Error
    Library,
    /// The step only names or computes a value (or is a summary of the
    /// others): there is nothing to fail. The reason says where it happens.
    NoCheck(&'static str),
    /// The browser's (client's) job, not the relying party's.
    Client(&'static str),
    /// The host application's job: relypass hands it what it needs.
    Host(&'static str),
}

/// One step: where it is, its number in the current text, its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// §7.1 or §7.2.
    pub section: Section,
    /// The step's number in the current Level 3 text.
    pub number: u8,
    /// The opening words of the step, verbatim (straight apostrophes).
    pub quote: &'static str,
    /// Who carries it out.
    pub owner: Owner,
}

impl Spec {
    /// The citation as code comments write it: `§7.2 step 15 "Verify that…"`.
    pub fn cite(&self) -> String {
        format!(
            "{} step {} \"{}\"",
            self.section.label(),
            self.number,
            self.quote
        )
    }
}

macro_rules! step_list {
    ($(#[$doc:meta])* $name:ident, $section:expr,
     $( $var:ident = $n:literal, $owner:expr, $quote:literal; )*) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( #[doc = $quote] $var, )*
        }
        impl $name {
            /// Every step, in the spec's order.
            pub const ALL: &'static [$name] = &[ $( $name::$var, )* ];
            /// The step's number, words and owner.
            pub const fn spec(self) -> Spec {
                match self {
                    $( $name::$var => Spec {
                        section: $section,
                        number: $n,
                        quote: $quote,
                        owner: $owner,
                    }, )*
                }
            }
        }
    };
}

use Owner::{Client, Host, Library, NoCheck};

step_list! {
    /// §7.1 Registering a New Credential.
    Reg, Section::Registration,
    Options = 1, NoCheck("start_registration builds the options"),
        "Let options be a new CredentialCreationOptions structure configured to the Relying Party's needs for the ceremony.";
    Create = 2, Client("the page's script calls create(); the browser talks to the authenticator"),
        "Call navigator.credentials.create() and pass options as the argument.";
    ResponseType = 3, Library,
        "Let response be credential.response. If response is not an instance of AuthenticatorAttestationResponse, abort the ceremony with a user-visible error.";
    ClientExtensionResults = 4, NoCheck("read from the response JSON's clientExtensionResults"),
        "Let clientExtensionResults be the result of calling credential.getClientExtensionResults().";
    Utf8Decode = 5, Library,
        "Let JSONtext be the result of running UTF-8 decode on the value of response.clientDataJSON.";
    ParseClientData = 6, Library,
        "Let C, the client data claimed as collected during the credential creation, be the result of running an implementation-specific JSON parser on JSONtext.";
    ClientDataType = 7, Library,
        "Verify that the value of C.type is webauthn.create.";
    Challenge = 8, Library,
        "Verify that the value of C.challenge equals the base64url encoding of pkOptions.challenge.";
    Origin = 9, Library,
        "Verify that the value of C.origin is an origin expected by the Relying Party.";
    CrossOrigin = 10, Library,
        "If C.crossOrigin is present and set to true, verify that the Relying Party expects that this credential would have been created within an iframe that is not same-origin with its ancestors.";
    TopOrigin = 11, Library,
        "If C.topOrigin is present:";
    Hash = 12, NoCheck("SHA-256 over the raw clientDataJSON bytes, in finish_registration"),
        "Let hash be the result of computing a hash over response.clientDataJSON using SHA-256.";
    DecodeAttestationObject = 13, Library,
        "Perform CBOR decoding on the attestationObject field of the AuthenticatorAttestationResponse structure to obtain the attestation statement format fmt, the authenticator data authData, and the attestation statement attStmt.";
    RpIdHash = 14, Library,
        "Verify that the rpIdHash in authData is the SHA-256 hash of the RP ID expected by the Relying Party.";
    UserPresent = 15, Library,
        "If options.mediation is not set to conditional, verify that the UP bit of the flags in authData is set.";
    UserVerified = 16, Library,
        "If the Relying Party requires user verification for this registration, verify that the UV bit of the flags in authData is set.";
    BackupStateWithoutEligibility = 17, Library,
        "If the BE bit of the flags in authData is not set, verify that the BS bit is not set.";
    BackupEligibility = 18, Library,
        "If the Relying Party uses the credential's backup eligibility to inform its user experience flows and/or policies, evaluate the BE bit of the flags in authData.";
    BackupState = 19, Library,
        "If the Relying Party uses the credential's backup state to inform its user experience flows and/or policies, evaluate the BS bit of the flags in authData.";
    Algorithm = 20, Library,
        "Verify that the \"alg\" parameter in the credential public key in authData matches the alg attribute of one of the items in pkOptions.pubKeyCredParams.";
    AttestationFormat = 21, Library,
        "Determine the attestation statement format by performing a USASCII case-sensitive match on fmt against the set of supported WebAuthn Attestation Statement Format Identifier values.";
    AttestationStatement = 22, Library,
        "Verify that attStmt is a correct attestation statement, conveying a valid attestation signature, by using the attestation statement format fmt's verification procedure given attStmt, authData and hash.";
    TrustAnchors = 23, Host("the host lists trust anchors or a FIDO metadata blob in its TrustPolicy; relypass looks them up"),
        "If validation is successful, obtain a list of acceptable trust anchors (i.e. attestation root certificates) for that attestation type and attestation statement format fmt, from a trusted source or from policy.";
    Trustworthiness = 24, Library,
        "Assess the attestation trustworthiness using the outputs of the verification procedure in step 22, as follows:";
    CredentialIdLength = 25, Library,
        "Verify that the credentialId is ≤ 1023 bytes.";
    CredentialIdUnused = 26, Library,
        "Verify that the credentialId is not yet registered for any user.";
    StoreRecord = 27, Host("finish_registration returns the CredentialRecord; the host's CredentialStore (or Passkeys) stores it"),
        "If the attestation statement attStmt verified successfully and is found to be trustworthy, then create and store a new credential record in the user account that was denoted in pkOptions.user";
    Extensions = 28, Library,
        "Process the client extension outputs in clientExtensionResults and the authenticator extension outputs in the extensions in authData as required by the Relying Party.";
    NotTrustworthy = 29, NoCheck("an untrusted statement already failed step 24 (Trustworthiness)"),
        "If the attestation statement attStmt successfully verified but is not trustworthy per step 24 above, the Relying Party SHOULD fail the registration ceremony.";
}

step_list! {
    /// §7.2 Verifying an Authentication Assertion.
    Auth, Section::Authentication,
    Options = 1, NoCheck("start_authentication builds the options"),
        "Let options be a new CredentialRequestOptions structure configured to the Relying Party's needs for the ceremony.";
    Get = 2, Client("the page's script calls get(); the browser talks to the authenticator"),
        "Call navigator.credentials.get() and pass options as the argument.";
    ResponseType = 3, Library,
        "Let response be credential.response. If response is not an instance of AuthenticatorAssertionResponse, abort the ceremony with a user-visible error.";
    ClientExtensionResults = 4, NoCheck("read from the response JSON's clientExtensionResults"),
        "Let clientExtensionResults be the result of calling credential.getClientExtensionResults().";
    AllowCredentials = 5, Library,
        "If pkOptions.allowCredentials is not empty, verify that credential.id identifies one of the public key credentials listed in pkOptions.allowCredentials.";
    IdentifyUser = 6, Library,
        "Identify the user being authenticated and let credentialRecord be the credential record for the credential:";
    Names = 7, NoCheck("the response JSON's members, base64url-decoded with size bounds"),
        "Let cData, authData and sig denote the value of response's clientDataJSON, authenticatorData, and signature respectively.";
    Utf8Decode = 8, Library,
        "Let JSONtext be the result of running UTF-8 decode on the value of cData.";
    ParseClientData = 9, Library,
        "Let C, the client data claimed as used for the signature, be the result of running an implementation-specific JSON parser on JSONtext.";
    ClientDataType = 10, Library,
        "Verify that the value of C.type is the string webauthn.get.";
    Challenge = 11, Library,
        "Verify that the value of C.challenge equals the base64url encoding of pkOptions.challenge.";
    Origin = 12, Library,
        "Verify that the value of C.origin is an origin expected by the Relying Party.";
    CrossOrigin = 13, Library,
        "If C.crossOrigin is present and set to true, verify that the Relying Party expects this credential to be used within an iframe that is not same-origin with its ancestors.";
    TopOrigin = 14, Library,
        "If C.topOrigin is present:";
    RpIdHash = 15, Library,
        "Verify that the rpIdHash in authData is the SHA-256 hash of the RP ID expected by the Relying Party.";
    UserPresent = 16, Library,
        "Verify that the UP bit of the flags in authData is set.";
    UserVerified = 17, Library,
        "Determine whether user verification is required for this assertion.";
    BackupStateWithoutEligibility = 18, Library,
        "If the BE bit of the flags in authData is not set, verify that the BS bit is not set.";
    BackupEligibility = 19, Library,
        "If the credential backup state is used as part of Relying Party business logic or policy, let currentBe and currentBs be the values of the BE and BS bits, respectively, of the flags in authData.";
    Hash = 20, NoCheck("SHA-256 over the raw clientDataJSON bytes, next to the signature check"),
        "Let hash be the result of computing a hash over the cData using SHA-256.";
    Signature = 21, Library,
        "Using credentialRecord.publicKey, verify that sig is a valid signature over the binary concatenation of authData and hash.";
    SignCount = 22, Library,
        "If authData.signCount is nonzero or credentialRecord.signCount is nonzero, then run the following sub-step:";
    Extensions = 23, Host("the outputs are handed to the host in VerifiedAuthentication; appid is applied at step 15"),
        "Process the client extension outputs in clientExtensionResults and the authenticator extension outputs in the extensions in authData as required by the Relying Party.";
    UpdateRecord = 24, Host("finish_authentication returns the CredentialUpdate; the host's CredentialStore (or Passkeys) applies it"),
        "Update credentialRecord with new state values:";
    Continue = 25, NoCheck("a summary of the steps above"),
        "If all the above steps are successful, continue the authentication ceremony as appropriate.";
}

/// A step of either list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// A §7.1 step.
    Reg(Reg),
    /// A §7.2 step.
    Auth(Auth),
}

impl Step {
    /// The step's number, words and owner.
    pub const fn spec(self) -> Spec {
        match self {
            Step::Reg(s) => s.spec(),
            Step::Auth(s) => s.spec(),
        }
    }

    /// Every step of §7.1 then §7.2, in the spec's order.
    pub fn all() -> impl Iterator<Item = Step> {
        Reg::ALL
            .iter()
            .map(|s| Step::Reg(*s))
            .chain(Auth::ALL.iter().map(|s| Step::Auth(*s)))
    }

    /// The step of `section` numbered `number`, if there is one.
    pub fn find(section: Section, number: u8) -> Option<Step> {
        Step::all().find(|s| {
            let spec = s.spec();
            spec.section == section && spec.number == number
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_list_is_numbered_one_to_n_in_order() {
        for section in [Section::Registration, Section::Authentication] {
            let numbers: Vec<u8> = Step::all()
                .map(Step::spec)
                .filter(|s| s.section == section)
                .map(|s| s.number)
                .collect();
            let expected: Vec<u8> = (1..=numbers.len() as u8).collect();
            assert_eq!(numbers, expected, "{}", section.label());
        }
    }

    #[test]
    fn quotes_are_sentences_of_the_spec_not_paraphrases() {
        for s in Step::all().map(Step::spec) {
            // Straight apostrophes only, so a comment can quote a prefix of it.
            assert!(!s.quote.contains('’'), "{}", s.cite());
            assert!(s.quote.len() >= 20, "{}", s.cite());
        }
    }

    #[test]
    fn cite_has_the_comment_form() {
        assert_eq!(
            Step::Auth(Auth::UserPresent).spec().cite(),
            "§7.2 step 16 \"Verify that the UP bit of the flags in authData is set.\""
        );
        assert_eq!(
            Step::find(Section::Registration, 14),
            Some(Step::Reg(Reg::RpIdHash))
        );
    }
}
