// Ceremony states are not `Clone`, so one `start` cannot be finished twice.
fn must_be_clone<T: Clone>() {}

fn main() {
    must_be_clone::<relypass::danger::RegistrationState>();
    must_be_clone::<relypass::danger::AuthenticationState>();
}
