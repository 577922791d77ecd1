-- marsad schema, version 12: the number of cells in the statistics cube, kept with the state by
-- each refresh (counting 1.5 million cells took 0.25 s on PostgreSQL, three times per refresh
-- and once per statistics request). NULL in a store refreshed before this version: counted on the
-- next reading, kept from the next refresh on.
ALTER TABLE stats_state ADD COLUMN cells BIGINT;
