-- The outbox and event log, shared by every service that publishes integration events. A row is
-- written in the transaction of the change it describes; the relay gives it its global seq when
-- it publishes it, so seq is gapless and in publish order. Idempotent: documents-api created these
-- tables in its own first migrations before this library existed.
CREATE TABLE IF NOT EXISTS outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    event_type   text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    seq          bigint UNIQUE,
    published_at timestamptz
);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS record_id uuid;

CREATE TABLE IF NOT EXISTS outbox_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq  bigint NOT NULL
);
INSERT INTO outbox_state (last_seq) VALUES (0) ON CONFLICT DO NOTHING;
