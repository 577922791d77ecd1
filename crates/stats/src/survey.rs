//! Survey estimation for census and sample-survey microdata: weighted totals, means, proportions and
//! ratios (for the whole population or a domain), with standard errors by Taylor linearisation.
//!
//! The design is a stratified multistage sample analysed, as R's `survey` package does by default
//! for `svydesign(ids = ~psu, strata = ~stratum, weights = ~w)`, with the "ultimate cluster",
//! with-replacement approximation: the variance of an estimated total of a linearised variable `z`
//! is `sum_h n_h / (n_h - 1) * sum_j (z_hj - mean_h)^2`, where `z_hj` is the weighted total of `z`
//! over PSU `j` of stratum `h` and `n_h` the number of PSUs of the stratum. PSU identifiers are
//! nested in strata (the same PSU code in two strata is two PSUs). There is no finite population
//! correction.
//!
//! Domains (subpopulations) are estimated correctly: the domain indicator is folded into the
//! linearised variable and every PSU of the design keeps its place in the variance (a PSU with no
//! member of the domain contributes a zero total), exactly as `svyby` / `subset` do in R, never by
//! dropping rows from the design.
//!
//! Strata with a single PSU follow a [`LonelyPsu`] policy, the counterparts of
//! `options(survey.lonely.psu = "fail" | "certainty" | "adjust")`.
//!
//! Intervals are normal (`estimate ± z·se`, `z = 1.959963984540054` for 95%); for proportions a
//! logit interval is given as well (`expit(logit p ± z·se/(p(1-p)))`), which is R's
//! `svyciprop(method = "logit", df = Inf)` and stays inside (0, 1), and the Korn–Graubard 95%
//! interval (Clopper–Pearson on the effective sample size, with R's degrees-of-freedom
//! adjustment: `svyciprop(method = "beta")`), better for small proportions. Each estimate carries its
//! coefficient of variation and a [`Reliability`] flag from configurable CV thresholds
//! (by default 16.6% and 33.3%), its unweighted count and, for totals and means, the design effect
//! against simple random sampling without replacement (R's `deff = TRUE`).
//!
//! Checked against R `survey` on a seeded synthetic survey: `tests/data/survey/`.

use std::collections::HashMap;

/// The 97.5% quantile of the standard normal distribution (95% two-sided intervals).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// What to do with a stratum that has a single PSU (its variance cannot be estimated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LonelyPsu {
    /// Refuse the design ([`SurveyError::LonelyPsu`]); R's `"fail"`.
    Fail,
    /// The PSU was selected with certainty: the stratum adds no variance; R's `"certainty"`.
    Certainty,
    /// Centre the lonely PSU at zero instead of its stratum mean: the population mean of the
    /// linearised values of means, proportions and ratios, and conservative for totals; R's
    /// `"adjust"` (as computed by `survey` 4.1).
    Adjust,
}

/// CV thresholds for publication: up to `caution` an estimate is reliable, up to `suppress` it is
/// published with a warning, above it is suppressed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvThresholds {
    /// Largest CV of a reliable estimate (default 0.166).
    pub caution: f64,
    /// Largest CV of a publishable estimate (default 0.333).
    pub suppress: f64,
}

impl Default for CvThresholds {
    fn default() -> Self {
        CvThresholds {
            caution: 0.166,
            suppress: 0.333,
        }
    }
}

/// Publication flag of an estimate from its coefficient of variation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reliability {
    /// CV at most the caution threshold.
    Reliable,
    /// CV above the caution threshold, at most the suppression threshold: publish flagged.
    UseWithCaution,
    /// CV above the suppression threshold, or undefined (zero estimate, or no sample): do not publish.
    Suppress,
}

impl CvThresholds {
    /// The flag for a CV (`None` when the CV is undefined).
    pub fn classify(&self, cv: Option<f64>) -> Reliability {
        match cv {
            Some(cv) if cv <= self.caution => Reliability::Reliable,
            Some(cv) if cv <= self.suppress => Reliability::UseWithCaution,
            _ => Reliability::Suppress,
        }
    }
}

/// An error of survey estimation, naming the column, row or stratum at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SurveyError {
    #[error("survey design has no rows")]
    Empty,
    #[error("survey: column `{column}` has {found} rows, the design has {expected}")]
    LengthMismatch {
        column: String,
        expected: usize,
        found: usize,
    },
    #[error("survey design: weight of row {row} is {weight}; weights must be finite and positive")]
    BadWeight { row: usize, weight: f64 },
    #[error("survey design: stratum `{stratum}` has a single PSU (`{psu}`) and the lonely-PSU policy is `fail`")]
    LonelyPsu { stratum: String, psu: String },
    #[error("survey: variable `{variable}` is not finite at row {row} ({value})")]
    NotFinite {
        variable: String,
        row: usize,
        value: f64,
    },
    #[error("survey: variable `{variable}` is not 0/1 at row {row} ({value}); a proportion needs an indicator")]
    NotIndicator {
        variable: String,
        row: usize,
        value: f64,
    },
    #[error("survey: domain `{domain}` has no sample rows")]
    EmptyDomain { domain: String },
    #[error(
        "survey: the denominator `{variable}` of a ratio estimates to zero in domain `{domain}`"
    )]
    ZeroDenominator { variable: String, domain: String },
    #[error("survey: confidence multiplier z must be finite and positive, got {z}")]
    BadZ { z: f64 },
}

/// A named numeric variable, one value per design row.
#[derive(Debug, Clone, Copy)]
pub struct Variable<'a> {
    /// Name, for errors.
    pub name: &'a str,
    /// One value per row of the design.
    pub values: &'a [f64],
}

/// A named subpopulation: `members[i]` says whether row `i` belongs to it.
#[derive(Debug, Clone, Copy)]
pub struct Domain<'a> {
    /// Name, for errors and reports (e.g. `SEX=F`).
    pub name: &'a str,
    /// One flag per row of the design.
    pub members: &'a [bool],
}

/// One estimate with its precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub estimate: f64,
    /// Standard error by Taylor linearisation.
    pub se: f64,
    /// Lower end of the normal interval `estimate - z·se`.
    pub ci_low: f64,
    /// Upper end of the normal interval `estimate + z·se`.
    pub ci_high: f64,
    /// Logit interval, for proportions only.
    pub ci_logit: Option<(f64, f64)>,
    /// Korn–Graubard (Clopper–Pearson on the effective sample size) 95% interval, for
    /// proportions only; `None` when the design has no degrees of freedom in the domain.
    pub ci_korn_graubard_95: Option<(f64, f64)>,
    /// Coefficient of variation `se / |estimate|`; `None` when the estimate is zero.
    pub cv: Option<f64>,
    /// Design effect against simple random sampling without replacement (totals and means);
    /// `None` for ratios, or when the SRS variance is zero.
    pub deff: Option<f64>,
    /// Sample rows in the domain.
    pub unweighted_n: usize,
    /// Sum of weights in the domain (estimated domain population).
    pub weighted_n: f64,
    /// Publication flag from the CV.
    pub reliability: Reliability,
}

/// A stratified multistage design (ultimate clusters, with replacement).
#[derive(Debug, Clone)]
pub struct Design {
    weights: Vec<f64>,
    /// PSU index (global) of each row.
    row_psu: Vec<usize>,
    /// Stratum index of each PSU.
    psu_stratum: Vec<usize>,
    /// Number of PSUs of each stratum.
    stratum_psus: Vec<usize>,
    lonely: LonelyPsu,
    z: f64,
    thresholds: CvThresholds,
}

impl Design {
    /// Builds a design from one stratum code, PSU code and weight per row.
    pub fn new<S: AsRef<str>, P: AsRef<str>>(
        strata: &[S],
        psus: &[P],
        weights: &[f64],
        lonely: LonelyPsu,
    ) -> Result<Design, SurveyError> {
        let n = weights.len();
        if n == 0 {
            return Err(SurveyError::Empty);
        }
        for (column, found) in [("stratum", strata.len()), ("psu", psus.len())] {
            if found != n {
                return Err(SurveyError::LengthMismatch {
                    column: column.to_string(),
                    expected: n,
                    found,
                });
            }
        }
        if let Some((row, &weight)) = weights
            .iter()
            .enumerate()
            .find(|(_, w)| !(w.is_finite() && **w > 0.0))
        {
            return Err(SurveyError::BadWeight { row, weight });
        }
        let mut stratum_index: HashMap<&str, usize> = HashMap::new();
        let mut stratum_names: Vec<&str> = Vec::new();
        let mut psu_index: HashMap<(usize, &str), usize> = HashMap::new();
        let mut psu_stratum = Vec::new();
        let mut psu_names: Vec<&str> = Vec::new();
        let mut row_psu = Vec::with_capacity(n);
        for (s, p) in strata.iter().zip(psus) {
            let next = stratum_index.len();
            let h = *stratum_index.entry(s.as_ref()).or_insert(next);
            if h == stratum_names.len() {
                stratum_names.push(s.as_ref());
            }
            let next = psu_index.len();
            let k = *psu_index.entry((h, p.as_ref())).or_insert(next);
            if k == psu_stratum.len() {
                psu_stratum.push(h);
                psu_names.push(p.as_ref());
            }
            row_psu.push(k);
        }
        let mut stratum_psus = vec![0usize; stratum_names.len()];
        for &h in &psu_stratum {
            stratum_psus[h] += 1;
        }
        if lonely == LonelyPsu::Fail {
            if let Some(h) = stratum_psus.iter().position(|&c| c == 1) {
                let psu = psu_stratum
                    .iter()
                    .position(|&s| s == h)
                    .map(|k| psu_names[k])
                    .unwrap_or_default();
                return Err(SurveyError::LonelyPsu {
                    stratum: stratum_names[h].to_string(),
                    psu: psu.to_string(),
                });
            }
        }
        Ok(Design {
            weights: weights.to_vec(),
            row_psu,
            psu_stratum,
            stratum_psus,
            lonely,
            z: Z_95,
            thresholds: CvThresholds::default(),
        })
    }

    /// Uses `z` as the interval multiplier (e.g. 1.6448536269514722 for 90%).
    pub fn with_z(mut self, z: f64) -> Result<Design, SurveyError> {
        if !(z.is_finite() && z > 0.0) {
            return Err(SurveyError::BadZ { z });
        }
        self.z = z;
        Ok(self)
    }

    /// Uses these CV thresholds for the reliability flags.
    pub fn with_thresholds(mut self, thresholds: CvThresholds) -> Design {
        self.thresholds = thresholds;
        self
    }

    /// Number of sample rows.
    pub fn rows(&self) -> usize {
        self.weights.len()
    }

    /// Number of strata and of PSUs.
    pub fn strata_and_psus(&self) -> (usize, usize) {
        (self.stratum_psus.len(), self.psu_stratum.len())
    }

    /// Estimated total of `y` (in `domain`, or the whole population).
    pub fn total(&self, y: Variable, domain: Option<Domain>) -> Result<Estimate, SurveyError> {
        self.check(y)?;
        let d = self.domain_flags(domain)?;
        let (n, pop) = self.domain_size(&d, domain)?;
        let z: Vec<f64> = (0..self.rows())
            .map(|i| {
                if d[i] {
                    self.weights[i] * y.values[i]
                } else {
                    0.0
                }
            })
            .collect();
        let est = z.iter().sum::<f64>();
        let var = self.variance(&z);
        let srs = self
            .srs_variance(y.values, &d, n, pop)
            .map(|s| s * pop * pop);
        Ok(self.finish(est, var, srs, n, pop, None))
    }

    /// Estimated mean of `y` (in `domain`, or the whole population).
    pub fn mean(&self, y: Variable, domain: Option<Domain>) -> Result<Estimate, SurveyError> {
        self.check(y)?;
        let d = self.domain_flags(domain)?;
        let (n, pop) = self.domain_size(&d, domain)?;
        let (est, var) = self.mean_and_variance(y.values, &d, pop);
        let srs = self.srs_variance(y.values, &d, n, pop);
        Ok(self.finish(est, var, srs, n, pop, None))
    }

    /// Estimated proportion of rows with `y = 1` (`y` must be 0/1), with a logit interval as well.
    pub fn proportion(&self, y: Variable, domain: Option<Domain>) -> Result<Estimate, SurveyError> {
        self.check(y)?;
        if let Some((row, &value)) = y
            .values
            .iter()
            .enumerate()
            .find(|(_, v)| **v != 0.0 && **v != 1.0)
        {
            return Err(SurveyError::NotIndicator {
                variable: y.name.to_string(),
                row,
                value,
            });
        }
        let d = self.domain_flags(domain)?;
        let (n, pop) = self.domain_size(&d, domain)?;
        let (p, var) = self.mean_and_variance(y.values, &d, pop);
        let srs = self.srs_variance(y.values, &d, n, pop);
        let se = var.sqrt();
        let logit = if p > 0.0 && p < 1.0 {
            let centre = (p / (1.0 - p)).ln();
            let half = self.z * se / (p * (1.0 - p));
            Some((expit(centre - half), expit(centre + half)))
        } else {
            None
        };
        let mut est = self.finish(p, var, srs, n, pop, logit);
        est.ci_korn_graubard_95 = self.korn_graubard(p, var, &d, n);
        Ok(est)
    }

    /// Korn–Graubard 95% interval as R's `svyciprop(method = "beta")`: the effective sample size
    /// `p(1-p)/var`, scaled by `(t_{n-1} / t_df)²` with `df` = PSUs minus strata having members in
    /// the domain, in the Clopper–Pearson beta quantiles.
    fn korn_graubard(&self, p: f64, var: f64, d: &[bool], n: usize) -> Option<(f64, f64)> {
        let mut psus = vec![false; self.psu_stratum.len()];
        let mut strata = vec![false; self.stratum_psus.len()];
        for (i, _) in d.iter().enumerate().filter(|(_, inside)| **inside) {
            psus[self.row_psu[i]] = true;
            strata[self.psu_stratum[self.row_psu[i]]] = true;
        }
        let count = |v: &[bool]| v.iter().filter(|&&b| b).count();
        let df = count(&psus) as f64 - count(&strata) as f64;
        if df < 1.0 || n < 2 || var <= 0.0 {
            return None;
        }
        let alpha = 0.05;
        let ratio = beta::t_quantile_lower(alpha / 2.0, n as f64 - 1.0)
            / beta::t_quantile_lower(alpha / 2.0, df);
        let n_eff = p * (1.0 - p) / var * ratio * ratio;
        Some((
            beta::beta_quantile(alpha / 2.0, n_eff * p, n_eff * (1.0 - p) + 1.0),
            beta::beta_quantile(1.0 - alpha / 2.0, n_eff * p + 1.0, n_eff * (1.0 - p)),
        ))
    }

    /// Estimated ratio of the totals of `numerator` and `denominator` (in `domain`).
    pub fn ratio(
        &self,
        numerator: Variable,
        denominator: Variable,
        domain: Option<Domain>,
    ) -> Result<Estimate, SurveyError> {
        self.check(numerator)?;
        self.check(denominator)?;
        let d = self.domain_flags(domain)?;
        let (n, pop) = self.domain_size(&d, domain)?;
        let (mut ty, mut tx) = (0.0, 0.0);
        for (i, _) in d.iter().enumerate().filter(|(_, inside)| **inside) {
            ty += self.weights[i] * numerator.values[i];
            tx += self.weights[i] * denominator.values[i];
        }
        if tx == 0.0 {
            return Err(SurveyError::ZeroDenominator {
                variable: denominator.name.to_string(),
                domain: domain_name(domain).to_string(),
            });
        }
        let r = ty / tx;
        let z: Vec<f64> = (0..self.rows())
            .map(|i| {
                if d[i] {
                    self.weights[i] * (numerator.values[i] - r * denominator.values[i]) / tx
                } else {
                    0.0
                }
            })
            .collect();
        let var = self.variance(&z);
        Ok(self.finish(r, var, None, n, pop, None))
    }

    fn finish(
        &self,
        est: f64,
        var: f64,
        srs: Option<f64>,
        n: usize,
        pop: f64,
        ci_logit: Option<(f64, f64)>,
    ) -> Estimate {
        let se = var.max(0.0).sqrt();
        let cv = (est != 0.0).then(|| se / est.abs());
        Estimate {
            estimate: est,
            se,
            ci_low: est - self.z * se,
            ci_high: est + self.z * se,
            ci_logit,
            ci_korn_graubard_95: None,
            cv,
            deff: srs.filter(|s| *s > 0.0).map(|s| var / s),
            unweighted_n: n,
            weighted_n: pop,
            reliability: self.thresholds.classify(cv),
        }
    }

    fn check(&self, y: Variable) -> Result<(), SurveyError> {
        if y.values.len() != self.rows() {
            return Err(SurveyError::LengthMismatch {
                column: y.name.to_string(),
                expected: self.rows(),
                found: y.values.len(),
            });
        }
        if let Some((row, &value)) = y.values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(SurveyError::NotFinite {
                variable: y.name.to_string(),
                row,
                value,
            });
        }
        Ok(())
    }

    fn domain_flags(&self, domain: Option<Domain>) -> Result<Vec<bool>, SurveyError> {
        match domain {
            None => Ok(vec![true; self.rows()]),
            Some(d) if d.members.len() != self.rows() => Err(SurveyError::LengthMismatch {
                column: d.name.to_string(),
                expected: self.rows(),
                found: d.members.len(),
            }),
            Some(d) => Ok(d.members.to_vec()),
        }
    }

    fn domain_size(&self, d: &[bool], domain: Option<Domain>) -> Result<(usize, f64), SurveyError> {
        let n = d.iter().filter(|&&b| b).count();
        if n == 0 {
            return Err(SurveyError::EmptyDomain {
                domain: domain_name(domain).to_string(),
            });
        }
        let pop = (0..self.rows())
            .filter(|&i| d[i])
            .map(|i| self.weights[i])
            .sum();
        Ok((n, pop))
    }

    /// Domain mean and its linearised variance.
    fn mean_and_variance(&self, y: &[f64], d: &[bool], pop: f64) -> (f64, f64) {
        let ty: f64 = (0..self.rows())
            .filter(|&i| d[i])
            .map(|i| self.weights[i] * y[i])
            .sum();
        let mean = ty / pop;
        let z: Vec<f64> = (0..self.rows())
            .map(|i| {
                if d[i] {
                    self.weights[i] * (y[i] - mean) / pop
                } else {
                    0.0
                }
            })
            .collect();
        (mean, self.variance(&z))
    }

    /// Variance of the mean under simple random sampling without replacement of the domain's `n`
    /// rows from `pop`: `s² / n · (pop - n) / pop`, `s²` the weighted variance with `n/(n-1)`
    /// (R's `svyvar`). `None` when `n < 2`.
    fn srs_variance(&self, y: &[f64], d: &[bool], n: usize, pop: f64) -> Option<f64> {
        if n < 2 {
            return None;
        }
        let rows = || (0..self.rows()).filter(|&i| d[i]);
        let mean = rows().map(|i| self.weights[i] * y[i]).sum::<f64>() / pop;
        let s2 = rows()
            .map(|i| self.weights[i] * (y[i] - mean) * (y[i] - mean))
            .sum::<f64>()
            / pop
            * n as f64
            / (n as f64 - 1.0);
        let n = n as f64;
        Some(s2 / n * ((pop - n) / pop).max(0.0))
    }

    /// Variance of the total of the (already weighted) linearised values `z`.
    fn variance(&self, z: &[f64]) -> f64 {
        let mut psu_totals = vec![0.0; self.psu_stratum.len()];
        for (i, zi) in z.iter().enumerate() {
            psu_totals[self.row_psu[i]] += zi;
        }
        let strata = self.stratum_psus.len();
        let mut sums = vec![0.0; strata];
        for (k, t) in psu_totals.iter().enumerate() {
            sums[self.psu_stratum[k]] += t;
        }
        let mut var = 0.0;
        for (k, t) in psu_totals.iter().enumerate() {
            let h = self.psu_stratum[k];
            let nh = self.stratum_psus[h];
            if nh > 1 {
                let dev = t - sums[h] / nh as f64;
                var += nh as f64 / (nh as f64 - 1.0) * dev * dev;
            } else if self.lonely == LonelyPsu::Adjust {
                // R `survey` 4.1 centres the lonely PSU at zero: the population mean of the
                // linearised values of means, proportions and ratios (they sum to zero), and a
                // conservative centre for totals.
                var += t * t;
            }
        }
        var
    }
}

/// The domains of a categorical variable: each distinct code (in order of first appearance) with
/// its membership flags, for estimates by sex, age group, country of birth …
pub fn domains<S: AsRef<str>>(codes: &[S]) -> Vec<(String, Vec<bool>)> {
    let mut out: Vec<(String, Vec<bool>)> = Vec::new();
    for (i, c) in codes.iter().enumerate() {
        let c = c.as_ref();
        match out.iter_mut().find(|(code, _)| code == c) {
            Some((_, members)) => members[i] = true,
            None => {
                let mut members = vec![false; codes.len()];
                members[i] = true;
                out.push((c.to_string(), members));
            }
        }
    }
    out
}

fn domain_name<'a>(domain: Option<Domain<'a>>) -> &'a str {
    domain.map_or("(all)", |d| d.name)
}

fn expit(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

mod beta;
#[cfg(test)]
mod tests;
