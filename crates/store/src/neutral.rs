//! The `Store` methods whose bodies are the same for both engines: each runs one of the
//! engine-neutral functions (`persons`, `access`, submissions) inside the engine's own read or
//! write transaction. Expanded inside `impl Store` of each engine, so the two never drift apart.

/// Expands to the engine-neutral `Store` methods; the engine provides `read` and `write`.
macro_rules! engine_neutral_methods {
    () => {
        fn reject_submission(
            &self,
            id: SubmissionId,
            reason: &str,
            at: Timestamp,
        ) -> Result<Submission> {
            end_submission(self, id, SubmissionStatus::Rejected, reason, at)
        }
        fn fail_submission(
            &self,
            id: SubmissionId,
            reason: &str,
            at: Timestamp,
        ) -> Result<Submission> {
            end_submission(self, id, SubmissionStatus::Failed, reason, at)
        }
        fn create_person(&self, number: PersonNumber, actor: &str, at: Timestamp) -> Result<()> {
            self.write("issuing a person number", |d| {
                persons::create_person(d, number, actor, at)
            })
        }
        fn person(&self, number: PersonNumber) -> Result<Person> {
            self.read("reading a person", |d| persons::person(d, number))
        }
        fn assign_records(
            &self,
            number: PersonNumber,
            records: &[RecordKey],
            actor: &str,
            weight: Option<f64>,
            at: Timestamp,
        ) -> Result<u64> {
            self.write("assigning records", |d| {
                persons::assign_records(d, number, records, actor, weight, at)
            })
        }
        fn person_of(&self, record: &RecordKey) -> Result<Option<PersonNumber>> {
            self.read("reading a record's person", |d| {
                persons::person_of(d, record)
            })
        }
        fn person_records(&self, number: PersonNumber) -> Result<Vec<RecordKey>> {
            self.read("reading a person's records", |d| {
                persons::person_records(d, number)
            })
        }
        fn resolve_number(&self, number: PersonNumber) -> Result<PersonNumber> {
            self.read("resolving a person number", |d| {
                persons::resolve_number(d, number)
            })
        }
        fn merge_persons(
            &self,
            keep: PersonNumber,
            absorb: PersonNumber,
            actor: &str,
            reason: &str,
            at: Timestamp,
        ) -> Result<()> {
            self.write("merging persons", |d| {
                persons::merge_persons(d, keep, absorb, actor, reason, at)
            })
        }
        fn split_person(
            &self,
            number: PersonNumber,
            records: &[RecordKey],
            new_number: PersonNumber,
            actor: &str,
            reason: &str,
            at: Timestamp,
        ) -> Result<()> {
            self.write("splitting a person", |d| {
                persons::split_person(d, number, records, new_number, actor, reason, at)
            })
        }
        fn add_review(
            &self,
            left: &RecordKey,
            right: &RecordKey,
            weight: f64,
            explanation: &str,
            at: Timestamp,
        ) -> Result<ReviewId> {
            self.write("adding a review", |d| {
                persons::add_review(d, left, right, weight, explanation, at)
            })
        }
        fn review(&self, id: ReviewId) -> Result<LinkReview> {
            self.read("reading a review", |d| persons::review(d, id))
        }
        fn reviews(
            &self,
            status: Option<ReviewStatus>,
            after: Option<ReviewId>,
            limit: u32,
        ) -> Result<Vec<LinkReview>> {
            self.read("listing reviews", |d| {
                persons::reviews(d, status, after, limit)
            })
        }
        fn decide_review(
            &self,
            id: ReviewId,
            accepted: bool,
            actor: &str,
            at: Timestamp,
        ) -> Result<LinkReview> {
            self.write("deciding a review", |d| {
                persons::decide_review(d, id, accepted, actor, at)
            })
        }
        fn review_labels(&self) -> Result<Vec<(RecordKey, RecordKey, bool)>> {
            self.read("reading review labels", persons::review_labels)
        }
        fn person_events(&self, number: PersonNumber) -> Result<Vec<PersonEvent>> {
            self.read("reading a person's events", |d| {
                persons::person_events(d, number)
            })
        }
        fn person_aliases(&self, number: PersonNumber) -> Result<Vec<PersonNumber>> {
            self.read("reading a person's aliases", |d| {
                persons::person_aliases(d, number)
            })
        }
        fn apply_review(
            &self,
            id: ReviewId,
            accepted: bool,
            effect: &crate::ReviewEffect,
            actor: &str,
            reason: &str,
            at: Timestamp,
        ) -> Result<LinkReview> {
            self.write("applying a review decision", |d| {
                persons::apply_review(d, id, accepted, effect, actor, reason, at)
            })
        }
        fn number_persons(
            &self,
            batch: &[crate::Numbering],
            actor: &str,
            at: Timestamp,
        ) -> Result<u64> {
            self.write("numbering persons", |d| {
                persons::number_persons(d, batch, actor, at)
            })
        }
        fn add_reviews(
            &self,
            reviews: &[crate::NewReview],
            at: Timestamp,
        ) -> Result<Vec<(ReviewId, bool)>> {
            self.write("adding reviews", |d| persons::add_reviews(d, reviews, at))
        }
        fn link_records(
            &self,
            kind: &str,
            selection: crate::LinkSelection,
            after: Option<i64>,
            limit: u32,
        ) -> Result<(Vec<crate::LinkRecord>, Option<i64>)> {
            self.read("listing records to link", |d| {
                persons::link_records(d, kind, selection, after, limit)
            })
        }
        fn put_blocks(&self, blocks: &[crate::RecordBlocks]) -> Result<()> {
            self.write("storing block keys", |d| persons::put_blocks(d, blocks))
        }
        fn block_sizes(&self, keys: &[u64]) -> Result<Vec<(u64, u64)>> {
            self.read("counting blocks", |d| persons::block_sizes(d, keys))
        }
        fn block_members(&self, keys: &[u64]) -> Result<Vec<crate::RecordHandle>> {
            self.read("reading blocks", |d| persons::block_members(d, keys))
        }
        fn person_members(&self, numbers: &[PersonNumber]) -> Result<Vec<crate::RecordHandle>> {
            self.read("reading persons' records", |d| {
                persons::person_members(d, numbers)
            })
        }
        fn link_records_by_handle(
            &self,
            handles: &[crate::RecordHandle],
        ) -> Result<Vec<crate::LinkRecord>> {
            self.read("reading records to link", |d| {
                persons::link_records_by_handle(d, handles)
            })
        }
        fn clear_link_index(&self) -> Result<()> {
            self.write("clearing the linkage index", persons::clear_link_index)
        }
        fn put_link_model(&self, model: &str, at: Timestamp) -> Result<()> {
            self.write("storing the linkage model", |d| {
                persons::put_link_model(d, model, at)
            })
        }
        fn link_model(&self) -> Result<Option<crate::StoredModel>> {
            self.read("reading the linkage model", persons::link_model)
        }
        fn create_user(&self, new: &crate::NewUser<'_>) -> Result<crate::User> {
            self.write("creating a user", |d| access::create_user(d, new))
        }
        fn users_exist(&self) -> Result<bool> {
            self.read("reading users", access::users_exist)
        }
        fn user_by_login(&self, login: &str) -> Result<Option<crate::User>> {
            self.read("reading a user", |d| access::user_by_login(d, login))
        }
        fn user(&self, id: crate::UserId) -> Result<crate::User> {
            self.read("reading a user", |d| access::user(d, id))
        }
        fn users(&self) -> Result<Vec<crate::User>> {
            self.read("reading users", access::users)
        }
        fn set_user_password(&self, id: crate::UserId, password_hash: &str) -> Result<()> {
            self.write("changing a password", |d| {
                access::set_user_password(d, id, password_hash)
            })
        }
        fn set_user_totp(&self, id: crate::UserId, secret: Option<&str>) -> Result<()> {
            self.write("changing a second factor", |d| {
                access::set_user_totp(d, id, secret)
            })
        }
        fn advance_totp_step(&self, id: crate::UserId, step: u64) -> Result<bool> {
            self.write("recording a second factor", |d| {
                access::advance_totp_step(d, id, step)
            })
        }
        fn set_user_roles(&self, id: crate::UserId, roles: &[String]) -> Result<()> {
            self.write("changing roles", |d| access::set_user_roles(d, id, roles))
        }
        fn set_user_disabled(&self, id: crate::UserId, disabled: bool) -> Result<()> {
            self.write("disabling a user", |d| {
                access::set_user_disabled(d, id, disabled)
            })
        }
        fn set_recovery_codes(
            &self,
            user: crate::UserId,
            hashes: &[[u8; 32]],
            at: Timestamp,
        ) -> Result<()> {
            self.write("storing recovery codes", |d| {
                access::set_recovery_codes(d, user, hashes, at)
            })
        }
        fn unused_recovery_codes(&self, user: crate::UserId) -> Result<Vec<[u8; 32]>> {
            self.read("reading recovery codes", |d| {
                access::unused_recovery_codes(d, user)
            })
        }
        fn consume_recovery_code(
            &self,
            user: crate::UserId,
            hash: &[u8; 32],
            at: Timestamp,
        ) -> Result<bool> {
            self.write("using a recovery code", |d| {
                access::consume_recovery_code(d, user, hash, at)
            })
        }
        fn create_token(&self, token: &crate::ApiToken) -> Result<()> {
            self.write("storing an API token", |d| access::create_token(d, token))
        }
        fn token(&self, id: &str) -> Result<Option<crate::ApiToken>> {
            self.read("reading an API token", |d| access::token(d, id))
        }
        fn tokens(&self, institution: &str) -> Result<Vec<crate::ApiToken>> {
            self.read("reading API tokens", |d| access::tokens(d, institution))
        }
        fn revoke_token(&self, id: &str, at: Timestamp) -> Result<()> {
            self.write("revoking an API token", |d| access::revoke_token(d, id, at))
        }
        fn add_passkey(&self, passkey: &crate::PasskeyRow) -> Result<()> {
            self.write("storing a passkey", |d| access::add_passkey(d, passkey))
        }
        fn passkey(&self, credential_id: &[u8]) -> Result<Option<crate::PasskeyRow>> {
            self.read("reading a passkey", |d| access::passkey(d, credential_id))
        }
        fn passkeys(&self, user: crate::UserId) -> Result<Vec<crate::PasskeyRow>> {
            self.read("reading passkeys", |d| access::passkeys(d, user))
        }
        fn use_passkey(
            &self,
            credential_id: &[u8],
            sign_count: u32,
            backed_up: bool,
            at: Timestamp,
        ) -> Result<bool> {
            self.write("recording a passkey's use", |d| {
                access::use_passkey(d, credential_id, sign_count, backed_up, at)
            })
        }
        fn delete_passkey(&self, user: crate::UserId, credential_id: &[u8]) -> Result<bool> {
            self.write("removing a passkey", |d| {
                access::delete_passkey(d, user, credential_id)
            })
        }
        fn put_ceremony(&self, ceremony: &crate::Ceremony) -> Result<()> {
            self.write("storing a passkey ceremony", |d| {
                access::put_ceremony(d, ceremony)
            })
        }
        fn take_ceremony(
            &self,
            id_hash: &[u8; 32],
            now: Timestamp,
        ) -> Result<Option<crate::Ceremony>> {
            self.write("taking a passkey ceremony", |d| {
                access::take_ceremony(d, id_hash, now)
            })
        }
        fn create_session(&self, session: &crate::SessionRow) -> Result<()> {
            self.write("starting a session", |d| access::create_session(d, session))
        }
        fn session(&self, id_hash: &[u8; 32]) -> Result<Option<crate::SessionRow>> {
            self.read("reading a session", |d| access::session(d, id_hash))
        }
        fn touch_session(&self, id_hash: &[u8; 32], at: Timestamp) -> Result<bool> {
            self.write("refreshing a session", |d| {
                access::touch_session(d, id_hash, at)
            })
        }
        fn delete_session(&self, id_hash: &[u8; 32]) -> Result<bool> {
            self.write("ending a session", |d| access::delete_session(d, id_hash))
        }
        fn delete_user_sessions(&self, user: crate::UserId) -> Result<u64> {
            self.write("ending sessions", |d| access::delete_user_sessions(d, user))
        }
        fn throttle(&self, kind: crate::ThrottleKind, key: &str) -> Result<crate::ThrottleState> {
            self.read("reading a login throttle", |d| {
                access::throttle(d, kind, key)
            })
        }
        fn put_throttle(
            &self,
            kind: crate::ThrottleKind,
            key: &str,
            state: &crate::ThrottleState,
        ) -> Result<()> {
            self.write("storing a login throttle", |d| {
                access::put_throttle(d, kind, key, state)
            })
        }
        fn delete_throttle(&self, kind: crate::ThrottleKind, key: &str) -> Result<()> {
            self.write("forgetting a login throttle", |d| {
                access::delete_throttle(d, kind, key)
            })
        }
        fn audit_append(&self, event: &crate::AuditEvent) -> Result<crate::AuditEntry> {
            access::append_with_retry(|| {
                self.write("appending to the audit log", |d| {
                    access::audit_append(d, event)
                })
            })
        }
        fn audit_append_all(
            &self,
            events: &[crate::AuditEvent],
        ) -> Result<Option<crate::AuditEntry>> {
            let Some(last) = events.last() else {
                return Ok(None);
            };
            access::append_with_retry(|| {
                self.write("appending to the audit log", |d| {
                    for e in &events[..events.len() - 1] {
                        access::audit_append(d, e)?;
                    }
                    access::audit_append(d, last)
                })
            })
            .map(Some)
        }
        fn audit_entries(&self, after_seq: u64, limit: u32) -> Result<Vec<crate::AuditEntry>> {
            self.read("reading the audit log", |d| {
                access::audit_entries(d, after_seq, limit)
            })
        }
        fn audit_by_object(
            &self,
            kind: &str,
            id: &str,
            limit: u32,
        ) -> Result<Vec<crate::AuditEntry>> {
            self.read("reading the audit log", |d| {
                access::audit_by_object(d, kind, id, limit)
            })
        }
        fn audit_by_actor(
            &self,
            actor: &crate::Actor,
            limit: u32,
        ) -> Result<Vec<crate::AuditEntry>> {
            self.read("reading the audit log", |d| {
                access::audit_by_actor(d, actor, limit)
            })
        }
        fn create_dossier(
            &self,
            new: &crate::NewDossier<'_>,
            audit: &crate::AuditEvent,
        ) -> Result<crate::Dossier> {
            crate::dossiers::with_audit_retry(|| {
                self.write("opening a dossier", |d| {
                    let out = crate::dossiers::create_dossier(d, new)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn dossier(&self, id: crate::DossierId) -> Result<crate::Dossier> {
            self.read("reading a dossier", |d| crate::dossiers::dossier(d, id))
        }
        fn dossier_history(&self, id: crate::DossierId) -> Result<Vec<crate::Dossier>> {
            self.read("reading a dossier's history", |d| {
                crate::dossiers::dossier_history(d, id)
            })
        }
        fn person_dossiers(&self, number: PersonNumber) -> Result<Vec<crate::Dossier>> {
            self.read("reading a person's dossiers", |d| {
                crate::dossiers::person_dossiers(d, number)
            })
        }
        fn change_dossier(
            &self,
            id: crate::DossierId,
            change: &crate::DossierChange<'_>,
            audit: &crate::AuditEvent,
        ) -> Result<crate::Dossier> {
            crate::dossiers::with_audit_retry(|| {
                self.write("changing a dossier", |d| {
                    let out = crate::dossiers::change_dossier(d, id, change)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn add_entry(
            &self,
            new: &crate::NewEntry<'_>,
            audit: &crate::AuditEvent,
        ) -> Result<crate::EntryVersion> {
            crate::dossiers::with_audit_retry(|| {
                self.write("adding a dossier entry", |d| {
                    let out = crate::dossiers::add_entry(d, new)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn change_entry(
            &self,
            id: crate::EntryId,
            change: &crate::EntryChange<'_>,
            audit: &crate::AuditEvent,
        ) -> Result<crate::EntryVersion> {
            crate::dossiers::with_audit_retry(|| {
                self.write("changing a dossier entry", |d| {
                    let out = crate::dossiers::change_entry(d, id, change)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn entry(&self, id: crate::EntryId) -> Result<crate::EntryVersion> {
            self.read("reading a dossier entry", |d| crate::dossiers::entry(d, id))
        }
        fn dossier_entries(&self, id: crate::DossierId) -> Result<Vec<crate::EntryVersion>> {
            self.read("reading a dossier's entries", |d| {
                crate::dossiers::dossier_entries(d, id)
            })
        }
        fn entry_history(&self, id: crate::EntryId) -> Result<Vec<crate::EntryVersion>> {
            self.read("reading an entry's history", |d| {
                crate::dossiers::entry_history(d, id)
            })
        }
        fn add_attachment(
            &self,
            new: &crate::NewAttachment<'_>,
            max_active: u64,
            audit: &crate::AuditEvent,
        ) -> Result<crate::Attachment> {
            crate::dossiers::with_audit_retry(|| {
                self.write("storing an attachment", |d| {
                    let out = crate::dossiers::add_attachment(d, new, max_active)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn attachment(&self, id: crate::AttachmentId) -> Result<crate::Attachment> {
            self.read("reading an attachment", |d| {
                crate::dossiers::attachment(d, id)
            })
        }
        fn dossier_attachments(&self, id: crate::DossierId) -> Result<Vec<crate::Attachment>> {
            self.read("reading a dossier's attachments", |d| {
                crate::dossiers::dossier_attachments(d, id)
            })
        }
        fn withdraw_attachment(
            &self,
            id: crate::AttachmentId,
            actor: &str,
            reason: Option<&str>,
            at: Timestamp,
            audit: &crate::AuditEvent,
        ) -> Result<crate::Attachment> {
            crate::dossiers::with_audit_retry(|| {
                self.write("withdrawing an attachment", |d| {
                    let out = crate::dossiers::withdraw_attachment(d, id, actor, reason, at)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn attachment_blob_ids(&self) -> Result<Vec<String>> {
            self.read(
                "listing attachment blobs",
                crate::dossiers::attachment_blob_ids,
            )
        }
        fn blob_referenced(&self, blob_id: &str) -> Result<bool> {
            self.read("reading attachment blobs", |d| {
                crate::dossiers::blob_referenced(d, blob_id)
            })
        }
        fn enrol_fingerprint(
            &self,
            new: &crate::NewFingerprint<'_>,
            audit: &crate::AuditEvent,
        ) -> Result<crate::Fingerprint> {
            crate::dossiers::with_audit_retry(|| {
                self.write("enrolling a fingerprint", |d| {
                    let out = crate::fingerprints::enrol_fingerprint(d, new)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn add_fingerprint_template(
            &self,
            id: crate::FingerprintId,
            template: &crate::NewTemplate<'_>,
            actor: &str,
            at: Timestamp,
            audit: &crate::AuditEvent,
        ) -> Result<crate::Fingerprint> {
            crate::dossiers::with_audit_retry(|| {
                self.write("re-extracting a fingerprint", |d| {
                    let out =
                        crate::fingerprints::add_fingerprint_template(d, id, template, actor, at)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn fingerprint(&self, id: crate::FingerprintId) -> Result<crate::Fingerprint> {
            self.read("reading a fingerprint", |d| {
                crate::fingerprints::fingerprint(d, id)
            })
        }
        fn fingerprint_templates(
            &self,
            id: crate::FingerprintId,
        ) -> Result<Vec<crate::TemplateVersion>> {
            self.read("reading a fingerprint's templates", |d| {
                crate::fingerprints::fingerprint_templates(d, id)
            })
        }
        fn person_fingerprints(&self, number: PersonNumber) -> Result<Vec<crate::Fingerprint>> {
            self.read("reading a person's fingerprints", |d| {
                crate::fingerprints::person_fingerprints(d, number)
            })
        }
        fn active_fingerprints(
            &self,
            after: crate::FingerprintId,
            limit: u32,
        ) -> Result<Vec<crate::Fingerprint>> {
            self.read("reading fingerprints", |d| {
                crate::fingerprints::active_fingerprints(d, after, limit)
            })
        }
        fn withdraw_fingerprint(
            &self,
            id: crate::FingerprintId,
            actor: &str,
            reason: Option<&str>,
            at: Timestamp,
            audit: &crate::AuditEvent,
        ) -> Result<crate::Fingerprint> {
            crate::dossiers::with_audit_retry(|| {
                self.write("withdrawing a fingerprint", |d| {
                    let out = crate::fingerprints::withdraw_fingerprint(d, id, actor, reason, at)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn fingerprint_state(&self) -> Result<crate::FingerprintState> {
            self.read(
                "reading the fingerprints' state",
                crate::fingerprints::fingerprint_state,
            )
        }
        fn fingerprint_counts(&self) -> Result<(u64, u64)> {
            self.read(
                "counting fingerprints",
                crate::fingerprints::fingerprint_counts,
            )
        }
        fn fingerprinted_persons(&self) -> Result<Vec<PersonNumber>> {
            self.read(
                "listing fingerprinted persons",
                crate::fingerprints::fingerprinted_persons,
            )
        }
        fn stats_state(&self) -> Result<Option<crate::StatsState>> {
            self.read("reading the statistics state", crate::statistics::state)
        }
        fn stats_changes(&self, full: bool) -> Result<crate::StatsChanges> {
            self.read("reading what changed for statistics", |d| {
                crate::statistics::changes(d, full)
            })
        }
        fn stats_records(&self, keys: &[RecordKey]) -> Result<Vec<crate::LinkRecord>> {
            self.read("reading records for statistics", |d| {
                crate::statistics::records(d, keys)
            })
        }
        fn stats_members_of_records(&self, keys: &[RecordKey]) -> Result<Vec<crate::StatsMember>> {
            self.read("reading statistics members", |d| {
                crate::statistics::members_of_records(d, keys)
            })
        }
        fn stats_members_of_units(&self, units: &[String]) -> Result<Vec<crate::StatsMember>> {
            self.read("reading statistics members", |d| {
                crate::statistics::members_of_units(d, units)
            })
        }
        fn stats_members_referring(
            &self,
            persons: &[RecordKey],
        ) -> Result<Vec<crate::StatsMember>> {
            self.read("reading statistics members", |d| {
                crate::statistics::members_referring(d, persons)
            })
        }
        fn stats_record_units(&self, kind: &str) -> Result<Vec<(String, String)>> {
            self.read("reading statistics units of a kind", |d| {
                crate::statistics::record_units(d, kind)
            })
        }
        fn stats_unit_facts(&self, units: &[String]) -> Result<Vec<(String, String)>> {
            self.read("reading statistics units", |d| {
                crate::statistics::unit_facts(d, units)
            })
        }
        fn stats_apply(&self, batch: &crate::StatsBatch) -> Result<()> {
            self.write("applying a statistics refresh", |d| {
                crate::statistics::apply(d, batch)
            })
        }
        fn stats_cells(
            &self,
            after: Option<&(String, String, String)>,
            limit: u32,
        ) -> Result<Vec<crate::StatCell>> {
            self.read("reading statistics cells", |d| {
                crate::statistics::cells(d, after, limit)
            })
        }
        fn stats_clear(&self) -> Result<()> {
            self.write("clearing statistics", crate::statistics::clear)
        }
        fn take_run_lock(
            &self,
            name: &str,
            holder: &str,
            at: Timestamp,
        ) -> Result<Option<crate::RunLock>> {
            self.write("taking a run lock", |d| {
                crate::locks::take(d, name, holder, at)
            })
        }
        fn release_run_lock(&self, name: &str, holder: &str) -> Result<()> {
            self.write("releasing a run lock", |d| {
                crate::locks::release(d, name, holder)
            })
        }
        fn break_run_lock(&self, name: &str) -> Result<Option<crate::RunLock>> {
            self.write("breaking a run lock", |d| crate::locks::break_lock(d, name))
        }
        fn save_plan_action(&self, row: &crate::PlanActionRow) -> Result<()> {
            self.write("saving a plan action", |d| {
                crate::gcm::save_plan_action(d, row)
            })
        }
        fn plan_action(&self, id: &str) -> Result<crate::PlanActionRow> {
            self.read("reading a plan action", |d| crate::gcm::plan_action(d, id))
        }
        fn plan_actions(&self) -> Result<Vec<crate::PlanActionRow>> {
            self.read("reading the plan", |d| crate::gcm::plan_actions(d))
        }
        fn plan_action_history(&self, id: &str) -> Result<Vec<crate::PlanActionRow>> {
            self.read("reading a plan action's history", |d| {
                crate::gcm::plan_action_history(d, id)
            })
        }
        fn add_plan_indicator(&self, row: &crate::IndicatorRow) -> Result<()> {
            self.write("adding an indicator", |d| crate::gcm::add_indicator(d, row))
        }
        fn add_plan_measurement(
            &self,
            action: &str,
            code: &str,
            m: &crate::MeasurementRow,
            actor: &str,
            at: Timestamp,
        ) -> Result<()> {
            self.write("recording a measurement", |d| {
                crate::gcm::add_measurement(d, action, code, m, actor, at)
            })
        }
        fn plan_indicators(&self) -> Result<Vec<crate::IndicatorRow>> {
            self.read("reading indicators", |d| crate::gcm::plan_indicators(d))
        }
        fn add_plan_evaluation(&self, row: &crate::EvaluationRow) -> Result<i64> {
            self.write("recording an evaluation", |d| {
                crate::gcm::add_evaluation(d, row)
            })
        }
        fn plan_evaluations(&self) -> Result<Vec<crate::EvaluationRow>> {
            self.read("reading evaluations", |d| crate::gcm::plan_evaluations(d))
        }
        fn add_plan_evidence(&self, row: &crate::EvidenceRow) -> Result<i64> {
            self.write("recording evidence", |d| crate::gcm::add_evidence(d, row))
        }
        fn plan_evidence(&self) -> Result<Vec<crate::EvidenceRow>> {
            self.read("reading evidence", |d| crate::gcm::plan_evidence(d))
        }
        fn add_incident(
            &self,
            new: &crate::IncidentRow,
            links: &[(i64, String)],
        ) -> Result<crate::IncidentRow> {
            self.write("recording an incident", |d| {
                crate::gcm::add_incident(d, new, links)
            })
        }
        fn incident(&self, id: i64) -> Result<crate::IncidentRow> {
            self.read("reading an incident", |d| crate::gcm::incident(d, id))
        }
        fn incidents(
            &self,
            from: chrono::NaiveDate,
            to: chrono::NaiveDate,
        ) -> Result<Vec<crate::IncidentRow>> {
            self.read("reading incidents", |d| crate::gcm::incidents(d, from, to))
        }
        fn incident_links(&self) -> Result<Vec<crate::IncidentLink>> {
            self.read("reading incident links", |d| crate::gcm::incident_links(d))
        }
        fn link_incident_person(
            &self,
            id: i64,
            person: PersonNumber,
            actor: &str,
            at: Timestamp,
            audit: &crate::AuditEvent,
        ) -> Result<PersonNumber> {
            crate::dossiers::with_audit_retry(|| {
                self.write("linking a person to an incident", |d| {
                    let out = crate::gcm::link_incident_person(d, id, person, actor, at)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn incident_persons(&self, id: i64) -> Result<Vec<PersonNumber>> {
            self.read("reading an incident's persons", |d| {
                crate::gcm::incident_persons(d, id)
            })
        }
        fn add_trafficking_case(
            &self,
            new: &crate::TraffickingCase,
            audit: &crate::AuditEvent,
        ) -> Result<crate::TraffickingCase> {
            crate::dossiers::with_audit_retry(|| {
                self.write("recording a trafficking case", |d| {
                    let out = crate::gcm::add_case(d, new)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn trafficking_case(&self, id: i64) -> Result<crate::TraffickingCase> {
            self.read("reading a trafficking case", |d| {
                crate::gcm::trafficking_case(d, id)
            })
        }
        fn trafficking_cases(&self) -> Result<Vec<crate::TraffickingCase>> {
            self.read("reading trafficking cases", |d| {
                crate::gcm::trafficking_cases(d)
            })
        }
        fn add_referral(
            &self,
            new: &crate::ReferralRow,
            audit: &crate::AuditEvent,
        ) -> Result<crate::ReferralRow> {
            crate::dossiers::with_audit_retry(|| {
                self.write("proposing a referral", |d| {
                    let out = crate::gcm::add_referral(d, new)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn referral(&self, id: i64) -> Result<crate::ReferralRow> {
            self.read("reading a referral", |d| crate::gcm::referral(d, id))
        }
        fn referrals(&self) -> Result<Vec<crate::ReferralRow>> {
            self.read("reading referrals", |d| crate::gcm::referrals(d))
        }
        fn move_referral(
            &self,
            id: i64,
            event: &crate::ReferralEvent,
            audit: &crate::AuditEvent,
        ) -> Result<crate::ReferralRow> {
            crate::dossiers::with_audit_retry(|| {
                self.write("moving a referral", |d| {
                    let out = crate::gcm::move_referral(d, id, event)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn add_complaint(&self, new: &crate::ComplaintRow) -> Result<crate::ComplaintRow> {
            self.write("recording a complaint", |d| {
                crate::gcm::add_complaint(d, new)
            })
        }
        fn complaint(&self, reference: &str) -> Result<crate::ComplaintRow> {
            self.read("reading a complaint", |d| {
                crate::gcm::complaint(d, reference)
            })
        }
        fn complaints(&self, handler: Option<&str>) -> Result<Vec<crate::ComplaintRow>> {
            self.read("listing complaints", |d| crate::gcm::complaints(d, handler))
        }
        fn move_complaint(
            &self,
            reference: &str,
            event: &crate::ComplaintEvent,
            audit: &crate::AuditEvent,
        ) -> Result<crate::ComplaintRow> {
            crate::dossiers::with_audit_retry(|| {
                self.write("changing a complaint's status", |d| {
                    let out = crate::gcm::move_complaint(d, reference, event)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn add_microdata_request(
            &self,
            new: &crate::MicrodataRequestRow,
            audit: &crate::AuditEvent,
        ) -> Result<crate::MicrodataRequestRow> {
            crate::dossiers::with_audit_retry(|| {
                self.write("recording a microdata request", |d| {
                    let id = crate::microdata::add_request(d, new)?;
                    let mut audit = audit.clone();
                    if let Some(o) = audit.object.as_mut() {
                        o.id = id.to_string();
                    }
                    crate::access::audit_append(d, &audit)?;
                    crate::microdata::request(d, id)
                })
            })
        }
        fn microdata_request(&self, id: i64) -> Result<crate::MicrodataRequestRow> {
            self.read("reading a microdata request", |d| {
                crate::microdata::request(d, id)
            })
        }
        fn microdata_requests(
            &self,
            institution: Option<&str>,
        ) -> Result<Vec<crate::MicrodataRequestRow>> {
            self.read("listing microdata requests", |d| {
                crate::microdata::requests(d, institution)
            })
        }
        fn approved_microdata_requests(&self) -> Result<Vec<i64>> {
            self.read("listing approved microdata requests", |d| {
                crate::microdata::approved(d)
            })
        }
        fn move_microdata_request(
            &self,
            id: i64,
            events: &[crate::MicrodataEvent],
            extract: Option<&crate::MicrodataExtract>,
            audit: &crate::AuditEvent,
        ) -> Result<crate::MicrodataRequestRow> {
            crate::dossiers::with_audit_retry(|| {
                self.write("changing a microdata request's status", |d| {
                    let out = crate::microdata::move_request(d, id, events, extract)?;
                    crate::access::audit_append(d, audit)?;
                    Ok(out)
                })
            })
        }
        fn microdata_extract(&self, id: i64) -> Result<crate::MicrodataExtract> {
            self.read("reading a released extract", |d| {
                crate::microdata::extract(d, id)
            })
        }
    };
}

pub(crate) use engine_neutral_methods;
