CREATE TABLE users (
    id                  uuid PRIMARY KEY,
    username            text NOT NULL,
    -- Usernames are unique ignoring case: the lookup key is the lower-cased name.
    normalized_username text NOT NULL UNIQUE,
    password_hash       text NOT NULL,
    is_admin            boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    private_key_pem text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Set when a newer key takes over signing; the key keeps validating until its tokens expire.
    retired_at      timestamptz
);
