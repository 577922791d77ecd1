-- marsad schema, version 7: fingerprints. What was captured (an image or a standard template, as
-- received) and every template extracted from it are blobs encrypted in the vault; here are only
-- their ids and plain metadata. A capture is never deleted or changed (a withdrawal is marked
-- once); a re-extraction with a better algorithm adds a template version.

-- One capture of one finger of one person by one institution.
CREATE TABLE fingerprints (
    id INTEGER PRIMARY KEY,
    person_number INTEGER NOT NULL REFERENCES persons (number),
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    position INTEGER NOT NULL CHECK (position BETWEEN 0 AND 10),
    original_blob TEXT NOT NULL CHECK (length(original_blob) = 64),
    original_format TEXT NOT NULL,
    enrolled_by TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at TEXT,
    withdrawn_reason TEXT,
    CHECK ((withdrawn_by IS NULL) = (withdrawn_at IS NULL))
);
CREATE INDEX fingerprints_by_person ON fingerprints (person_number);

-- The templates extracted from a capture, version by version (1 at enrolment).
CREATE TABLE fingerprint_templates (
    fingerprint_id INTEGER NOT NULL REFERENCES fingerprints (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    template_blob TEXT NOT NULL CHECK (length(template_blob) = 64),
    extractor TEXT NOT NULL,
    quality INTEGER NOT NULL CHECK (quality BETWEEN 0 AND 100),
    minutiae INTEGER NOT NULL CHECK (minutiae >= 0),
    made_by TEXT NOT NULL,
    made_at TEXT NOT NULL,
    PRIMARY KEY (fingerprint_id, version)
) WITHOUT ROWID;

CREATE TRIGGER fingerprints_no_delete BEFORE DELETE ON fingerprints
BEGIN
    SELECT RAISE(ABORT, 'fingerprints are never deleted (they are withdrawn)');
END;
CREATE TRIGGER fingerprints_withdraw_only BEFORE UPDATE ON fingerprints
WHEN OLD.withdrawn_at IS NOT NULL OR NEW.withdrawn_at IS NULL
    OR NEW.id IS NOT OLD.id OR NEW.person_number IS NOT OLD.person_number
    OR NEW.institution_id IS NOT OLD.institution_id OR NEW.position IS NOT OLD.position
    OR NEW.original_blob IS NOT OLD.original_blob
    OR NEW.original_format IS NOT OLD.original_format
    OR NEW.enrolled_by IS NOT OLD.enrolled_by OR NEW.enrolled_at IS NOT OLD.enrolled_at
BEGIN
    SELECT RAISE(ABORT, 'a fingerprint is only ever marked withdrawn, once');
END;
CREATE TRIGGER fingerprint_templates_no_update BEFORE UPDATE ON fingerprint_templates
BEGIN
    SELECT RAISE(ABORT, 'fingerprint templates are never changed');
END;
CREATE TRIGGER fingerprint_templates_no_delete BEFORE DELETE ON fingerprint_templates
BEGIN
    SELECT RAISE(ABORT, 'fingerprint templates are never deleted');
END;
