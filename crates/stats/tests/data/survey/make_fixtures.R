# Makes the survey fixtures for crates/stats/tests (marsad-stats, module `survey`).
#
#   cd crates/stats/tests/data/survey && Rscript make_fixtures.R
#
# Writes `survey.csv` (a seeded synthetic stratified two-stage household survey of a receiving
# country: strata, PSUs, weights, sex, age group, migrant status, country of birth, remittance
# receipt and amount) and `reference.csv` (estimates computed by R's `survey` package, the reference
# the Rust implementation is checked against). Stratum S7 has a single PSU, so every estimate is
# computed twice: with options(survey.lonely.psu = "adjust") and "certainty"; "fail" must error.
# Estimates: totals and means (with deff), proportions with logit (df = Inf) and Korn-Graubard
# ("beta") intervals, ratios, for the whole population and five domains (by `subset`, which keeps
# the full design's PSU counts, as svyby does).
#
# The committed files were made with R 4.2.2 and survey 4.1.1 (Debian bookworm: apt-get install
# r-cran-survey); the Rust test matches them to 1e-9 relative (1e-7 for the logit interval, which
# R computes iteratively).
suppressPackageStartupMessages(library(survey))
set.seed(20261130)

strata_psus <- c(S1 = 6, S2 = 5, S3 = 8, S4 = 4, S5 = 3, S6 = 2, S7 = 1)
rows <- list()
for (h in names(strata_psus)) {
  base_w <- runif(1, 40, 400)
  for (j in seq_len(strata_psus[[h]])) {
    m <- sample(8:40, 1)
    psu <- sprintf("%s-P%02d", h, j)
    migrant_rate <- runif(1, 0.05, 0.6)
    migrant <- rbinom(m, 1, migrant_rate)
    cob <- ifelse(migrant == 1,
                  sample(c("EGY", "SYR", "SDN", "IND", "PHL"), m, replace = TRUE,
                         prob = c(0.35, 0.25, 0.15, 0.15, 0.10)),
                  "JOR")
    sex <- sample(c("M", "F"), m, replace = TRUE, prob = c(0.55, 0.45))
    age <- sample(c("Y15-24", "Y25-34", "Y35-54", "Y_GE55"), m, replace = TRUE,
                  prob = c(0.25, 0.35, 0.28, 0.12))
    remit <- rbinom(m, 1, ifelse(migrant == 1, 0.15, 0.35))
    amount <- ifelse(remit == 1, round(rlnorm(m, log(1800), 0.8), 2), 0)
    w <- round(base_w * runif(m, 0.7, 1.3), 3)
    rows[[length(rows) + 1]] <- data.frame(
      stratum = h, psu = psu, weight = w, sex = sex, age_group = age, migrant = migrant,
      country_of_birth = cob, remit = remit, amount = amount, stringsAsFactors = FALSE)
  }
}
d <- do.call(rbind, rows)
write.csv(d, "survey.csv", row.names = FALSE, quote = FALSE)

out <- list()
add <- function(lonely, kind, variable, denominator, domain_var, domain_value, est, se, ci, deff, n) {
  out[[length(out) + 1]] <<- data.frame(
    lonely = lonely, kind = kind, variable = variable, denominator = denominator,
    domain_var = domain_var, domain_value = domain_value,
    estimate = sprintf("%.17g", est), se = sprintf("%.17g", se),
    ci_low = sprintf("%.17g", ci[1]), ci_high = sprintf("%.17g", ci[2]),
    deff = sprintf("%.17g", deff), n = n, stringsAsFactors = FALSE)
}
stat <- function(lonely, kind, variable, dv, dval, des, r, n, with_deff) {
  ci <- confint(r)
  deff <- if (with_deff) as.numeric(deff(r)) else NA
  add(lonely, kind, variable, "", dv, dval, coef(r)[[1]], SE(r)[[1]], ci[1, ], deff, n)
}
domains <- list(c("", ""), c("sex", "F"), c("sex", "M"), c("migrant", "1"),
                c("country_of_birth", "SDN"), c("age_group", "Y_GE55"))
for (lonely in c("adjust", "certainty")) {
  options(survey.lonely.psu = lonely)
  des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
  for (dm in domains) {
    sub <- if (dm[1] == "") des else subset(des, as.character(get(dm[1])) == dm[2])
    n <- if (dm[1] == "") nrow(d) else sum(as.character(d[[dm[1]]]) == dm[2])
    for (v in c("amount", "remit", "migrant")) {
      stat(lonely, "total", v, dm[1], dm[2], sub, svytotal(as.formula(paste0("~", v)), sub, deff = TRUE), n, TRUE)
      stat(lonely, "mean", v, dm[1], dm[2], sub, svymean(as.formula(paste0("~", v)), sub, deff = TRUE), n, TRUE)
    }
    # proportion with a logit interval and normal quantile (df = Inf)
    p <- svyciprop(~I(remit == 1), sub, method = "logit", df = Inf)
    add(lonely, "proportion_logit", "remit", "", dm[1], dm[2], coef(p)[[1]], SE(p)[[1]],
        as.numeric(attr(p, "ci")), NA, n)
    # Korn-Graubard (beta) interval at 95%
    p <- svyciprop(~I(remit == 1), sub, method = "beta")
    add(lonely, "proportion_kg", "remit", "", dm[1], dm[2], coef(p)[[1]], SE(p)[[1]],
        as.numeric(attr(p, "ci")), NA, n)
    r <- svyratio(~amount, ~remit, sub)
    ci <- confint(r)
    add(lonely, "ratio", "amount", "remit", dm[1], dm[2], coef(r)[[1]], SE(r)[[1]], ci[1, ], NA, n)
  }
}
ref <- do.call(rbind, out)
write.csv(ref, "reference.csv", row.names = FALSE, quote = FALSE)
options(survey.lonely.psu = "fail")
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, data = d)
failed <- tryCatch({ svytotal(~amount, des); FALSE }, error = function(e) TRUE)
stopifnot(failed)
cat("R", R.version.string, "survey", as.character(packageVersion("survey")), "\n")
cat(nrow(d), "rows,", nrow(ref), "reference values\n")
