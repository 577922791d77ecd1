# The GCM progress report (marsad report gcm, the portal's GCM page): English.
gcm-report-title = { $country }: progress report on the implementation of the Global Compact for Safe, Orderly and Regular Migration, { $year }
gcm-report-made = Made from the national information system on { $date }.
gcm-report-summary = Summary
gcm-report-summary-text = { $actions ->
    [one] The national plan has one action
   *[other] The national plan has { $actions } actions
  }, serving { $objectives ->
    [one] one of the 23 objectives.
   *[other] { $objectives } of the 23 objectives.
  }
gcm-report-by-status = Actions by status
gcm-report-status = Status
gcm-report-actions = Actions
gcm-report-action = Action
gcm-report-budget = Budget
gcm-report-steps = The six steps of implementation
gcm-report-step = Step
gcm-report-deliverable = What the step produces
gcm-report-glance = The 23 objectives at a glance
gcm-report-objective = Objective
gcm-report-objective-n = Objective { $n }
gcm-report-indicators = Indicators
gcm-report-no-action = No action of the national plan serves this objective yet.
gcm-report-no-indicator = No indicator measures these actions yet.
gcm-report-owner = Owner (partners)
gcm-report-dates = Dates
gcm-report-baseline = Baseline
gcm-report-target = Target
gcm-report-trend = Trend:
gcm-report-achieved = target reached
gcm-report-period = Period
gcm-report-value = Value
gcm-report-source = Source
gcm-report-evaluations = Evaluations
gcm-report-learned = What was learned:
gcm-report-obstacles = Obstacles met:
gcm-report-chart-alt = Indicator { $code }: baseline { $baseline }, target { $target }, latest value { $latest }. { $direction }
gcm-report-should-rise = It should rise.
gcm-report-should-fall = It should fall.
gcm-deliverable-initiation = A government decision launching implementation, a national coordination mechanism (whole-of-government and whole-of-society) with its terms of reference, and a work plan.
gcm-deliverable-needs_assessment = A baseline assessment of migration governance against the 23 objectives: existing policies, data, gaps and priorities, validated with stakeholders.
gcm-deliverable-design = The national implementation plan: prioritised actions tied to objectives, owners, partners, budgets, timelines, and indicators with baselines and targets.
gcm-deliverable-implementation = The actions carried out by their owners, with evidence of what was done and resources mobilised.
gcm-deliverable-monitoring_evaluation = Measured indicator values over time and evaluations recording what was learned and the obstacles met, feeding revisions of the plan.
gcm-deliverable-reporting = The voluntary national review of GCM implementation for the regional review and the International Migration Review Forum.
gcm-page-not-public = The national plan is shared with signed-in users of the observatory.
gcm-page-year = Reporting year
gcm-page-show = Show
gcm-page-download = Download the report (HTML)
gcm-page-pdf-hint = Print it to PDF from the browser, or run marsad report gcm.

## Complaints
complaint-title = File a complaint
complaint-intro = Migrants, their families and anyone on their behalf can tell the authorities about an abuse or a problem, in Arabic, French or English. You need no account. You get a reference number to follow what happens to your complaint.
complaint-error = The complaint was not sent. Please correct it:
complaint-category = What is it about?
complaint-category-recruitment_fees = Recruitment fees charged to the worker
complaint-category-labour_rights = Work conditions and wages
complaint-category-document_retention = Passport or documents kept by someone else
complaint-category-detention = Detention
complaint-category-violence = Violence or threats
complaint-category-discrimination = Discrimination
complaint-category-service_access = Access to health, education or other services
complaint-category-other = Something else
complaint-text = What happened?
complaint-text-hint = Write in the language you prefer. Say when and where, and who was involved if you know.
complaint-contact = How can we reach you? (optional)
complaint-contact-hint = A phone number or an e-mail address, only if you wish to be contacted.
complaint-send = Send the complaint
complaint-received = Your complaint was received. Its reference number is:
complaint-keep = Keep this number: it is the only way to follow your complaint, and nobody else can see what you wrote with it.
complaint-follow-title = Follow a complaint
complaint-reference = Reference number
complaint-follow = Follow
complaint-status = Status
complaint-updated = Last change
complaint-unknown = No complaint has this reference number. Check that it is written exactly as you received it.
complaint-mistyped = This is not a reference number: it is written CMP- followed by two groups of four letters and digits.

## Protection figures on the GCM page
gcm-protection-title = Protection in { $year }: victims of trafficking, dead and missing migrants
gcm-protection-text = As published: cells about too few people are withheld so that nobody can be singled out.
gcm-no-figures = No victim of trafficking was identified through the referral mechanism this year.
gcm-referrals-caption = Victims of trafficking identified and assisted, by form of exploitation
gcm-exploitation = Form of exploitation
gcm-identified = Identified
gcm-assisted = Assisted
gcm-total = Total
gcm-suppressed = withheld
gcm-suppressed-note = “withheld”: fewer than { $threshold } people, or a figure that would reveal such a cell.
gcm-no-incidents = No dead or missing migrant was recorded this year.
gcm-sdg-caption = Migrants who died or went missing (SDG 10.7.3), by route
gcm-route = Route
gcm-incidents = Incidents
gcm-dead = Dead
gcm-missing = Missing
