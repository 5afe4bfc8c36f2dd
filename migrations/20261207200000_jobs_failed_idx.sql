-- Failed jobs, newest first: counted on every metrics sample and listed by the operations
-- dashboard. The queue's index (jobs_due_idx) covers queued and running jobs only, and done
-- jobs pile up, so without this both would read the whole table.
CREATE INDEX jobs_failed_idx ON jobs (finished_at DESC) WHERE status = 'failed';
