"""Draw the scaling curve written by the `scaling` bench (``make bench-scaling``).

    python benches/scaling_plot.py [--json benches/scaling.json] [--out benches/scaling.png]

Two log-log panels against the number of events: total time (journeys + order-1 graph +
Markov) and the peak RSS of the process. Each has the measured points, the least-squares fit
(its exponent in the legend) and a dashed line of slope 1 through the first point: linear
growth runs parallel to it.
"""

import argparse
import json
import math
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator  # noqa: E402

TITLE = "touchpoint: journeys + order-1 graph + Markov, 2 cores"
BUDGET_GB = 8.0


def events_label(n: float) -> str:
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            v = n / div
            return f"{v:.0f}{suffix}" if abs(v - round(v)) < 0.05 else f"{v:.1f}{suffix}"
    return f"{n:.0f}"


def value_label(v: float, unit: str) -> str:
    if v >= 100:
        return f"{v:.0f} {unit}"
    if v >= 10:
        return f"{v:.1f} {unit}"
    if v >= 1:
        return f"{v:.2f} {unit}"
    return f"{v:.3f} {unit}"


def panel(ax, events, values, fit, unit, ylabel, color, title):
    ax.set_xscale("log")
    ax.set_yscale("log")
    b = fit["exponent"]
    ax.plot(events, values, "o", color=color, markersize=8, zorder=3, label=f"measured ({unit})")
    # the least-squares line: ln y = a + b ln x
    lo, hi = events[0] / 1.6, events[-1] * 2.5
    xs = [lo, hi]
    ax.plot(xs, [math.exp(fit["intercept"]) * x**b for x in xs], "-", color=color, linewidth=1.5, alpha=0.7,
            label=rf"least-squares fit: $\propto$ events$^{{{b:.2f}}}$")
    ax.plot(xs, [values[0] * x / events[0] for x in xs], "--", color="0.45", linewidth=1.2,
            label="slope 1 (linear) through the first point")
    for x, y in zip(events, values):
        # below-right of the point, under the rising lines; above-left when the point is well
        # above the fit line (the label would sit on the line)
        above = x > events[0] and y > 1.1 * math.exp(fit["intercept"]) * x**b
        ax.annotate(value_label(y, unit), (x, y), textcoords="offset points", xytext=(-7, 7) if above else (7, -7),
                    ha="right" if above else "left", va="bottom" if above else "top", fontsize=9, color=color)
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_locator(FixedLocator(events))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: events_label(x)))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    # plain numbers on the value axis (0.1, 0.3, 1, 3, ...) rather than powers of ten
    ax.yaxis.set_major_locator(FixedLocator([m * 10.0**e for e in range(-3, 4) for m in (1, 3)]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _p: f"{y:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("events generated in memory (log scale)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.12)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=pathlib.Path, default=pathlib.Path("benches/scaling.json"))
    ap.add_argument("--out", type=pathlib.Path, default=pathlib.Path("benches/scaling.png"))
    a = ap.parse_args()
    data = json.loads(a.json.read_text())
    runs = sorted(data["runs"], key=lambda r: r["events"])
    fits = data["fits"]
    events = [r["events"] for r in runs]
    total = [r["total_s"] for r in runs]
    peak = [r["peak_rss_bytes"] / 1e9 for r in runs]
    # the fit is of bytes; the panel shows GB (same exponent, intercept shifted)
    peak_fit = dict(fits["peak_rss_bytes"], intercept=fits["peak_rss_bytes"]["intercept"] - math.log(1e9))

    fig, (ax_t, ax_m) = plt.subplots(1, 2, figsize=(12, 5.2), constrained_layout=True)
    panel(ax_t, events, total, fits["total_s"], "s", "total time (seconds, log scale)", "tab:blue",
          "Wall time (input generation not counted)")
    panel(ax_m, events, peak, peak_fit, "GB", "peak RSS of the process (GB, log scale)", "tab:red",
          "Peak memory (VmHWM, generated input included)")
    ax_m.axhline(BUDGET_GB, color="tab:orange", linestyle=":", linewidth=1.5,
                 label=f"{BUDGET_GB:.0f} GB budget at 100M events")
    for ax in (ax_t, ax_m):
        ax.legend(loc="lower right", fontsize=9, framealpha=0.9)
    fig.suptitle(TITLE, fontsize=13)
    fig.savefig(a.out, dpi=120)
    print(f"wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
