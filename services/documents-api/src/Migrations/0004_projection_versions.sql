-- The membership projection applies identity's events idempotently: each row remembers the version
-- of the last event applied, so a replayed or late older event changes nothing.
ALTER TABLE users ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE student_groups ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE student_groups ADD COLUMN deleted boolean NOT NULL DEFAULT false;

-- Per (group, user): the group's membership version of the last change applied, member or not
-- (a removal is remembered, so a replayed older 'added' does not bring the member back).
CREATE TABLE membership_versions (
    group_id  uuid NOT NULL,
    user_id   uuid NOT NULL,
    version   bigint NOT NULL,
    is_member boolean NOT NULL,
    PRIMARY KEY (group_id, user_id)
);

-- Events may arrive before the rows they refer to; the projection then creates placeholders.
ALTER TABLE group_members DROP CONSTRAINT group_members_group_id_fkey;
ALTER TABLE group_members DROP CONSTRAINT group_members_user_id_fkey;
