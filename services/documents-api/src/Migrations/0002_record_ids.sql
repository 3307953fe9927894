-- Grants are records of their own on the wire (UserPermission, GroupPermission): give them an id
-- and a version like every other record.
ALTER TABLE user_permissions
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    ADD COLUMN version bigint NOT NULL DEFAULT 1;
ALTER TABLE group_permissions
    ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
    ADD COLUMN version bigint NOT NULL DEFAULT 1;

CREATE INDEX documents_by_parent ON documents (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX documents_by_root_type ON documents (root_id, type, created_at, id);
CREATE INDEX user_permissions_by_user ON user_permissions (user_id);
CREATE INDEX group_permissions_by_group ON group_permissions (group_id);
