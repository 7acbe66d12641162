// Fields bound by verification cannot be rewritten on a record the host holds:
// swapping the key (or the counter, or the state) needs the validated paths.
fn edit(record: &mut relypass::CredentialRecord) {
    record.public_key = vec![0xa5].into();
    record.sign_count = 0;
    record.state = relypass::CredentialState::Active;
}

fn main() {}
