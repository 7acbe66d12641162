// The parsers and crypto are not public API (only the hidden `internal` module
// reaches them, for this repository's tests and fuzzers).
use relypass::cose::CredentialPublicKey;
use relypass::crypto::signature;
use relypass::ceremony::Challenge;

fn main() {}
