// Verified results have private fields: neither a registration nor a cached key
// can be assembled outside the verifier.
fn main() {
    let _ = relypass::VerifiedRegistration {};
    let _ = relypass::danger::CachedKey {};
}
