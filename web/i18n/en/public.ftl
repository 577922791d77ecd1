# Public pages (home dashboard, indicators, explorer, map, downloads): en.

## Charts and maps
chart-suppressed = Suppressed to protect privacy
chart-suppressed-short = suppressed
chart-no-data = no data
chart-suppressed-note = Figures marked suppressed rest on too few people to be published without risk of identifying someone; they are not zero.
map-off-grid = { $count ->
    [one] One place is not on the map (see the table)
   *[other] { $count } places are not on the map (see the table)
}

## Shared by the public pages
unit-persons = persons
unit-usd = US dollars
unit-percent = percent
unit-thousands = thousands of { $unit }
unit-millions = millions of { $unit }
not-public-title = Figures not public here
not-public-text = This observatory's access policy does not publish its statistics to readers who are not signed in. Sign in to see them, or ask the observatory.
last-update = Last updated on { $date }.
never-updated = No figures have been computed yet.
no-figures-yet = No figures have been published yet. They appear here after the first refresh of the statistics.
no-data-yet = no data yet
needs-input = This indicator divides by a figure the records do not hold (such as the gross domestic product); it is published once the observatory provides that figure for each year.
no-data-yet-long = There are no published figures for this indicator yet.
show-table = Show the figures as a table
col-period = Period
label-total = Total
label-unknown = Unknown
flag-c = (primary)
flag-c-text = Suppressed to protect privacy: the figure rests on too few people.
flag-d = (secondary)
flag-d-text = Also suppressed so that a protected figure cannot be worked out from the totals.
perturbed-text = Counts are slightly perturbed to protect privacy (cell key method): a few units off at most, never between 1 and the minimum published, the same figure in every table; totals may therefore differ a little from the sum of their parts.
obs-p = prov.
obs-provisional = Provisional figure
obs-e = est.
obs-estimated = Estimated figure (sample survey)
chart-latest = The chart shows { $period }; the table has every period.
chart-first = It shows the first { $count } categories.
map-title = Map
freq-annual = Annual
freq-quarterly = Quarterly
freq-monthly = Monthly

## Home
home-headlines = Key figures
home-more = More figures
home-all-indicators = All indicators, by theme
home-explore = Explore the data: choose breakdowns and years

## Indicators
indicators-title = Indicators
indicators-intro = Every indicator the observatory computes, by theme. Each page has a chart, a table, the definition, the source and downloads.
theme-stocks = Migrant stocks
theme-flows = Migration flows
theme-labour = Labour migration
theme-remittances = Remittances
theme-protection = Protection, trafficking, missing migrants and refugees
form-by = Break down by
form-by2 = Then by
form-by-none = No breakdown
form-period = Period
form-all-years = All years
form-show = Show
downloads = Downloads
download-csv = Table as CSV (labels in English, with codes)
download-xlsx = Table as Excel workbook (XLSX)
download-sdmx-csv = Whole dataset as SDMX-CSV
download-sdmx-ml = Whole dataset as SDMX-ML (structure-specific)
download-note = Downloads carry the same protected figures as the page: suppressed cells are empty and flagged, never zero.
about-indicator = About this indicator
meta-definition = Definition
meta-concept = Concept
meta-source = Source
meta-unit = Unit
meta-frequency = Frequency
meta-dimensions = Breakdowns
meta-gcm = Global Compact for Migration
gcm-objective = Objective { $number }
meta-sdg = Sustainable Development Goals
sdg-indicator = SDG indicator { $code }
meta-protection = Disclosure protection
protection-rule = { $count ->
    [one] A figure resting on fewer than one person is suppressed, and so are figures that would reveal it.
   *[other] A figure resting on fewer than { $count } people is suppressed, and so are figures that would reveal it.
}
meta-years = Years published
meta-updated = Last update

## Explorer
explore-title = Data explorer
explore-intro = Choose an indicator, up to two breakdowns and the years, then press Show. Every figure is protected like those of the indicator pages.
form-indicator = Indicator
form-periods = Years
form-periods-hint = None ticked: every year.
explore-dropped = Breakdowns this indicator does not have were left out: { $dims }.
explore-about = Definition and source of this indicator

## Downloads
download-protection = { $count ->
    [one] Protected figures: cells resting on too few people are suppressed (CONF_STATUS C) with the cells that would reveal them (D); a suppressed cell is empty, not zero.
   *[other] Protected figures: cells resting on fewer than { $count } people are suppressed (CONF_STATUS C) with the cells that would reveal them (D); a suppressed cell is empty, not zero.
}
download-flag-column = Flag
download-flag-c = suppressed to protect privacy (too few people)
download-flag-d = suppressed so that a protected cell cannot be worked out
download-flag-perturbed = count perturbed by a few units to protect privacy (cell key method)
