-- Per group: the membership version of the newest identity snapshot applied to it. The snapshot lists
-- the members as of that version, so the projection then reflects every membership change of the
-- group up to it, also for users no row of membership_versions mentions; an older change is ignored.
ALTER TABLE student_groups ADD COLUMN reconciled_membership_version bigint NOT NULL DEFAULT 0;
