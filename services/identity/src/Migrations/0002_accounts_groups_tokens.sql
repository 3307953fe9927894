ALTER TABLE users
    ADD COLUMN version bigint NOT NULL DEFAULT 1,
    -- Lockout: consecutive failed logins, and until when the account refuses logins.
    ADD COLUMN failed_logins int NOT NULL DEFAULT 0,
    ADD COLUMN locked_until timestamptz;

CREATE TABLE student_groups (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL,
    version            bigint NOT NULL DEFAULT 1,
    -- Counts membership changes; carried by GroupMembershipChanged so projections drop replays.
    membership_version bigint NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE group_members (
    group_id uuid NOT NULL REFERENCES student_groups (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    added_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

-- Refresh tokens, stored as SHA-256 hashes. A family is one login's chain of rotations: reusing a
-- rotated token revokes the whole family.
CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- A new key is published in the JWKS before it signs (activates_at), so every validator has it
-- by the time the first token signed with it arrives.
ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz NOT NULL DEFAULT now();
