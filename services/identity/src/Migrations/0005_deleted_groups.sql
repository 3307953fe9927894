-- A deleted group stays as a tombstone, so membership snapshots can tell the copies other services
-- keep that it is gone (a copy that missed StudentGroupDeleted would keep its members forever).
CREATE TABLE deleted_student_groups (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL,
    version            bigint NOT NULL,
    membership_version bigint NOT NULL,
    deleted_at         timestamptz NOT NULL DEFAULT now()
);
