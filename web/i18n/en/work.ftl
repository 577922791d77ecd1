# Workspaces of signed-in users (data officers, analysts, case workers, administrators): en.

## Sign-in
signin-title = Sign in
signin-login = Login
signin-password = Password
signin-submit = Sign in
signin-passkey = Sign in with a passkey
signin-code = Code from your authenticator app
signin-confirm = Confirm
signin-to-workspace = Go to my workspace
signin-passkeys = Passkeys
signin-passkey-name = Name of the new passkey
signin-add-passkey = Add a passkey
signin-sign-out = Sign out
signin-failed = Sign-in failed:
signin-passkey-failed = Sign-in with a passkey failed:

## Workspace home
work-title = My workspace
work-intro = What your role and your institution's scope of competence let you do here:
work-bar-label = Workspace
work-home = Workspace home
work-sign-out = Sign out
work-upload = Send a file
work-upload-text = send your institution's file and follow its import
work-imports = Imports
work-imports-text = files received and their import reports
work-quarantine = Quarantine
work-quarantine-text = Rejected rows wait here until they are corrected and resubmitted.
work-reviews = Match review
work-reviews-text = Pairs of records the linkage could not decide: are they the same person?
work-persons = Persons
work-persons-text = Find a person by name (Arabic or Latin script) or by unified number, and open their file.
work-accounts = Institutions, users and tokens
work-accounts-text = who can sign in, with which roles, and the machine accounts
work-policy = Access policy
work-policy-text = the scopes of competence in force
work-audit = Audit trail
work-audit-text = who read or changed what, and when
work-account = My account
work-account-text = passkeys and sign-out
work-overview-records = Records by kind
work-overview-sources = Submissions by source
work-overview-recent = Recent submissions
work-none-yet = Nothing yet.
work-totals-over = Totals over the latest { $count } submissions.
work-kind = Kind
work-records = Records

## Record kinds
work-kind-person = Person
work-kind-border_crossing = Border crossing
work-kind-residence_permit = Residence permit
work-kind-labour_placement = Labour placement
work-kind-consular_registration = Consular registration
work-kind-return = Return
work-kind-remittance_flow = Remittance flow
work-kind-trafficking_case = Trafficking case
work-kind-missing_migrant_incident = Missing migrant incident
work-kind-census_person = Census person

## Imports
work-source = Source
work-file = File
work-status = Status
work-accepted = Accepted
work-unchanged = Unchanged
work-rejected = Rejected
work-submitted-by = Sent by
work-started = Started
work-submissions = Submissions
work-rows = Rows read
work-error = Error
work-import-title = Import { $id }
work-rejected-rows = Rejected rows
work-no-rejected = No row was rejected.
work-correct-them = Correct them in the quarantine
work-warnings = Warnings
work-no-warnings = No warnings.
work-row = Row
work-field = Field
work-reason = Reason
work-status-importing = importing
work-status-complete = complete
work-status-rejected = refused
work-status-failed = failed
work-status-open = open
work-status-resolved = resolved
work-status-dismissed = dismissed

## Upload
work-upload-choose = Choose the source the file comes from:
work-no-sources = You may not send files for any source.
work-upload-file = File (CSV, Excel or JSON Lines)
work-upload-mapping = Mapping file (optional, TOML)
work-upload-send = Send
work-upload-sending = Sending the file…
work-upload-importing = Importing:
work-upload-done = Imported. The report:
work-upload-failed = The import failed:

work-phase-queued = waiting its turn
work-phase-hashing = reading the file
work-phase-importing = checking and storing the rows
work-phase-finalizing = making the records visible
work-phase-done = done

## Quarantine
work-quarantine-empty = No row waits in the quarantine.
work-submission = Submission
work-corrected = Corrected
work-correct = Correct
work-yes = yes
work-no = no
work-next-page = Next page
work-entry-title = Rejected row { $id }
work-resolved-by = Resolved by submission
work-issues = What is wrong
work-as-sent = As sent
work-correction = Correction
work-save-resubmit = Save and resubmit
work-save = Save only

## Match review
work-reviews-empty = No pair waits for review.
work-left = First record
work-right = Second record
work-weight = Weight
work-created = Queued
work-weights = What decided the score: the weight of each comparison
work-comparison = Comparison
work-level = Level
work-bar = Bar
work-prior = Prior
work-score = Score
work-review-title = Pair { $id }
work-review-open = Waiting for a decision
work-review-accepted = Decided: the same person
work-review-rejected = Decided: different persons
work-accept = Same person
work-reject = Different persons

## Persons
work-search-label = Name or unified number
work-purpose = Purpose of the search
work-purpose-hint = Some files can only be read for a stated purpose, which the audit trail keeps.
work-search = Search
work-results = { $count ->
    [one] One result
   *[other] { $count } results
}
work-no-results = No person within your scope matches.
work-more-results = Only the first results are shown: refine the name.
work-number = Unified number
work-name = Name
work-birth-date = Date of birth
work-nationality = Nationality
work-not-numbered = not yet numbered
work-file-title = Person { $number }
work-number-alias = (the number asked for is an alias of this one)
work-records-by-source = Records by source
work-nothing-in-scope = No record of this person is within your scope.
work-not-in-scope = Not within your scope of competence.
work-dossiers = Dossiers
work-no-dossiers = No dossier.
work-dossier-open = open
work-dossier-closed = closed
work-no-attachments = No attachment.
work-bytes = { $size } bytes
work-fingerprints = Fingerprints enrolled
work-no-fingerprints = No fingerprint enrolled.
work-finger = Finger
work-quality = Quality
work-institution = Institution
work-enrolled = Enrolled

## Administration
work-institutions = Institutions
work-title-col = Title
work-institution-kind = Kind of institution
work-users = Users
work-login = Login
work-roles = Roles
work-second-factor = Second factor
work-state = State
work-active = active
work-disabled = disabled
work-revoked = revoked
work-tokens = API tokens
work-actions = Allowed actions
work-expires = Expires
work-policy-version = Version
work-audit-object-kind = About
work-audit-object-id = Identifier (unified number, user id…)
work-when = When
work-who = Who
work-action = Action
work-object = Object
work-outcome = Outcome
work-disable = Disable
work-enable = Enable
work-revoke = Revoke

## Protection: referrals and the missing-migrant register
work-referrals = Referrals of trafficking victims
work-referrals-text = The referrals your institution sent or received: what is awaited, from whom, and the moves you can make now.
work-referrals-late = { $count ->
    [0] No referral is late.
    [one] One referral is late.
   *[other] { $count } referrals are late.
  }
work-referrals-all = Show all
work-referrals-only-late = Show only the late ones
work-referral-case = Case
work-referral-kind = Service
work-referral-from-to = From → to
work-referral-state = State
work-referral-due = Due
work-referral-moves = Your moves
work-referral-overdue = late by { $hours } h, waiting for { $who }
work-referral-reason = Reason
work-referral-move-accept = Accept
work-referral-move-decline = Decline
work-referral-move-start = Start the service
work-referral-move-complete = Complete
work-referral-move-interrupt = Interrupt
work-referral-move-cancel = Cancel
work-incidents = Missing migrants register
work-incidents-text = Dead and missing migrants reported by every source, each incident counted once.
work-incidents-summary = { $incidents } incidents from { $reports } reports: { $dead } dead, { $missing } missing.
work-incident-date = Date
work-incident-route = Route
work-incident-place = Region and country
work-incident-dead = Dead
work-incident-missing = Missing
work-incident-survivors = Survivors
work-incident-reports = Reports
work-incident-merged = (same incident, several sources)

## Data quality and publishing
work-data-quality = Data quality per source
work-quality-text = What each source's latest files brought: rows accepted, unchanged and refused, and the fields the refusals were about.
work-quality-chart = Share of rows refused, per source (%)
work-quality-rejected-share = Refused (%)
work-quality-rows = Rows read
work-quality-unchanged = Unchanged
work-quality-warnings = Warnings
work-quality-last = Last import
work-quality-fields = Fields at fault (latest files)
work-publish = Publish the statistics
work-publish-text = Bring the published indicators up to date with the records. Every figure goes through disclosure control before it leaves.
work-publish-done = Refreshed: { $changed } cells changed of { $cells }, from { $records } records, in { $seconds } s.
work-publish-last = Last refresh
work-publish-never = never
work-publish-cells = Published cells
work-publish-full = Recompute everything (a full refresh)
work-publish-button = Refresh now
work-complaints = Complaints to handle
work-complaints-text = Complaints from migrants addressed to your institution: what they say, what was done, and the next steps.
work-complaints-open = { $count ->
    [0] No complaint is open.
    [one] One complaint is open.
   *[other] { $count } complaints are open.
  }
work-complaint-channel = received by { $channel }
work-complaint-contact = Contact given:
work-complaint-note = What was done (optional)
work-incident-record = Record a report of dead or missing migrants
work-incident-region = Region
work-incident-country = Country (ISO code or name)
work-incident-cause = Cause of death
work-incident-source = Source (who reported it)
work-incident-reliability = Reliability of the source
work-incident-save = Record the report
work-incident-recorded = Report { $id } recorded. { $duplicates ->
    [0] No earlier report describes the same incident.
    [one] It describes the same incident as one earlier report: they are counted once.
   *[other] It describes the same incident as { $duplicates } earlier reports: they are counted once.
  }
work-case-open = Open a victim's case
work-case-exploitation = Form of exploitation
work-case-sex = Sex
work-case-sex-f = Female
work-case-sex-m = Male
work-case-sex-x = Another sex
work-case-age = Age group
work-case-nationality = Nationality (ISO code or name)
work-case-open-button = Open the case
work-case-opened = Case { $id } opened: refer the victim to the services they need below.
work-age-Y_LT18 = Under 18
work-age-Y18T24 = 18 to 24
work-age-Y25T34 = 25 to 34
work-age-Y35T49 = 35 to 49
work-age-Y_GE50 = 50 and over
work-referral-propose = Refer a victim to a service
work-referral-receiving = To the institution
work-referral-note = Note for the receiving institution
work-referral-propose-button = Send the referral

## The national GCM plan
work-plan = The national GCM plan
work-plan-text = The actions of the national implementation plan: add one, update yours, record indicator values and evaluations. Every change is kept as a version.
work-plan-report = The progress report
work-plan-new = Add an action
work-plan-id = Action code
work-plan-title-field = Title
work-plan-objectives = Objectives (numbers)
work-plan-owner = Owner institution
work-plan-partners = Partners (comma-separated)
work-plan-budget = Budget (whole units)
work-plan-currency = Currency (ISO code)
work-plan-start = Start
work-plan-end = End
work-plan-status = Status
work-plan-step = Step
work-plan-version = Version
work-plan-add = Add the action
work-plan-save = Save the change
work-plan-change = Change the action
work-plan-indicators = Its indicators
work-plan-indicator = Indicator
work-plan-baseline = Baseline
work-plan-target = Target
work-plan-measured = Measured
work-plan-year = Year
work-plan-value = Value
work-plan-source = Source
work-plan-record-value = Record the value
work-plan-evaluations = Evaluations
work-plan-date = Date of the evaluation
work-plan-author = Author
work-plan-learned = What was learned
work-plan-obstacles = Obstacles met (one per line)
work-plan-record-evaluation = Record the evaluation

## Research microdata
work-microdata = Research microdata
work-microdata-text = Extracts of linked, pseudonymised microdata for accredited research: one row per person, no names, documents or dates, released only when the re-identification risk is below the level in force.
work-microdata-level = Level in force: every combination of quasi-identifiers shared by at least { $k } persons; at most { $percent }% of their values suppressed.
work-microdata-request = Request an extract
work-microdata-purpose = Purpose:
work-microdata-project = Research project
work-microdata-kinds = Population: record kinds (comma-separated)
work-microdata-first-year = From the year
work-microdata-last-year = to the year
work-microdata-variables = Variables (comma-separated)
work-microdata-k = A larger k (optional)
work-microdata-send = Send the request
work-microdata-count = { $count ->
    [one] One request.
   *[other] { $count } requests.
}
work-microdata-report = Risk check on { $records } records: smallest group { $before } before treatment, { $after } after.
work-microdata-download = Download the extract (CSV)
work-microdata-reasons = Reasons
work-microdata-approve = Approve
work-microdata-refuse = Refuse
work-microdata-status-requested = requested
work-microdata-status-approved = approved
work-microdata-status-refused = refused
work-microdata-status-released = released
work-microdata-status-withdrawn = withdrawn
work-microdata-job = Approved: the extract is being built ({ $phase }).
work-microdata-job-rows = { $rows } records built.
work-microdata-job-waiting = Approved: the extract will be built shortly.
work-microdata-job-failed = The extract could not be built; the request stays approved. Error:
work-microdata-rebuild = Build again
work-microdata-phase-queued = waiting
work-microdata-phase-building = building the records
work-microdata-phase-checking-risk = checking the re-identification risk
work-microdata-phase-sealing = sealing the file
work-microdata-phase-recording = recording the outcome
work-microdata-phase-failed = failed
