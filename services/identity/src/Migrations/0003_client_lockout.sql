-- Lockout by client address (services/identity/README.md, "Client addresses and lockout"): wrong
-- passwords and locks per (account, address), and when the account last signed in from the address,
-- which exempts that address from the account-wide lock.
CREATE TABLE login_addresses (
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_address  text NOT NULL,
    failures        int NOT NULL DEFAULT 0,
    last_failure_at timestamptz,
    locked_until    timestamptz,
    last_success_at timestamptz,
    PRIMARY KEY (user_id, client_address)
);

-- users.failed_logins and users.locked_until now count and lock across every address (the ceiling);
-- each consecutive account-wide lock lasts twice as long as the one before.
ALTER TABLE users ADD COLUMN account_lockouts int NOT NULL DEFAULT 0;
