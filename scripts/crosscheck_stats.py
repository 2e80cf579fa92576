#!/usr/bin/env python3
"""Compare RegistryDomain's statistics with independent implementations.

Reads the JSON written by the Swift test `CrosscheckExport` (env MSCREG_CROSSCHECK_OUT) and
recomputes every value:
  - Kaplan–Meier survival and log-log ("exponential Greenwood") CI: lifelines KaplanMeierFitter
    (`survival_function_` and `confidence_interval_` read as step functions with `asof`);
  - plain CI S ± z·SE: statsmodels SurvfuncRight (`surv_prob`, Greenwood `surv_prob_se`);
  - at risk at a horizon t: the number of times ≥ t (numpy);
  - median survival: lifelines `median_survival_time_` (inf ↔ null);
  - the median's 95% CI: lifelines `median_survival_times` applied to the confidence band
    (`kmf.confidence_interval_` for log-log; the statsmodels plain band on lifelines' timeline);
  - two-arm comparisons (MSC vs control, ties and censoring): lifelines `logrank_test`
    (χ², p) and `CoxPHFitter` (coefficient, SE, hazard ratio, its 95% CI, Wald p; Efron ties);
  - Wilson intervals: statsmodels proportion_confint(method="wilson");
  - Student t quantiles and t intervals of the mean: scipy.stats.t.ppf;
  - block randomization: a Python transcription of BlockRandomizer's documented algorithm.
Exits 1 when any difference exceeds the tolerance (default 1e-6 absolute, --tolerance).
"""
import argparse
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test
from lifelines.utils import median_survival_times
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint

Z = 1.959963984540054
MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self, bound):
        threshold = ((1 << 64) - bound) % bound
        while True:
            r = self.next()
            if r >= threshold:
                return r % bound


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & MASK64
    return h


def block_sequence(arms, ratios, block_sizes, seed, stratum, count):
    """The documented BlockRandomizer algorithm, transcribed."""
    if len(arms) == 1:
        return arms * count
    g = SplitMix64(seed ^ fnv1a64(stratum))
    ratio_sum = sum(ratios)
    out = []
    while len(out) < count:
        size = block_sizes[g.uniform(len(block_sizes))]
        block = []
        for arm, ratio in zip(arms, ratios):
            block += [arm] * (ratio * size // ratio_sum)
        for i in range(len(block) - 1, 0, -1):
            j = g.uniform(i + 1)
            block[i], block[j] = block[j], block[i]
        out += block
    return out[:count]


class Tally:
    def __init__(self, tolerance):
        self.tolerance = tolerance
        self.max = {}
        self.count = {}
        self.failures = []
        self.ties = 0

    def compare(self, what, ours, theirs, context):
        if ours is None or theirs is None:
            diff = 0.0 if ours is None and theirs is None else math.inf
        else:
            diff = abs(float(ours) - float(theirs))
        self.max[what] = max(self.max.get(what, 0.0), diff)
        self.count[what] = self.count.get(what, 0) + 1
        if not diff <= self.tolerance:
            self.failures.append(f"{what}: swift {ours} vs reference {theirs} ({context})")


def step_value(times, values, t, before):
    """Right-continuous step function: the value at the last time ≤ t, `before` if none."""
    idx = np.searchsorted(times, t, side="right") - 1
    return before if idx < 0 else values[idx]


def check_km(case, tally, index):
    times = np.asarray(case["times"], dtype=float)
    events = np.asarray(case["events"], dtype=bool)
    kmf = KaplanMeierFitter().fit(times, events)
    timeline = kmf.survival_function_.index.values
    surv = kmf.survival_function_.iloc[:, 0].values
    ci = kmf.confidence_interval_.values
    sm = SurvfuncRight(times, events.astype(int))
    sm_times = np.asarray(sm.surv_times, dtype=float)
    sm_prob = np.asarray(sm.surv_prob, dtype=float)
    sm_se = np.asarray(sm.surv_prob_se, dtype=float)
    for ours_ll, ours_pl in zip(case["loglog"], case["plain"]):
        t = ours_ll["t"]
        where = f"km case {index}, n={len(times)}, t={t}"
        s = step_value(timeline, surv, t, 1.0)
        lo, hi = step_value(timeline, ci[:, 0], t, 1.0), step_value(timeline, ci[:, 1], t, 1.0)
        tally.compare("km survival (lifelines)", ours_ll["s"], s, where)
        tally.compare("km loglog low (lifelines)", ours_ll["lo"], lo, where)
        tally.compare("km loglog high (lifelines)", ours_ll["hi"], hi, where)
        s2 = step_value(sm_times, sm_prob, t, 1.0)
        se = step_value(sm_times, sm_se, t, 0.0)
        if s2 <= 0:
            plo = phi = 0.0
        else:
            plo, phi = max(0.0, s2 - Z * se), min(1.0, s2 + Z * se)
        tally.compare("km survival (statsmodels)", ours_pl["s"], s2, where)
        tally.compare("km plain low (statsmodels)", ours_pl["lo"], plo, where)
        tally.compare("km plain high (statsmodels)", ours_pl["hi"], phi, where)
        at_risk = int(np.sum(times >= t))
        tally.compare("km at risk", ours_ll["at_risk"], at_risk, where)
        tally.compare("km at risk", ours_pl["at_risk"], at_risk, where)
    median = kmf.median_survival_time_
    median = None if math.isinf(median) else float(median)
    ours = case.get("median")
    if ours != median and ours is not None:
        # Exact halves: S = 0.5 mathematically (e.g. 3/4 · 2/3) may be 0.5000000000000001 in
        # lifelines' exp(Σ log) and miss its `S ≤ 0.5` test; Swift counts S ≤ 0.5 + 1e-12 as
        # reached (documented on KaplanMeierEstimate.medianSurvival). Accept those ties only.
        s_at = step_value(timeline, surv, ours, 1.0)
        if abs(s_at - 0.5) < 1e-12:
            tally.ties += 1
            median = ours
    tally.compare("km median (lifelines)", ours, median, f"km case {index}")

    # The median's CI: lifelines' median_survival_times over the band's columns.
    def band_medians(band):
        m = median_survival_times(band)
        values = np.asarray(m).reshape(-1)
        return [None if math.isinf(v) else float(v) for v in values]

    low, high = band_medians(kmf.confidence_interval_)
    tally.compare("km median ci low, loglog (lifelines)", case.get("median_loglog_low"), low, f"km case {index}")
    tally.compare("km median ci high, loglog (lifelines)", case.get("median_loglog_high"), high, f"km case {index}")
    plain = []
    for t in timeline:
        s2 = step_value(sm_times, sm_prob, t, 1.0)
        se = step_value(sm_times, sm_se, t, 0.0)
        plain.append((0.0, 0.0) if s2 <= 0 else (max(0.0, s2 - Z * se), min(1.0, s2 + Z * se)))
    plain_band = pd.DataFrame(plain, index=timeline, columns=["lower", "upper"])
    low, high = band_medians(plain_band)
    tally.compare("km median ci low, plain (lifelines)", case.get("median_plain_low"), low, f"km case {index}")
    tally.compare("km median ci high, plain (lifelines)", case.get("median_plain_high"), high, f"km case {index}")


def has_finite_cox(t, e, x):
    """A finite Cox estimate needs an event of each arm while the other arm has patients at risk."""
    treated_ok = any(e[i] and x[i] and np.any((t >= t[i]) & ~x) for i in range(len(t)))
    control_ok = any(e[i] and not x[i] and np.any((t >= t[i]) & x) for i in range(len(t)))
    return treated_ok and control_ok


def check_comparison(case, tally, index):
    t = np.asarray(case["times"], dtype=float)
    e = np.asarray(case["events"], dtype=bool)
    x = np.asarray(case["treated"], dtype=bool)
    where = f"comparison case {index}, n={len(t)}, events={int(e.sum())}"
    lr = logrank_test(t[x], t[~x], event_observed_A=e[x], event_observed_B=e[~x])
    if case.get("logrank_chi2") is None:
        tally.compare("log-rank not computable (no events or no variance)", 0.0,
                      0.0 if (e.sum() == 0 or not np.isfinite(lr.test_statistic) or lr.test_statistic == 0) else 1.0, where)
    else:
        tally.compare("log-rank chi2 (lifelines)", case["logrank_chi2"], lr.test_statistic, where)
        tally.compare("log-rank p (lifelines)", case["logrank_p"], lr.p_value, where)
    if case.get("cox_coef") is None:
        tally.compare("cox not estimable (no finite MLE)", 0.0, 0.0 if not has_finite_cox(t, e, x) else 1.0, where)
        return
    df = pd.DataFrame({"T": t, "E": e.astype(int), "msc": x.astype(int)})
    # lifelines' default stopping rules (precision 1e-7 on the step or the Newton decrement,
    # or a relative log-likelihood change below 1e-9, as R) leave β up to ~1e-5 from the
    # maximum of the partial likelihood. Run its Newton–Raphson to the floating-point limit
    # (60 steps, no early stop; it may warn that it "failed to converge", which only means
    # the step never became exactly 0) so that the comparison tests the model, not the rule.
    cph = CoxPHFitter().fit(df, "T", "E", fit_options={"precision": 1e-30, "r_precision": 0.0, "max_steps": 60})
    row = cph.summary.loc["msc"]
    tally.compare("cox coefficient (lifelines)", case["cox_coef"], row["coef"], where)
    tally.compare("cox se (lifelines)", case["cox_se"], row["se(coef)"], where)
    tally.compare("cox hazard ratio (lifelines)", case["hazard_ratio"], row["exp(coef)"], where)
    tally.compare("cox hr ci low (lifelines)", case["hr_low"], row["exp(coef) lower 95%"], where)
    tally.compare("cox hr ci high (lifelines)", case["hr_high"], row["exp(coef) upper 95%"], where)
    tally.compare("cox wald p (lifelines)", case["cox_p"], row["p"], where)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", help="file written by the Swift test CrosscheckExport")
    parser.add_argument("--tolerance", type=float, default=1e-6)
    args = parser.parse_args()
    with open(args.json) as f:
        data = json.load(f)
    tally = Tally(args.tolerance)
    warnings.simplefilter("ignore")

    for i, case in enumerate(data["km"]):
        check_km(case, tally, i)

    for i, case in enumerate(data.get("comparison", [])):
        check_comparison(case, tally, i)

    for case in data["wilson"]:
        lo, hi = proportion_confint(case["k"], case["n"], alpha=0.05, method="wilson")
        where = f"wilson {case['k']}/{case['n']}"
        tally.compare("wilson low (statsmodels)", case["lo"], lo, where)
        tally.compare("wilson high (statsmodels)", case["hi"], hi, where)

    for case in data["t"]:
        q = stats.t.ppf(case["p"], case["df"])
        # relative difference: far-tail quantiles are large numbers
        tally.compare("t quantile, relative (scipy)", case["q"] / q - 1, 0.0, f"t p={case['p']} df={case['df']}")

    for i, case in enumerate(data["summary"]):
        x = np.asarray(case["values"])
        n = len(x)
        mean, sd = x.mean(), x.std(ddof=1)
        half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
        where = f"summary {i}, n={n}"
        tally.compare("summary mean (numpy)", case["mean"], mean, where)
        tally.compare("summary sd (numpy)", case["sd"], sd, where)
        tally.compare("summary ci low (scipy t)", case["lo"], mean - half, where)
        tally.compare("summary ci high (scipy t)", case["hi"], mean + half, where)

    for case in data["randomizer"]:
        expected = block_sequence(
            case["arms"], case["ratios"], case["block_sizes"], case["seed"], case["stratum"],
            len(case["sequence"]))
        mismatches = sum(a != b for a, b in zip(expected, case["sequence"]))
        tally.compare("randomizer mismatched allocations", mismatches, 0,
                      f"seed {case['seed']} stratum {case['stratum']!r}")

    width = max(len(k) for k in tally.max)
    print(f"cross-check: tolerance {args.tolerance:g} (absolute)")
    for what in sorted(tally.max):
        print(f"  {what:<{width}}  max diff {tally.max[what]:.3g}  over {tally.count[what]} values")
    print(f"  km medians at an exact half (S = 0.5 up to rounding; Swift's convention kept): {tally.ties}")
    if tally.failures:
        print(f"FAILED: {len(tally.failures)} differences above tolerance; first ones:")
        for line in tally.failures[:20]:
            print("  " + line)
        return 1
    print("OK: Swift agrees with lifelines, statsmodels and scipy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
