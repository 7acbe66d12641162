// `finish` consumes the state: a second finish with the same state does not compile.
use relypass::danger::{AuthenticationState, finish_authentication_at};
use relypass::{AuthenticationResponse, CredentialRecord, RelyingParty};

fn twice(
    rp: &RelyingParty,
    state: AuthenticationState,
    response: &AuthenticationResponse,
    record: &CredentialRecord,
) {
    let _ = finish_authentication_at(rp, state, response, record, 0);
    let _ = finish_authentication_at(rp, state, response, record, 0);
}

fn main() {}
