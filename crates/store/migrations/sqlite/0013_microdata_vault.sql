-- marsad schema, version 13: a released microdata extract is kept encrypted in the vault where
-- the server has one (`blob_id`, the vault's id of the sealed CSV; `content` then empty), like
-- every other file; `content` holds the CSV only on a server without a vault.
ALTER TABLE microdata_extracts ADD COLUMN blob_id TEXT
    CHECK (blob_id IS NULL OR length(blob_id) = 64);
