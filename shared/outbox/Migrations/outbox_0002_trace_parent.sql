-- The W3C traceparent of the request that wrote the event, so the relay's publish, which happens
-- later in another context, continues that request's trace. Null when the writer was not traced.
ALTER TABLE outbox ADD COLUMN IF NOT EXISTS trace_parent text;
