-- search_tiers, undone: the columns go, and their indexes with them.
ALTER TABLE contacts DROP COLUMN name_details_vector, DROP COLUMN name_vector;
