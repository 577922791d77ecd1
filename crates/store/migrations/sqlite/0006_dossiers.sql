-- marsad schema, version 6: case files (dossiers) that institutions keep about persons, their
-- typed entries with every version, and their attachments (the files themselves are encrypted in
-- the vault; only their ids and plain metadata are here).
--
-- Nothing is overwritten: a dossier's title and status, and an entry's text, change by adding a
-- version (a removed entry is a version marked removed); rows are never updated or deleted
-- (triggers refuse it), except that an attachment is marked withdrawn once, with who and when.

-- A dossier: one person (the number it was opened under; an alias after a merge still reaches
-- the surviving person), one institution.
CREATE TABLE dossiers (
    id INTEGER PRIMARY KEY,
    person_number INTEGER NOT NULL REFERENCES persons (number),
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX dossiers_by_person ON dossiers (person_number);

-- The title and status of a dossier, version by version (1 when opened).
CREATE TABLE dossier_versions (
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    PRIMARY KEY (dossier_id, version)
) WITHOUT ROWID;

-- An entry of a dossier: its kind never changes.
CREATE TABLE dossier_entries (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    kind TEXT NOT NULL CHECK (kind IN ('note', 'decision', 'document', 'referral')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX dossier_entries_by_dossier ON dossier_entries (dossier_id, id);

-- Every version of every entry (free text in any script).
CREATE TABLE dossier_entry_versions (
    entry_id INTEGER NOT NULL REFERENCES dossier_entries (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    body TEXT NOT NULL,
    removed INTEGER NOT NULL CHECK (removed IN (0, 1)),
    author TEXT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, version)
) WITHOUT ROWID;

-- A file attached to a dossier (and optionally to one of its entries). `blob_id` names the
-- encrypted blob in the vault (several attachments may share one: equal files are stored once);
-- `sha256` is the plaintext's digest, `content_kind` the type detected from the content.
CREATE TABLE dossier_attachments (
    id INTEGER PRIMARY KEY,
    dossier_id INTEGER NOT NULL REFERENCES dossiers (id),
    entry_id INTEGER REFERENCES dossier_entries (id),
    blob_id TEXT NOT NULL CHECK (length(blob_id) = 64),
    size INTEGER NOT NULL CHECK (size >= 0),
    sha256 BLOB NOT NULL CHECK (length(sha256) = 32),
    content_kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at TEXT,
    withdrawn_reason TEXT,
    CHECK ((withdrawn_by IS NULL) = (withdrawn_at IS NULL))
);
CREATE INDEX dossier_attachments_by_dossier ON dossier_attachments (dossier_id, id);
CREATE INDEX dossier_attachments_by_blob ON dossier_attachments (blob_id);

CREATE TRIGGER dossiers_no_update BEFORE UPDATE ON dossiers
BEGIN
    SELECT RAISE(ABORT, 'dossiers are never changed in place');
END;
CREATE TRIGGER dossiers_no_delete BEFORE DELETE ON dossiers
BEGIN
    SELECT RAISE(ABORT, 'dossiers are never deleted');
END;
CREATE TRIGGER dossier_versions_no_update BEFORE UPDATE ON dossier_versions
BEGIN
    SELECT RAISE(ABORT, 'dossier versions are never changed');
END;
CREATE TRIGGER dossier_versions_no_delete BEFORE DELETE ON dossier_versions
BEGIN
    SELECT RAISE(ABORT, 'dossier versions are never deleted');
END;
CREATE TRIGGER dossier_entries_no_update BEFORE UPDATE ON dossier_entries
BEGIN
    SELECT RAISE(ABORT, 'dossier entries are never changed in place');
END;
CREATE TRIGGER dossier_entries_no_delete BEFORE DELETE ON dossier_entries
BEGIN
    SELECT RAISE(ABORT, 'dossier entries are never deleted');
END;
CREATE TRIGGER dossier_entry_versions_no_update BEFORE UPDATE ON dossier_entry_versions
BEGIN
    SELECT RAISE(ABORT, 'entry versions are never changed');
END;
CREATE TRIGGER dossier_entry_versions_no_delete BEFORE DELETE ON dossier_entry_versions
BEGIN
    SELECT RAISE(ABORT, 'entry versions are never deleted');
END;
CREATE TRIGGER dossier_attachments_no_delete BEFORE DELETE ON dossier_attachments
BEGIN
    SELECT RAISE(ABORT, 'attachments are never deleted (they are withdrawn)');
END;
CREATE TRIGGER dossier_attachments_withdraw_only BEFORE UPDATE ON dossier_attachments
WHEN OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL
    OR NEW.id IS NOT OLD.id OR NEW.dossier_id IS NOT OLD.dossier_id
    OR NEW.entry_id IS NOT OLD.entry_id OR NEW.blob_id IS NOT OLD.blob_id
    OR NEW.size IS NOT OLD.size OR NEW.sha256 IS NOT OLD.sha256
    OR NEW.content_kind IS NOT OLD.content_kind OR NEW.file_name IS NOT OLD.file_name
    OR NEW.uploaded_by IS NOT OLD.uploaded_by OR NEW.uploaded_at IS NOT OLD.uploaded_at
BEGIN
    SELECT RAISE(ABORT, 'an attachment is only ever marked withdrawn, once');
END;
