-- The record an event is about: the relay publishes events of different records concurrently and
-- those of one record one after another, so per-record order holds on the bus.
ALTER TABLE outbox ADD COLUMN record_id uuid;
