"""Experience analyses: touchpoint's core against pandas group-bys + pingouin on the same events.

Run by `make bench-experience` (EVENTS=10000000 by default). The Rust timing binary
`experience_timing` generates the demo events (12 touchpoints, about 16 % of the rows scored),
times the experience table, experience -> conversion and key drivers (best of 5, in process),
and writes the same events as CSV. This script reads the CSV with pandas (not timed), then
times the peer's work only, best of 3 per figure:

- the experience table: per touchpoint, stage and channel kind n, promoters, detractors, NPS
  with its variance and interval, mean with its standard error, top box with a Wilson interval;
- experience -> conversion: journeys cut after each conversion, per touchpoint the journeys
  with a detractor score vs the rest, rates, Wald difference, risk and odds ratios;
- key drivers: each customer's mean score per touchpoint (missing: the touchpoint's mean over
  the customers scored there), converted 0/1 as the outcome, `pingouin.linear_regression(...,
  relimp=True)` for the LMG shares.

It checks that the peer's figures equal touchpoint's (NPS, detractor journeys and conversions,
R^2) and prints the ratios; with --out it rewrites the "Experience" section of RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
Z = 1.959963984540054


def best(f, n=3):
    out, t = None, math.inf
    for _ in range(n):
        s = time.perf_counter()
        out = f()
        t = min(t, time.perf_counter() - s)
    return t, out


def experience_table(df: pd.DataFrame) -> pd.DataFrame:
    s = df[df.feedback.notna()]
    s = s.assign(prom=s.feedback >= 9, det=s.feedback <= 6)
    frames = []
    for dim in ("touchpoint", "stage", "channel"):
        g = s.groupby(dim)
        t = pd.DataFrame({"n": g.size(), "promoters": g.prom.sum(), "detractors": g.det.sum(),
                          "mean": g.feedback.mean(), "sd": g.feedback.std()})
        p, d = t.promoters / t.n, t.detractors / t.n
        t["nps"] = 100 * (p - d)
        t["nps_variance"] = 10_000 * (p + d - (p - d) ** 2) / t.n
        se = np.sqrt(t.nps_variance)
        t["nps_lower"] = (t.nps - Z * se).clip(lower=-100)
        t["nps_upper"] = (t.nps + Z * se).clip(upper=100)
        t["mean_se"] = t.sd / np.sqrt(t.n)
        centre = (p + Z * Z / (2 * t.n)) / (1 + Z * Z / t.n)
        half = Z / (1 + Z * Z / t.n) * np.sqrt(p * (1 - p) / t.n + Z * Z / (4 * t.n * t.n))
        t["top_box_lower"], t["top_box_upper"] = centre - half, centre + half
        t["dimension"] = dim
        frames.append(t)
    allp = ((s.feedback >= 9).mean() - (s.feedback <= 6).mean()) * 100
    out = pd.concat(frames)
    out.attrs["nps_all"] = allp
    return out


def experience_conversion(df: pd.DataFrame) -> tuple:
    # content order: time, touches before pure conversions, touchpoint name; a converting touch
    # ends its journey
    d = df.assign(pure=df.touchpoint.isna(), det=df.feedback <= 6)
    d = d.sort_values(["customer_id", "timestamp", "pure", "touchpoint"], kind="stable")
    # journey number within the customer: conversions before this row
    before = d.groupby("customer_id", sort=False).converted.cumsum() - d.converted
    d = d.assign(journey=before)
    touches = d[~d.pure]
    conv = d.groupby(["customer_id", "journey"]).converted.max().astype(bool)
    j = touches.groupby(["customer_id", "journey"]).det.any().to_frame()
    j = j.join(conv)
    a, n1 = int(j[j.det].converted.sum()), int(j.det.sum())
    c, n0 = int(j[~j.det].converted.sum()), int((~j.det).sum())
    p1, p0 = a / n1, c / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    odds = (a * (n0 - c)) / ((n1 - a) * c)
    # per touchpoint: journeys through it, with a detractor score there
    tj = touches.groupby(["customer_id", "journey", "touchpoint"]).det.any().to_frame()
    tj = tj.join(j.converted, on=["customer_id", "journey"])
    per_tp = tj.groupby(["touchpoint", "det"]).converted.agg(["size", "sum"])
    return (n1, a, len(j)), (p1 - p0, se, p1 / p0, odds), per_tp


def key_drivers(df: pd.DataFrame):
    import pingouin as pg
    s = df[df.feedback.notna()]
    x = s.groupby(["customer_id", "touchpoint"]).feedback.mean().unstack()
    converted = df.groupby("customer_id").converted.max()
    x = x.fillna(x.mean())
    x = x[sorted(x.columns)]
    y = converted.reindex(x.index).astype(float)
    lm = pg.linear_regression(x, y, relimp=True)
    return lm.r2.iloc[0], lm, len(x)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=int(os.environ.get("EVENTS", 10_000_000)))
    ap.add_argument("--out", type=Path)
    ap.add_argument("--csv", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "touchpoint-experience.csv")
    a = ap.parse_args()
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "touchpoint-benches", "--bin", "experience_timing"],
                   check=True, cwd=ROOT)
    run = subprocess.run([str(target / "release" / "experience_timing"), str(a.events), str(a.csv)],
                         check=True, capture_output=True, text=True)
    tp = json.loads(run.stdout)
    df = pd.read_csv(a.csv, dtype={"customer_id": str, "touchpoint": str, "stage": str, "channel": str})
    t_exp, table = best(lambda: experience_table(df))
    t_conv, (counts, stats, _per_tp) = best(lambda: experience_conversion(df))
    t_kd, (r2, _lm, n_kd) = best(lambda: key_drivers(df))
    checks = {
        "NPS of all scores": (table.attrs["nps_all"], tp["nps_all"]),
        "detractor journeys": (counts[0], tp["detractor_journeys"]),
        "their conversions": (counts[1], tp["detractor_conversions"]),
        "journeys": (counts[2], tp["journeys"]),
        "key-driver R²": (r2, tp["r_squared"]),
        "key-driver customers": (n_kd, tp["key_driver_customers"]),
    }
    ok = all(abs(float(p) - float(t)) <= 1e-9 * max(1.0, abs(float(t))) for p, t in checks.values())
    rows = [("experience table (touchpoint, stage, channel)", tp["experience_s"], t_exp),
            ("experience → conversion", tp["experience_conversion_s"], t_conv),
            ("key drivers (LMG over %d touchpoints)" % tp["drivers"], tp["key_drivers_s"], t_kd)]
    lines = [
        "## Experience (NPS/CSAT, experience → conversion, key drivers)",
        "",
        f"`make bench-experience`: {tp['events']:,} demo events, {tp['customers']:,} customers, {tp['scores']:,} "
        f"scores, {tp['touchpoints']} touchpoints; touchpoint's core in process (best of 5) against pandas "
        f"{pd.__version__} group-bys and pingouin's `linear_regression(relimp=True)` (best of 3, CSV read not timed).",
        "",
        "| analysis | touchpoint | pandas + pingouin | ratio |",
        "|---|---|---|---|",
    ]
    for name, t, p in rows:
        lines.append(f"| {name} | {t * 1e3:.0f} ms | {p:.2f} s | **{p / t:.0f}×** |")
    lines += ["", "Same figures: " + ", ".join(f"{k} {t:.10g}" for k, (_p, t) in checks.items())
              + (" (all equal)" if ok else " — **MISMATCH**: " + str(checks)), ""]
    text = "\n".join(lines)
    print(text)
    if a.out:
        old = a.out.read_text() if a.out.exists() else ""
        pat = re.compile(r"## Experience \(NPS.*?(?=\n## |\Z)", re.S)
        new = pat.sub(text.rstrip() + "\n", old) if pat.search(old) else old.rstrip() + "\n\n" + text
        a.out.write_text(new)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
