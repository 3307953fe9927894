-- Ending a user's sessions raises their session epoch; access tokens carry the epoch they were issued
-- in, and no service honours one below the user's current epoch. A disabled account cannot sign in.
ALTER TABLE users
    ADD COLUMN session_epoch bigint NOT NULL DEFAULT 0,
    ADD COLUMN disabled boolean NOT NULL DEFAULT false;

-- When the login that started a refresh token's family happened: no rotation carries a family past
-- Identity__RefreshFamilyLifetime from it. Tokens issued before this column existed count from now.
ALTER TABLE refresh_tokens ADD COLUMN family_started_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
