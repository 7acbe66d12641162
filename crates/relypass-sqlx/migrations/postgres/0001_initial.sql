-- relypass-sqlx schema, version 1 (postgres). Numbers are BIGINT (booleans 0/1) so
-- one SQL text serves both databases; only the byte type differs.

-- Accounts. The name is unique: a passkey sign-up creates its row together
-- with the first credential, and a second sign-up for the name fails there.
CREATE TABLE relypass_users (
    handle BYTEA PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    passkey_only BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Credentials. `record` is the registration-time record as JSON; the columns
-- after it change later and win over the JSON when a row is read.
CREATE TABLE relypass_credentials (
    id BYTEA PRIMARY KEY,
    user_handle BYTEA NOT NULL REFERENCES relypass_users (handle) ON DELETE CASCADE,
    record TEXT NOT NULL,
    user_verified BIGINT NOT NULL,
    name TEXT,
    state TEXT NOT NULL,
    state_changed_at BIGINT NOT NULL,
    sign_count BIGINT NOT NULL,
    backup_state BIGINT NOT NULL,
    last_used_at BIGINT,
    possibly_cloned BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX relypass_credentials_by_user ON relypass_credentials (user_handle);

-- Unfinished ceremonies, taken once. Expired rows are purged through the index.
CREATE TABLE relypass_ceremony_states (
    key BYTEA PRIMARY KEY,
    state BYTEA NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX relypass_ceremony_states_by_expiry ON relypass_ceremony_states (expires_at);
