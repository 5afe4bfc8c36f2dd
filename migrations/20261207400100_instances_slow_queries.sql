-- The operations dashboard's slow queries: each instance publishes its latest with its
-- heartbeat, as it does its server errors. After the table's own migration (20261207400000),
-- whatever the clock said when this one was written.
-- monitoring::slow_queries::SlowQuery, newest first.
ALTER TABLE instances ADD COLUMN slow_queries jsonb NOT NULL DEFAULT '[]';
