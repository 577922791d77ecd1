//! A small dense linear-programming solver for the disclosure module: minimise `c·x` subject to
//! `A x = b` and `0 <= x <= u` (`u` may be infinite), by the two-phase primal simplex method with
//! bounded variables on a full tableau. Redundant equations are allowed (their artificial variables
//! stay basic at zero). Dantzig's rule, switching to Bland's rule after a run of degenerate pivots so
//! that it cannot cycle. Sized for statistical tables: a few hundred rows and columns.
//!
//! [`Lp::solve_sparse`] solves the same problem with `microlp` (a revised simplex on a sparse LU
//! factorisation), for the large LPs over every cell of a table: the tableau costs
//! rows × columns per pivot, the factorisation about the non-zeros.

/// A linear program in equality form with bounds `0 <= x <= upper`.
#[derive(Debug, Clone)]
pub(crate) struct Lp {
    /// Rows of `A`, each a sparse list of `(column, coefficient)`.
    pub rows: Vec<Vec<(usize, f64)>>,
    pub rhs: Vec<f64>,
    pub cost: Vec<f64>,
    pub upper: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LpOutcome {
    Optimal {
        x: Vec<f64>,
        objective: f64,
    },
    Infeasible,
    Unbounded,
    /// The iteration limit was reached (should not happen: anti-cycling is on).
    IterationLimit,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Bound {
    Lower,
    Upper,
    Basic,
}

struct Tableau {
    m: usize,
    width: usize,
    t: Vec<f64>,
    xb: Vec<f64>,
    basis: Vec<usize>,
    state: Vec<Bound>,
    upper: Vec<f64>,
    enterable: Vec<bool>,
    d: Vec<f64>,
    tol: f64,
}

const PIVOT_TOL: f64 = 1e-9;

impl Lp {
    /// The same problem by `microlp`'s sparse revised simplex. Rows without a column must have a
    /// zero right-hand side (else the problem is infeasible).
    pub(crate) fn solve_sparse(&self) -> LpOutcome {
        use microlp::{ComparisonOp, OptimizationDirection, Problem};
        let mut problem = Problem::new(OptimizationDirection::Minimize);
        let vars: Vec<_> = self
            .cost
            .iter()
            .zip(&self.upper)
            .map(|(&c, &u)| problem.add_var(c, (0.0, u)))
            .collect();
        let scale = self.rhs.iter().fold(1.0f64, |a, b| a.max(b.abs()));
        for (row, &b) in self.rows.iter().zip(&self.rhs) {
            if row.is_empty() {
                if b.abs() > 1e-9 * scale {
                    return LpOutcome::Infeasible;
                }
                continue;
            }
            let expr: Vec<_> = row.iter().map(|&(j, a)| (vars[j], a)).collect();
            problem.add_constraint(expr.as_slice(), ComparisonOp::Eq, b);
        }
        match problem.solve() {
            Ok(solution) => {
                let x: Vec<f64> = vars.iter().map(|&v| *solution.var_value(v)).collect();
                let objective = x.iter().zip(&self.cost).map(|(a, b)| a * b).sum();
                LpOutcome::Optimal { x, objective }
            }
            Err(microlp::Error::Infeasible) => LpOutcome::Infeasible,
            Err(microlp::Error::Unbounded) => LpOutcome::Unbounded,
            Err(microlp::Error::InternalError(_)) => LpOutcome::IterationLimit,
        }
    }

    pub(crate) fn solve(&self) -> LpOutcome {
        let m = self.rows.len();
        let n = self.cost.len();
        let width = n + m;
        let scale = self
            .rhs
            .iter()
            .chain(self.upper.iter().filter(|u| u.is_finite()))
            .fold(1.0f64, |a, b| a.max(b.abs()));
        let tol = 1e-9 * scale;
        let mut t = vec![0.0; m * width];
        let mut xb = vec![0.0; m];
        for (i, row) in self.rows.iter().enumerate() {
            let sign = if self.rhs[i] < 0.0 { -1.0 } else { 1.0 };
            for &(j, a) in row {
                t[i * width + j] += sign * a;
            }
            t[i * width + n + i] = 1.0;
            xb[i] = sign * self.rhs[i];
        }
        let mut upper = self.upper.clone();
        upper.extend(std::iter::repeat_n(f64::INFINITY, m));
        let mut state = vec![Bound::Lower; width];
        for s in state.iter_mut().skip(n) {
            *s = Bound::Basic;
        }
        let mut tab = Tableau {
            m,
            width,
            t,
            xb,
            basis: (n..width).collect(),
            state,
            upper,
            enterable: vec![true; width],
            d: vec![0.0; width],
            tol,
        };
        // Phase 1: minimise the sum of the artificial variables.
        let mut phase1 = vec![0.0; width];
        for c in phase1.iter_mut().skip(n) {
            *c = 1.0;
        }
        tab.price(&phase1);
        match tab.iterate() {
            Step::Optimal => {}
            Step::Unbounded => return LpOutcome::Unbounded,
            Step::Limit => return LpOutcome::IterationLimit,
        }
        let infeasibility: f64 = (0..m)
            .filter(|&i| tab.basis[i] >= n)
            .map(|i| tab.xb[i])
            .sum();
        if infeasibility > tol * (m as f64).sqrt().max(1.0) * 10.0 {
            return LpOutcome::Infeasible;
        }
        for k in n..width {
            tab.upper[k] = 0.0;
            tab.enterable[k] = false;
        }
        for i in 0..m {
            if tab.basis[i] >= n {
                tab.xb[i] = 0.0;
            }
        }
        // Phase 2.
        let mut cost = self.cost.clone();
        cost.extend(std::iter::repeat_n(0.0, m));
        tab.price(&cost);
        match tab.iterate() {
            Step::Optimal => {}
            Step::Unbounded => return LpOutcome::Unbounded,
            Step::Limit => return LpOutcome::IterationLimit,
        }
        let mut x = vec![0.0; n];
        for (j, xj) in x.iter_mut().enumerate() {
            if tab.state[j] == Bound::Upper {
                *xj = tab.upper[j];
            }
        }
        for i in 0..m {
            if tab.basis[i] < n {
                x[tab.basis[i]] = tab.xb[i];
            }
        }
        let objective = x.iter().zip(&self.cost).map(|(a, b)| a * b).sum();
        LpOutcome::Optimal { x, objective }
    }
}

enum Step {
    Optimal,
    Unbounded,
    Limit,
}

impl Tableau {
    /// Reduced costs `d_j = c_j - c_B · T_j`.
    fn price(&mut self, cost: &[f64]) {
        self.d.copy_from_slice(cost);
        for i in 0..self.m {
            let cb = cost[self.basis[i]];
            if cb != 0.0 {
                let row = &self.t[i * self.width..(i + 1) * self.width];
                for (dj, a) in self.d.iter_mut().zip(row) {
                    *dj -= cb * a;
                }
            }
        }
    }

    fn iterate(&mut self) -> Step {
        let limit = 50 * (self.width + self.m) + 1000;
        let mut degenerate = 0usize;
        let dtol = 1e-9;
        for _ in 0..limit {
            let bland = degenerate > 30;
            let mut entering = None;
            let mut best = 0.0;
            for j in 0..self.width {
                if !self.enterable[j] {
                    continue;
                }
                let gain = match self.state[j] {
                    Bound::Lower if self.d[j] < -dtol => -self.d[j],
                    Bound::Upper if self.d[j] > dtol => self.d[j],
                    _ => continue,
                };
                if bland {
                    entering = Some(j);
                    break;
                }
                if gain > best {
                    best = gain;
                    entering = Some(j);
                }
            }
            let Some(j) = entering else {
                return Step::Optimal;
            };
            let dir = if self.state[j] == Bound::Lower {
                1.0
            } else {
                -1.0
            };
            let mut step = self.upper[j];
            let mut leave: Option<(usize, f64)> = None;
            for i in 0..self.m {
                let alpha = self.t[i * self.width + j];
                if alpha.abs() < PIVOT_TOL {
                    continue;
                }
                let g = -dir * alpha;
                let ratio = if g < 0.0 {
                    self.xb[i].max(0.0) / -g
                } else {
                    let ub = self.upper[self.basis[i]];
                    if !ub.is_finite() {
                        continue;
                    }
                    (ub - self.xb[i]).max(0.0) / g
                };
                let better = match leave {
                    None => ratio < step || !step.is_finite(),
                    Some((r, _)) => {
                        let current = step;
                        if ratio < current - self.tol * 1e-3 {
                            true
                        } else if ratio <= current + self.tol * 1e-3 {
                            if bland {
                                self.basis[i] < self.basis[r]
                            } else {
                                alpha.abs() > self.t[r * self.width + j].abs()
                            }
                        } else {
                            false
                        }
                    }
                };
                if better {
                    step = ratio;
                    leave = Some((i, g));
                }
            }
            if !step.is_finite() {
                return Step::Unbounded;
            }
            if step <= self.tol * 1e-6 {
                degenerate += 1;
            } else {
                degenerate = 0;
            }
            // Move the basic variables.
            for i in 0..self.m {
                let alpha = self.t[i * self.width + j];
                if alpha != 0.0 {
                    self.xb[i] -= dir * alpha * step;
                }
            }
            let Some((r, g)) = leave else {
                // Bound flip: the entering variable goes to its other bound.
                self.state[j] = if dir > 0.0 {
                    Bound::Upper
                } else {
                    Bound::Lower
                };
                continue;
            };
            let start = if self.state[j] == Bound::Lower {
                0.0
            } else {
                self.upper[j]
            };
            let leaving = self.basis[r];
            self.state[leaving] = if g < 0.0 { Bound::Lower } else { Bound::Upper };
            self.state[j] = Bound::Basic;
            self.basis[r] = j;
            self.xb[r] = start + dir * step;
            self.pivot(r, j);
        }
        Step::Limit
    }

    fn pivot(&mut self, r: usize, j: usize) {
        let w = self.width;
        let p = self.t[r * w + j];
        for v in &mut self.t[r * w..(r + 1) * w] {
            *v /= p;
        }
        let pivot_row: Vec<(usize, f64)> = self.t[r * w..(r + 1) * w]
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != 0.0)
            .map(|(k, v)| (k, *v))
            .collect();
        for i in 0..self.m {
            if i == r {
                continue;
            }
            let f = self.t[i * w + j];
            if f == 0.0 {
                continue;
            }
            let row = &mut self.t[i * w..(i + 1) * w];
            for &(k, v) in &pivot_row {
                row[k] -= f * v;
            }
            row[j] = 0.0;
        }
        let f = self.d[j];
        if f != 0.0 {
            for &(k, v) in &pivot_row {
                self.d[k] -= f * v;
            }
            self.d[j] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lp(rows: Vec<Vec<(usize, f64)>>, rhs: Vec<f64>, cost: Vec<f64>, upper: Vec<f64>) -> Lp {
        Lp {
            rows,
            rhs,
            cost,
            upper,
        }
    }

    trait SolveWith {
        fn solve_with(&self, solve: fn(&Lp) -> LpOutcome) -> LpOutcome;
    }

    impl SolveWith for Lp {
        fn solve_with(&self, solve: fn(&Lp) -> LpOutcome) -> LpOutcome {
            solve(self)
        }
    }

    fn optimum(o: LpOutcome) -> (Vec<f64>, f64) {
        match o {
            LpOutcome::Optimal { x, objective } => (x, objective),
            other => panic!("not optimal: {other:?}"),
        }
    }

    /// Both solvers, dense tableau and sparse (`microlp`), on the same problems.
    #[test]
    fn small_problems() {
        for solve in [Lp::solve, Lp::solve_sparse] {
            small_problems_with(solve);
        }
    }

    fn small_problems_with(solve: fn(&Lp) -> LpOutcome) {
        let inf = f64::INFINITY;
        // min -x0 - x1, x0 + x1 + s = 4, x0 <= 3, x1 <= 2  -> -4
        let (_, obj) = optimum(
            lp(
                vec![vec![(0, 1.0), (1, 1.0), (2, 1.0)]],
                vec![4.0],
                vec![-1.0, -1.0, 0.0],
                vec![3.0, 2.0, inf],
            )
            .solve_with(solve),
        );
        assert!((obj + 4.0).abs() < 1e-9);
        // min x0 + 2 x1 s.t. x0 - x1 = -3 (x1 = 3 + x0) -> x0 = 0, x1 = 3, obj 6
        let (x, obj) = optimum(
            lp(
                vec![vec![(0, 1.0), (1, -1.0)]],
                vec![-3.0],
                vec![1.0, 2.0],
                vec![inf, inf],
            )
            .solve_with(solve),
        );
        assert!((obj - 6.0).abs() < 1e-9 && (x[1] - 3.0).abs() < 1e-9);
        // infeasible: x0 + x1 = 5 with both <= 2
        assert_eq!(
            lp(
                vec![vec![(0, 1.0), (1, 1.0)]],
                vec![5.0],
                vec![0.0, 0.0],
                vec![2.0, 2.0]
            )
            .solve_with(solve),
            LpOutcome::Infeasible
        );
        // unbounded: min -x0, x0 - x1 = 0
        assert_eq!(
            lp(
                vec![vec![(0, 1.0), (1, -1.0)]],
                vec![0.0],
                vec![-1.0, 0.0],
                vec![inf, inf]
            )
            .solve_with(solve),
            LpOutcome::Unbounded
        );
        // redundant equations: x0 + x1 = 2 twice, x0 - x1 = 0; min x0 -> 1
        let (x, _) = optimum(
            lp(
                vec![
                    vec![(0, 1.0), (1, 1.0)],
                    vec![(0, 1.0), (1, 1.0)],
                    vec![(0, 1.0), (1, -1.0)],
                ],
                vec![2.0, 2.0, 0.0],
                vec![1.0, 0.0],
                vec![inf, inf],
            )
            .solve_with(solve),
        );
        assert!((x[0] - 1.0).abs() < 1e-9 && (x[1] - 1.0).abs() < 1e-9);
    }
}
