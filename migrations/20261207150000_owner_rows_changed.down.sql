DROP TRIGGER files_truncated ON files;
DROP TRIGGER files_deleted ON files;
DROP TRIGGER files_updated ON files;
DROP TRIGGER files_inserted ON files;
DROP TRIGGER contacts_truncated ON contacts;
DROP TRIGGER contacts_deleted ON contacts;
DROP TRIGGER contacts_updated ON contacts;
DROP TRIGGER contacts_inserted ON contacts;
DROP FUNCTION notify_owner_rows_changed();
