// A ceremony state cannot be cloned, so one `start` cannot be finished twice.
fn copy(state: &relypass::danger::RegistrationState) -> relypass::danger::RegistrationState {
    state.clone()
}

fn main() {}
