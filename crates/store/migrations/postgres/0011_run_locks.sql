-- marsad schema, version 11: run locks. A long job that must not run twice at once over one
-- store (`marsad unify`: two runs would number the same records twice) holds a row here from its
-- start to its end; a second run finds the row and says who holds it since when. A run that died
-- leaves its row, which `marsad unify --break-lock` removes.
CREATE TABLE run_locks (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    since TIMESTAMPTZ NOT NULL
);
