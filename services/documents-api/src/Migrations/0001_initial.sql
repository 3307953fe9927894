-- Projection of identity's users, groups and memberships: used for authorisation and audiences.
CREATE TABLE users (
    id       uuid PRIMARY KEY,
    username text NOT NULL,
    is_admin boolean NOT NULL DEFAULT false
);

CREATE TABLE student_groups (
    id   uuid PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE group_members (
    group_id uuid NOT NULL REFERENCES student_groups (id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);

CREATE TABLE roots (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    shared_access text NOT NULL DEFAULT 'None' CHECK (shared_access IN ('RW', 'RO', 'None')),
    created_by    uuid NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    version       bigint NOT NULL DEFAULT 1
);

CREATE TABLE user_permissions (
    root_id uuid NOT NULL REFERENCES roots (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    access  text NOT NULL CHECK (access IN ('RW', 'RO', 'None')),
    PRIMARY KEY (root_id, user_id)
);

CREATE TABLE group_permissions (
    root_id  uuid NOT NULL REFERENCES roots (id) ON DELETE CASCADE,
    group_id uuid NOT NULL,
    access   text NOT NULL CHECK (access IN ('RW', 'RO', 'None')),
    PRIMARY KEY (root_id, group_id)
);

CREATE TABLE documents (
    id         uuid PRIMARY KEY,
    root_id    uuid NOT NULL REFERENCES roots (id) ON DELETE CASCADE,
    author_id  uuid NOT NULL,
    type       text NOT NULL,
    parent_id  uuid REFERENCES documents (id) ON DELETE CASCADE,
    data       jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version    bigint NOT NULL DEFAULT 1
);
CREATE INDEX documents_by_root ON documents (root_id);

-- The outbox and event log. A row is written in the transaction of the change it describes;
-- the relay gives it its global seq when it publishes it, so seq is gapless and in publish order.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    event_type   text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    seq          bigint UNIQUE,
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

CREATE TABLE outbox_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq  bigint NOT NULL
);
INSERT INTO outbox_state (last_seq) VALUES (0);
