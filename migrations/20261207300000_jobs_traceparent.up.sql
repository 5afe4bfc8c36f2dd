-- The W3C traceparent of the request that queued a job, so that the job's span continues that
-- request's trace (`telemetry::traces`). NULL when traces were not exported.
ALTER TABLE jobs ADD COLUMN traceparent text;
