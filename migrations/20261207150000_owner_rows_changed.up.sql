-- PostgreSQL tells every instance whose rows changed, so that pages rendered from them and
-- kept in memory (src/web/page_cache.rs) are dropped the moment a change commits: whoever
-- made it (a request on any instance, a job, `db seed`, psql). NOTIFY is transactional: a
-- rolled-back change says nothing, a committed one is heard after its commit, never before.
--
-- One notification per owner per statement ("contacts 0b9f…"), however many rows it touched;
-- a TRUNCATE says "contacts *". A table joins by naming this function in three statement
-- triggers (a trigger with a transition table fires for one kind of statement), as contacts
-- and files do below and `generate resource` writes for each resource. Rows never change
-- owner.
CREATE FUNCTION notify_owner_rows_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    owner uuid;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('owner_rows_changed', TG_TABLE_NAME || ' *');
        RETURN NULL;
    END IF;
    FOR owner IN SELECT DISTINCT owner_id FROM changed LOOP
        PERFORM pg_notify('owner_rows_changed', TG_TABLE_NAME || ' ' || owner);
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE TRIGGER contacts_inserted AFTER INSERT ON contacts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER contacts_updated AFTER UPDATE ON contacts
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER contacts_deleted AFTER DELETE ON contacts
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER contacts_truncated AFTER TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();

CREATE TRIGGER files_inserted AFTER INSERT ON files
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER files_updated AFTER UPDATE ON files
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER files_deleted AFTER DELETE ON files
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
CREATE TRIGGER files_truncated AFTER TRUNCATE ON files
    FOR EACH STATEMENT EXECUTE FUNCTION notify_owner_rows_changed();
