-- One row per membership snapshot of identity's that this service applied: what the check command
-- (GET /api/v1/admin/membership/reconciliation) reports.
CREATE TABLE membership_reconciliations (
    snapshot_id    uuid PRIMARY KEY,
    reason         text NOT NULL,
    group_count    integer NOT NULL,
    groups_checked integer NOT NULL DEFAULT 0,
    corrections    integer NOT NULL DEFAULT 0,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX membership_reconciliations_by_start ON membership_reconciliations (started_at);
