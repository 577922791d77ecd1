-- marsad schema, version 14: the cell key of each cell of the statistics cube (the sum, modulo
-- 2^32, of its contributions' record keys), from which the cell key method perturbs the counts
-- of tables asked for freely (API, explorer, portal). 0 in a cube refreshed before this version:
-- its settings have no record-key secret, so the next refresh is a full one and fills it in.
ALTER TABLE stats_cells ADD COLUMN ckey BIGINT NOT NULL DEFAULT 0;
