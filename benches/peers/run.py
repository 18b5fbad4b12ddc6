#!/usr/bin/env python3
"""Side-by-side benchmark of touchpoint (through its Python package) against three peer Python
libraries, on the same seeded files (run by `make bench-peers` / `make bench-peers-quick`):

- channelattribution: Markov orders 1-4 and first/last/linear on path tables
  (``path,total_conversions,total_conversion_value,total_null`` CSV);
- marketing-attribution-models (mam): first, last, linear, position, time decay, Markov and
  Shapley from one events file (about 100k journeys);
- pm4py: the directly-follows graph with counts and mean dwell from event logs;
- ClickHouse (in process, the chdb package) and DuckDB: an ordered 3-step funnel with a 7-day
  window (ClickHouse ``windowFunnel``, DuckDB SQL) and daily calendar retention cohorts (ClickHouse
  ``retention``, DuckDB SQL) on a 10M-event log (``--only journeymap`` runs this part alone and
  puts its section into the existing report).

Every measurement is one child process (``workers.py``) that reads the file and computes the
result; the driver alternates touchpoint and the peer (ABBA order), takes the median of the
runs, reads the child's peak RSS (GNU time) and compares the results: the largest
absolute difference in share per touchpoint against touchpoint's exact result, and for the
simulating peer (channelattribution's Markov model) also its own spread across two row orders
of the same file. Writes a Markdown report (``--out``) and the raw numbers as JSON beside the
data.

Usage:
    python benches/peers/run.py [--quick] [--runs N] [--out benches/RESULTS.md]
                                [--data-dir DIR] [--only ca,mam,pm4py,journeymap]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

import datagen  # noqa: E402

PEERS = {
    "channelattribution": {"module": "ChannelAttribution", "dist": "channelattribution", "group": "ca"},
    "marketing-attribution-models": {"module": "mam", "dist": "marketing_attribution_models", "group": "mam"},
    "pm4py": {"module": "pm4py", "dist": "pm4py", "group": "pm4py"},
    "chdb": {"module": "chdb", "dist": "chdb", "group": "journeymap"},
    "duckdb": {"module": "duckdb", "dist": "duckdb", "group": "journeymap"},
}
GROUPS = ["ca", "mam", "pm4py", "journeymap"]
OTHER_DISTS = ["touchpoint", "pandas", "polars", "pyarrow", "numpy"]
CHILD_TIMEOUT_S = 1200
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


# --------------------------------------------------------------------------- measuring


@dataclass
class Run:
    """One child process."""

    task: str
    wall: float  # process wall time (interpreter start, imports, work, exit)
    seconds: Optional[float]  # file -> result, measured inside the child
    laps: Dict[str, float]
    rss_mb: float  # peak RSS of the child
    rss_after_import_mb: Optional[float]
    result: Dict[str, Any]
    error: Optional[str] = None
    load1: Optional[float] = None  # 1-minute load average just before the child started


@dataclass
class Spec:
    """What to run in a child: a worker task on a file."""

    task: str
    file: str
    args: List[str] = field(default_factory=list)

    def argv(self, python: str, result: str) -> List[str]:
        return [python, str(HERE / "workers.py"), self.task, "--file", self.file, *self.args, "--result", result]

    def shown(self) -> str:
        return f"workers.py {self.task} --file {Path(self.file).name} {' '.join(self.args)}".strip()


class Bench:
    def __init__(self, python: str, data_dir: Path, log_path: Path) -> None:
        self.python = python
        self.data_dir = data_dir
        self.log_path = log_path

    def measure(self, spec: Spec) -> Run:
        fd, result_path = tempfile.mkstemp(prefix="peer-", suffix=".json", dir=self.data_dir)
        os.close(fd)
        argv = spec.argv(self.python, result_path)
        rss_path = result_path + ".rss"
        if GNU_TIME:
            # Linux carries the pre-exec high-water mark of the forking process into the child's
            # ru_maxrss, so a child forked from this (large) driver would report at least the
            # driver's RSS; GNU time forks from a ~2 MB process and reports the child's own peak.
            argv = [GNU_TIME, "-f", "%M", "-o", rss_path, *argv]
        try:
            load1: Optional[float] = float(Path("/proc/loadavg").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            load1 = None
        with open(self.log_path, "ab") as log:
            log.write(f"\n$ {shlex.join(argv)}\n".encode())
            log.flush()
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=str(HERE), start_new_session=True)
            # on timeout, end the child's own process group (GNU time and the worker under it)
            timer = threading.Timer(CHILD_TIMEOUT_S, lambda: os.killpg(p.pid, signal.SIGKILL))
            timer.start()
            _, status, ru = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            timer.cancel()
            p.returncode = os.waitstatus_to_exitcode(status)
        rss_mb = ru.ru_maxrss / 1024.0  # Linux: kilobytes
        if GNU_TIME:
            try:
                rss_mb = int(Path(rss_path).read_text().split()[-1]) / 1024.0
            except (OSError, ValueError, IndexError):
                pass
            finally:
                if os.path.exists(rss_path):
                    os.unlink(rss_path)
        try:
            with open(result_path) as f:
                out = json.load(f) if p.returncode == 0 else {}
        except (OSError, ValueError):
            out = {}
        finally:
            os.unlink(result_path)
        error = None
        if p.returncode != 0 or not out:
            error = f"exit code {p.returncode}: " + _log_tail(self.log_path)
        if out.get("peak_rss_kb"):
            # the worker reset its high-water mark between laps (to measure each lap's own peak),
            # so GNU time saw only the last lap's; the worker kept the peak over all of them
            rss_mb = max(rss_mb, out["peak_rss_kb"] / 1024.0)
        base = out.get("rss_after_import_kb")
        return Run(spec.task, wall, out.get("seconds"), out.get("laps", {}), rss_mb,
                   None if base is None else base / 1024.0, out, error, load1)

    def pair(self, tp: Spec, peer: Spec, runs: int, label: str) -> Tuple[List[Run], List[Run]]:
        """Alternate touchpoint and the peer (ABBA), `runs` of each."""
        tps: List[Run] = []
        peers: List[Run] = []
        for i in range(runs):
            order = [(tp, tps), (peer, peers)] if i % 2 == 0 else [(peer, peers), (tp, tps)]
            for spec, sink in order:
                r = self.measure(spec)
                sink.append(r)
                status = f"{r.seconds:.3f} s, {r.rss_mb:.0f} MB" if r.error is None else f"FAILED ({r.error[:200]})"
                print(f"    [{label}] run {i + 1}/{runs} {spec.task}: {status}", flush=True)
                if r.error is not None:
                    return tps, peers
        return tps, peers


    def rotate(self, specs: Sequence[Spec], runs: int, label: str) -> List[List[Run]]:
        """`runs` of each spec, the order alternating forwards and backwards (ABC CBA ABC ...: ABBA
        for more than two); a spec that fails is not run again."""
        out: List[List[Run]] = [[] for _ in specs]
        failed = [False] * len(specs)
        for i in range(runs):
            idx = list(range(len(specs)))
            if i % 2:
                idx.reverse()
            for j in idx:
                if failed[j]:
                    continue
                r = self.measure(specs[j])
                out[j].append(r)
                status = f"{r.seconds:.3f} s, {r.rss_mb:.0f} MB" if r.error is None else f"FAILED ({r.error[:300]})"
                extra = ""
                if r.error is None and r.laps:
                    extra = " (" + ", ".join(f"{k} {v:.3f}" for k, v in r.laps.items()) + ")"
                print(f"    [{label}] run {i + 1}/{runs} {specs[j].task}: {status}{extra}", flush=True)
                failed[j] = r.error is not None
        return out


def _log_tail(path: Path, n: int = 15) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return " | ".join(l.strip() for l in lines[-n:] if l.strip())


def summarize(runs: List[Run]) -> Dict[str, Any]:
    ok = [r for r in runs if r.error is None and r.seconds is not None]
    if not ok:
        return {"ok": False, "error": runs[-1].error if runs else "not run", "runs": len(runs)}
    laps: Dict[str, float] = {}
    for k in ok[0].laps:
        laps[k] = statistics.median(r.laps.get(k, 0.0) for r in ok)
    return {
        "ok": True,
        "runs": len(ok),
        "seconds": statistics.median(r.seconds or 0.0 for r in ok),
        "seconds_all": [round(r.seconds or 0.0, 4) for r in ok],
        "wall": statistics.median(r.wall for r in ok),
        "rss_mb": statistics.median(r.rss_mb for r in ok),
        "rss_after_import_mb": statistics.median(r.rss_after_import_mb or 0.0 for r in ok),
        "laps": laps,
        "load1": [r.load1 for r in ok if r.load1 is not None],
    }


# --------------------------------------------------------------------------- agreement


def shares(credits: Dict[str, float]) -> Dict[str, float]:
    total = sum(credits.values())
    return {k: (v / total if total else 0.0) for k, v in credits.items()}


def max_share_diff(a: Dict[str, float], b: Dict[str, float]) -> Tuple[float, str]:
    """Largest |share_a - share_b| over the touchpoints of either (a missing one has share 0)."""
    sa, sb = shares(a), shares(b)
    worst, at = 0.0, ""
    for k in sorted(set(sa) | set(sb)):
        d = abs(sa.get(k, 0.0) - sb.get(k, 0.0))
        if d > worst:
            worst, at = d, k
    return worst, at


def dfg_agreement(tp_edges: Dict[str, List[Any]], pm_edges: Dict[str, List[Any]]) -> Dict[str, Any]:
    keys = set(tp_edges) | set(pm_edges)
    only_tp = sorted(set(tp_edges) - set(pm_edges))
    only_pm = sorted(set(pm_edges) - set(tp_edges))
    count_mismatch = 0
    max_count_diff = 0.0
    max_dwell_ms = 0.0
    max_dwell_rel = 0.0
    for k in keys & set(tp_edges) & set(pm_edges):
        (c1, d1), (c2, d2) = tp_edges[k], pm_edges[k]
        if c1 != c2:
            count_mismatch += 1
            max_count_diff = max(max_count_diff, abs(c1 - c2))
        if d1 is not None and d2 is not None:
            diff = abs(d1 - d2) * 1000.0
            max_dwell_ms = max(max_dwell_ms, diff)
            if d2:
                max_dwell_rel = max(max_dwell_rel, diff / 1000.0 / abs(d2))
    return {
        "edges_touchpoint": len(tp_edges), "edges_peer": len(pm_edges), "only_touchpoint": only_tp[:5],
        "only_peer": only_pm[:5], "n_only_touchpoint": len(only_tp), "n_only_peer": len(only_pm),
        "count_mismatches": count_mismatch, "max_count_diff": max_count_diff,
        "transitions_touchpoint": sum(v[0] for v in tp_edges.values()),
        "transitions_peer": sum(v[0] for v in pm_edges.values()),
        "max_dwell_diff_ms": max_dwell_ms, "max_dwell_rel_diff": max_dwell_rel,
    }


# --------------------------------------------------------------------------- environment


def machine() -> Dict[str, Any]:
    info: Dict[str, Any] = {"nproc": len(os.sched_getaffinity(0)), "cpu_count": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        info["cpu"] = platform.processor() or "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gib"] = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    info["kernel"] = platform.release()
    info["python"] = sys.version.split()[0]
    info["membw_gbs"] = memory_bandwidth()
    return info


def memory_bandwidth() -> Optional[float]:
    """Copy bandwidth of this machine (GB/s of bytes copied, best of 5 single-thread copies of
    a 256 MB buffer): the physical limit a reader that touches every byte once cannot beat."""
    try:
        import numpy as np
    except ImportError:
        return None
    src = np.ones(256 << 20, dtype=np.uint8)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # fault the pages in
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return src.nbytes / best / 1e9


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def versions(python: str) -> Dict[str, Any]:
    code = (
        "import importlib.metadata as m, json\n"
        "out = {}\n"
        f"for d in {json.dumps([p['dist'] for p in PEERS.values()] + OTHER_DISTS)}:\n"
        "    try:\n"
        "        out[d] = m.version(d)\n"
        "    except m.PackageNotFoundError:\n"
        "        out[d] = None\n"
        "try:\n"
        "    import chdb\n"
        "    out['chdb_engine'] = getattr(chdb, 'engine_version', None) or chdb.query('SELECT version()', 'CSV').bytes().decode().strip().strip('\"')\n"
        "except Exception:\n"
        "    out['chdb_engine'] = None\n"
        "try:\n"
        "    direct = m.distribution('touchpoint').read_text('direct_url.json') or '{}'\n"
        "    out['touchpoint_source'] = json.loads(direct).get('url')\n"
        "except Exception:\n"
        "    out['touchpoint_source'] = None\n"
        "print(json.dumps(out))\n"
    )
    res = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True)
    out = json.loads(res.stdout)
    url = out.get("touchpoint_source") or ""
    if url.startswith("file://"):
        import hashlib
        from urllib.parse import unquote, urlparse

        wheel = Path(unquote(urlparse(url).path))
        if wheel.exists():
            out["touchpoint_wheel_built"] = dt.datetime.fromtimestamp(wheel.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
            out["touchpoint_wheel_sha256"] = hashlib.sha256(wheel.read_bytes()).hexdigest()[:12]
    return out


def check_peer(python: str, name: str) -> Optional[str]:
    """None when the peer imports; otherwise why not (import error and pip's log)."""
    mod = PEERS[name]["module"]
    res = subprocess.run([python, "-c", f"import {mod}"], capture_output=True, text=True)
    if res.returncode == 0:
        return None
    why = (res.stderr.strip().splitlines() or ["import failed"])[-1]
    log = Path(python).resolve().parent.parent / "install-logs" / f"{name}.log"
    if not log.exists():
        log = Path(python).parent.parent / "install-logs" / f"{name}.log"
    if log.exists():
        tail = [l for l in log.read_text(errors="replace").splitlines() if l.strip()][-8:]
        why += " ; pip: " + " | ".join(t.strip() for t in tail)
    return why


def git_head() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return sha + (" (working tree has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


# --------------------------------------------------------------------------- the benchmark


def _ratio(peer: Dict[str, Any], tp: Dict[str, Any], key: str) -> Optional[float]:
    if not (peer.get("ok") and tp.get("ok")) or not tp.get(key):
        return None
    return peer[key] / tp[key]


def run_ca(b: Bench, sizes: Sequence[int], runs: int, ncore: int, converged: bool) -> Dict[str, Any]:
    out: Dict[str, Any] = {"datasets": {}, "rows": [], "reference": []}
    big = max(sizes)
    files = {}
    for n in sizes:
        files[n] = datagen.path_table(n, str(b.data_dir))
        out["datasets"][n] = _path_info(files[n][0])
    plan: List[Tuple[str, int, int]] = [("markov", n, 1) for n in sizes]
    plan += [("markov", big, k) for k in (2, 3, 4)]
    plan += [("heuristics", n, 0) for n in sizes]
    for kind, n, order in plan:
        f, f_shuf = files[n]
        label = f"ca {kind}{' order ' + str(order) if order else ''} {n:,} paths"
        print(f"  {label}", flush=True)
        if kind == "markov":
            tp_spec = Spec("tp_paths_markov", f, ["--order", str(order)])
            peer_spec = Spec("ca_markov", f, ["--order", str(order), "--ncore", str(ncore)])
        else:
            tp_spec = Spec("tp_paths_heuristics", f)
            peer_spec = Spec("ca_heuristics", f)
        tps, peers = b.pair(tp_spec, peer_spec, runs, label)
        row: Dict[str, Any] = {"kind": kind, "n": n, "order": order, "tp": summarize(tps), "peer": summarize(peers),
                               "tp_cmd": tp_spec.shown(), "peer_cmd": peer_spec.shown(), "agreement": {},
                               "peer_info": peers[0].result.get("info") if peers and peers[0].error is None else None}
        if row["tp"]["ok"] and row["peer"]["ok"]:
            tpc, pc = tps[0].result["credits"], peers[0].result["credits"]
            for model in tpc:
                row["agreement"][model] = max_share_diff(tpc[model], pc.get(model, {}))
            if kind == "markov":
                # the simulating peer's own spread: the same rows in another order
                r2 = b.measure(Spec("ca_markov", f_shuf, ["--order", str(order), "--ncore", str(ncore)]))
                if r2.error is None:
                    row["peer_row_order_spread"] = max_share_diff(pc["markov"], r2.result["credits"]["markov"])
                    row["peer_shuffled_vs_tp"] = max_share_diff(tpc["markov"], r2.result["credits"]["markov"])
                if n == big:
                    t2 = b.measure(Spec("tp_paths_markov", f_shuf, ["--order", str(order)]))
                    if t2.error is None:
                        row["tp_row_order_spread"] = max_share_diff(tpc["markov"], t2.result["credits"]["markov"])
                if converged and n == big:
                    # does the gap close with more simulations, and without the step cap?
                    variants = [("nsim_start=1e6", ["--nsim", "1e6"]),
                                ("nsim_start=1e6, max_step=1000", ["--nsim", "1e6", "--max-step", "1000"])]
                    if order == 1:
                        variants.append(("nsim_start=1e7, max_step=1000", ["--nsim", "1e7", "--max-step", "1000"]))
                    row["peer_variants"] = []
                    for vlabel, vargs in variants:
                        r3 = b.measure(Spec("ca_markov", f, ["--order", str(order), "--ncore", str(ncore), *vargs]))
                        if r3.error is None:
                            row["peer_variants"].append({
                                "label": vlabel, "seconds": r3.seconds,
                                "vs_tp": max_share_diff(tpc["markov"], r3.result["credits"]["markov"])})
                        print(f"    [{label}] check {vlabel}: "
                              f"{'FAILED' if r3.error else _pp(row['peer_variants'][-1]['vs_tp'])}", flush=True)
        out["rows"].append(row)
    return out


def _path_info(path: str) -> Dict[str, Any]:
    import pandas as pd

    df = pd.read_csv(path)
    lens = df["path"].str.count(">") + 1
    return {"file": Path(path).name, "bytes": os.path.getsize(path), "paths": len(df),
            "journeys": int(df["total_conversions"].sum() + df["total_null"].sum()),
            "conversions": int(df["total_conversions"].sum()), "mean_touches": float(lens.mean()),
            "max_touches": int(lens.max())}


def _event_info(path: str) -> Dict[str, Any]:
    import pyarrow.parquet as pq

    t = pq.read_table(path, columns=["customer_id", "case_id", "converted"])
    return {"file": Path(path).name, "bytes": os.path.getsize(path), "events": t.num_rows,
            "customers": len(t.column("customer_id").unique()), "journeys": len(t.column("case_id").unique()),
            "conversions": int(t.column("converted").to_numpy(zero_copy_only=False).sum())}


def run_mam(b: Bench, n_events: int, runs: int) -> Dict[str, Any]:
    f = datagen.event_log(n_events, str(b.data_dir))
    info = _event_info(f)
    label = f"mam {info['journeys']:,} journeys"
    print(f"  {label}", flush=True)
    tp_spec, peer_spec = Spec("tp_journey_models", f), Spec("mam_models", f)
    tps, peers = b.pair(tp_spec, peer_spec, runs, label)
    out: Dict[str, Any] = {"dataset": info, "tp": summarize(tps), "peer": summarize(peers),
                           "tp_cmd": tp_spec.shown(), "peer_cmd": peer_spec.shown(), "agreement": {}}
    if out["tp"]["ok"] and out["peer"]["ok"]:
        ref = b.measure(Spec("tp_journey_models", f, ["--reference"]))
        tpc, pc = tps[0].result["credits"], peers[0].result["credits"]
        for model in tpc:
            out["agreement"][model] = max_share_diff(tpc[model], pc.get(model, {}))
        if ref.error is None:
            extra = ref.result.get("extra_credits", {})
            out["agreement"]["markov (touchpoint allocation=per_journey)"] = max_share_diff(
                extra["markov_per_journey"], pc["markov"])
            out["compare_all_s"] = extra.get("compare_all_s")
    return out


def run_pm4py(b: Bench, sizes: Sequence[int], runs: int) -> Dict[str, Any]:
    out: Dict[str, Any] = {"rows": []}
    for n in sizes:
        f = datagen.event_log(n, str(b.data_dir))
        info = _event_info(f)
        label = f"pm4py DFG {info['events']:,} events"
        print(f"  {label}", flush=True)
        tp_spec, peer_spec = Spec("tp_dfg", f), Spec("pm4py_dfg", f)
        tps, peers = b.pair(tp_spec, peer_spec, runs, label)
        row: Dict[str, Any] = {"dataset": info, "tp": summarize(tps), "peer": summarize(peers),
                               "tp_cmd": tp_spec.shown(), "peer_cmd": peer_spec.shown()}
        if row["tp"]["ok"] and row["peer"]["ok"]:
            row["agreement"] = dfg_agreement(tps[0].result["edges"], peers[0].result["edges"])
        out["rows"].append(row)
    return out



# --------------------------------------------------------------------------- funnels and retention

JM_PEERS = {"chdb": "ClickHouse (chdb)", "duckdb": "DuckDB"}
# alternative formulations, one run each: (task, variant or None, extra args, label)
JM_VARIANTS = [
    ("chdb_funnel", "lc", [], "windowFunnel without the WHERE prefilter (LowCardinality)"),
    ("chdb_funnel", "string_prefilter", [], "windowFunnel, touchpoint as String, prefilter"),
    ("chdb_funnel", "string", [], "windowFunnel, touchpoint as String, no prefilter"),
    ("chdb_funnel", None, ["--dictionary"], "windowFunnel, Parquet read dictionary-encoded"),
    ("duckdb_funnel", "window", [], "window functions instead of ASOF joins"),
    ("duckdb_funnel", "asof_view", [], "ASOF joins on the Arrow table in place (no DuckDB table)"),
    ("duckdb_funnel", None, ["--dictionary"], "ASOF joins, Parquet read dictionary-encoded"),
    ("tp_funnel", None, ["--dictionary"], "touchpoint, Parquet read dictionary-encoded"),
    ("chdb_retention", "join", [], "retention(), join on the raw events"),
    ("chdb_retention", "window", [], "retention(), first day by a window function"),
    ("duckdb_retention", "window", [], "first day by a window function"),
    ("duckdb_retention", "distinct_join_view", [], "on the Arrow table in place (no DuckDB table)"),
    ("tp_retention", None, ["--dictionary"], "touchpoint, Parquet read dictionary-encoded"),
    ("tp_retention", None, ["--alignment", "rolling"], "touchpoint, rolling alignment (its default; not compared)"),
]


def _first_funnel_diff(a: List[int], b: List[int]) -> Optional[str]:
    for j in range(max(len(a), len(b))):
        x = a[j] if j < len(a) else None
        y = b[j] if j < len(b) else None
        if x != y:
            return f"step {j + 1}: touchpoint {x}, peer {y}"
    return None


def _cell_key(k: str) -> Tuple[int, int]:
    d, p = k.split(",")
    return int(d), int(p)


def _first_cell_diff(a: Dict[str, int], b: Dict[str, int]) -> Tuple[int, Optional[str]]:
    keys = sorted(set(a) | set(b), key=_cell_key)
    diffs = [k for k in keys if a.get(k, 0) != b.get(k, 0)]
    if not diffs:
        return 0, None
    k = diffs[0]
    d, p = _cell_key(k)
    day = (dt.datetime(1970, 1, 1) + dt.timedelta(days=d)).strftime("%Y-%m-%d")
    return len(diffs), f"cohort {day}, period {p}: touchpoint {a.get(k, 0)}, peer {b.get(k, 0)}"


def _loud(msg: str) -> None:
    bar = "!" * 78
    print(f"\n{bar}\n!!! COUNTS DIFFER: {msg}\n{bar}\n", flush=True)


def _stream_info(path: str) -> Dict[str, Any]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t = pq.read_table(path)
    ts = t.column("timestamp")
    return {"file": Path(path).name, "bytes": os.path.getsize(path), "events": t.num_rows,
            "customers": len(pc.unique(t.column("customer_id"))),
            "touchpoints": len(pc.unique(t.column("touchpoint"))),
            "days": (pc.max(ts).as_py() // 86_400_000) - (pc.min(ts).as_py() // 86_400_000) + 1}


def run_journeymap(b: Bench, n_events: int, runs: int, peers: Sequence[str]) -> Dict[str, Any]:
    f = datagen.event_stream(n_events, str(b.data_dir))
    info = _stream_info(f)
    out: Dict[str, Any] = {"dataset": info, "peers": list(peers), "rows": [], "variants": [],
                           "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"), "load_start": loadavg()}
    t_start = time.perf_counter()
    print(f"  journeymap: {info['events']:,} events, {info['customers']:,} customers", flush=True)
    # not a timing: every formulation against a brute force on edge cases and a sample of the file
    chk = b.measure(Spec("jm_selfcheck", f))
    out["selfcheck"] = chk.result.get("checks") if chk.error is None else {"error": chk.error}
    for name, c in (out["selfcheck"] or {}).items():
        if isinstance(c, dict) and "ok" in c:
            print(f"    [journeymap] brute-force check, {name}: {'ok' if c['ok'] else 'MISMATCH'}", flush=True)
            if not c["ok"]:
                _loud(f"brute-force check on {name}: {json.dumps(c['results'])[:1500]}")
    out["selfcheck_sample"] = {k: chk.result.get(k) for k in ("sample_events", "sample_customers")}
    tp_results: Dict[str, Any] = {}
    for kind in ("funnel", "retention"):
        specs = [Spec(f"tp_{kind}", f)] + [Spec(f"{p}_{kind}", f) for p in peers]
        label = f"{kind} {info['events']:,} events"
        print(f"  {label}", flush=True)
        got = b.rotate(specs, runs, label)
        tp_runs = got[0]
        tp_sum = summarize(tp_runs)
        tp_ok = tp_runs and tp_runs[0].error is None
        tp_results[kind] = tp_runs[0].result if tp_ok else None
        for p, pr in zip(peers, got[1:]):
            row: Dict[str, Any] = {"kind": kind, "peer": p, "tp": tp_sum, "peer_s": summarize(pr),
                                   "tp_cmd": specs[0].shown(), "peer_cmd": f"workers.py {p}_{kind}",
                                   "identical": None}
            row["tp_rss_laps"] = _median_rss_laps(tp_runs)
            row["peer_rss_laps"] = _median_rss_laps(pr)
            row["tp_rss_start"] = _median_rss_laps(tp_runs, "rss_lap_start_kb")
            row["peer_rss_start"] = _median_rss_laps(pr, "rss_lap_start_kb")
            if tp_ok and pr and pr[0].error is None:
                tr, prr = tp_runs[0].result, pr[0].result
                row["peer_info"] = prr.get("info")
                if kind == "funnel":
                    row["tp_counts"], row["peer_counts"] = tr["counts"], prr["counts"]
                    diff = _first_funnel_diff(tr["counts"], prr["counts"])
                    row["identical"], row["first_diff"] = diff is None, diff
                    # every run of each side gives the same counts
                    row["stable"] = all(r.result.get("counts") == tr["counts"] for r in tp_runs if r.error is None) \
                        and all(r.result.get("counts") == prr["counts"] for r in pr if r.error is None)
                else:
                    n, diff = _first_cell_diff(tr["cells"], prr["cells"])
                    row["identical"], row["first_diff"], row["cells_differing"] = n == 0, diff, n
                    row["cells_tp"], row["cells_peer"] = len(tr["cells"]), len(prr["cells"])
                    row["retained_total_tp"] = sum(tr["cells"].values())
                    row["retained_total_peer"] = sum(prr["cells"].values())
                    row["stable"] = all(r.result.get("cells") == tr["cells"] for r in tp_runs if r.error is None) \
                        and all(r.result.get("cells") == prr["cells"] for r in pr if r.error is None)
                if not row["identical"]:
                    _loud(f"{kind}, touchpoint vs {p}: first difference {row['first_diff']}")
                else:
                    print(f"    [{label}] touchpoint and {p}: counts identical", flush=True)
            out["rows"].append(row)
        if tp_ok and kind == "funnel":
            out["funnel_counts"] = tp_runs[0].result["counts"]
        if tp_ok and kind == "retention":
            out["retention_info"] = tp_runs[0].result.get("info")
    for task, variant, extra, vlabel in JM_VARIANTS:
        lib = task.split("_")[0]
        if lib != "tp" and lib not in peers:
            continue
        args = (["--variant", variant] if variant else []) + list(extra)
        r = b.measure(Spec(task, f, args))
        v: Dict[str, Any] = {"task": task, "variant": variant, "args": args, "label": vlabel, "ok": r.error is None,
                             "laps": r.laps, "rss_mb": r.rss_mb}
        kind = task.split("_", 1)[1]
        ref = tp_results.get(kind)
        if r.error is None and ref is not None and "--alignment" not in args:
            if kind == "funnel":
                v["identical"] = r.result["counts"] == ref["counts"]
            else:
                v["identical"] = r.result["cells"] == ref["cells"]
            if not v["identical"]:
                _loud(f"variant {task} {' '.join(args)} differs from touchpoint")
        out["variants"].append(v)
        status = "FAILED" if r.error else f"query {r.laps.get('query', 0):.3f} s, ingest {r.laps.get('ingest', 0):.3f} s"
        print(f"    [journeymap] variant {task} {' '.join(args)}: {status}", flush=True)
    out["elapsed_s"] = time.perf_counter() - t_start
    out["load_end"] = loadavg()
    return out


def _median_rss_laps(runs: List[Run], key: str = "rss_laps_kb") -> Dict[str, float]:
    ok = [r for r in runs if r.error is None and r.result.get(key)]
    if not ok:
        return {}
    return {k: statistics.median(r.result[key][k] for r in ok) / 1024.0 for k in ok[0].result[key]}


# --------------------------------------------------------------------------- report


def _s(x: Optional[float]) -> str:
    if x is None:
        return "–"
    if x >= 100:
        return f"{x:.0f} s"
    if x >= 10:
        return f"{x:.1f} s"
    if x >= 0.9995:
        return f"{x:.2f} s"
    return f"{x * 1000:.0f} ms" if x >= 0.01 else f"{x * 1000:.1f} ms"


def _mb(x: Optional[float]) -> str:
    return "–" if x is None else f"{x:,.0f} MB"


def _x(r: Optional[float]) -> str:
    if r is None:
        return "–"
    return f"{r:.1f}×" if r >= 1 else f"**{r:.2f}× (touchpoint slower)**"


def _xm(r: Optional[float]) -> str:
    if r is None:
        return "–"
    return f"{r:.1f}×" if r >= 1 else f"**{r:.2f}× (touchpoint larger)**"


def _pp(d: Optional[Tuple[float, str]]) -> str:
    if not d:
        return "–"
    v, at = d
    if v == 0:
        return "0 (exact)"
    if v < 1e-11:
        return f"{v * 100:.0e} pp (float rounding)"
    if v < 1e-4:
        return f"{v * 100:.1e} pp ({at})"
    return f"{v * 100:.3f} pp ({at})" if v < 0.01 else f"{v * 100:.2f} pp ({at})"


def _laps(s: Dict[str, Any]) -> str:
    if not s.get("ok"):
        return "–"
    return ", ".join(f"{k} {_s(v)}" for k, v in s["laps"].items())


def report(res: Dict[str, Any]) -> str:
    m, v = res["machine"], res["versions"]
    L: List[str] = []
    a = L.append
    a("# touchpoint against peer Python libraries")
    a("")
    a(f"Generated by `benches/peers/run.py` ({'quick' if res['quick'] else 'full'} mode) on {res['date']}; "
      f"the whole run took {res['elapsed_s'] / 60:.1f} min. Regenerate with `make bench-peers` (full) or "
      f"`make bench-peers-quick`."
      + (f" (This text was rendered again from that run's raw JSON on {res['rendered_again']} with "
         "`--report-only`; the numbers are the run's.)" if res.get("rendered_again") else ""))
    a("")
    summary = summary_lines(res)
    if summary:
        a("## Summary")
        a("")
        for line in summary:
            a(f"- {line}")
        a("")
    a("## Machine and versions")
    a("")
    a("| | |")
    a("|---|---|")
    a(f"| CPU | {m.get('cpu', '?')}, {m['nproc']} cores usable (`nproc`) |")
    a(f"| RAM | {m.get('ram_gib', 0):.1f} GiB |")
    a(f"| OS | Linux {m['kernel']}, Python {m['python']} |")
    if m.get("membw_gbs"):
        a(f"| memory copy bandwidth | {m['membw_gbs']:.1f} GB/s (one thread copying 256 MB, best of 5) |")
    a(f"| load average (1/5/15 min) | {res['load_start']} at the start, {res['load_end']} at the end |")
    src = v.get("touchpoint_source") or "?"
    built = (f", built {v['touchpoint_wheel_built']}, sha256 {v['touchpoint_wheel_sha256']}…"
             if v.get("touchpoint_wheel_built") else "")
    a(f"| touchpoint | {v.get('touchpoint')} (release wheel `{Path(src).name if src != '?' else src}`{built}; "
      f"repository at {res['git']} when the benchmark ran) |")
    for name, p in PEERS.items():
        a(f"| {name} | {v.get(p['dist']) or 'not installed'} |")
    a(f"| pandas / polars / pyarrow / numpy | {v.get('pandas')} / {v.get('polars')} / {v.get('pyarrow')} / "
      f"{v.get('numpy')} |")
    a("")
    a("## How it was measured")
    a("")
    a(f"- Command: `{res['command']}` (the Makefile target creates the virtual environment "
      "`~/.cache/touchpoint/peer-venv`, installs the peers, pandas, polars, pyarrow and numpy, and "
      "installs touchpoint from its release wheel).")
    a(f"- Every measurement is a fresh child process (`benches/peers/workers.py TASK --file F`): it imports its "
      f"library and pandas (touchpoint also pyarrow; imports are not timed on either side), then reads **the same "
      f"file** and computes the result; the **time** is that file→result span measured inside the child: for the "
      f"path tables, touchpoint from `tp.read_paths` to the result as a pandas DataFrame (`to_pandas()`), "
      f"channelattribution from `pd.read_csv` to its result DataFrame; for the event logs, each library's own "
      f"result frames (touchpoint: `result.credits`, a dict). Touchpoint and the peer "
      f"alternate (ABBA order), "
      f"{res['runs']} runs each; tables show medians. The process wall time (interpreter start and imports "
      f"included) is in the raw JSON (`{res['json']}`).")
    a("- **Peak memory** is the child's maximum resident set size ("
      + ("GNU `/usr/bin/time -f %M`, which forks the child from a small process" if res.get("gnu_time") else
         "`os.wait4` rusage; without GNU time this can include the driver's own RSS")
      + "), so it includes the Python interpreter and the imported libraries; the RSS right after the imports is "
      "given for reference.")
    a("- **Ratio** = peer time / touchpoint time (above 1: touchpoint faster); memory ratio = peer peak / "
      "touchpoint peak.")
    a("- **Agreement**: credits are turned into shares of the total; the number is the largest absolute "
      "difference in share over the touchpoints, in percentage points (pp), with the touchpoint where it occurs.")
    a("- Datasets are seeded and deterministic (`benches/peers/datagen.py`): path tables from numpy's "
      "`default_rng`, event logs from touchpoint's own demo generator (`Events.demo(customers, seed=7)`). "
      "Threads: touchpoint uses all cores by default; channelattribution is given "
      f"`ncore={res['ca_ncore']}`; the other peers use what they use by default.")
    for name, why in res["skipped"].items():
        a(f"- **{name} was skipped**: {why}")
    a("")

    ca = res.get("ca")
    if ca:
        a("## channelattribution: Markov orders 1–4 and heuristics on path tables")
        a("")
        a("| file | paths | journeys | conversions | touches per path (mean / max) | size |")
        a("|---|---|---|---|---|---|")
        for n, d in sorted(ca["datasets"].items(), key=lambda kv: int(kv[0])):
            a(f"| `{d['file']}` | {d['paths']:,} | {d['journeys']:,} | {d['conversions']:,} | "
              f"{d['mean_touches']:.1f} / {d['max_touches']} | {d['bytes'] / 1e6:.0f} MB |")
        a("")
        a("touchpoint: `tp.read_paths(file)` then `tp.attribute(paths, model='markov', order=k)` (or "
          "`tp.compare(paths, models=['first','last','linear'])`); channelattribution: `pd.read_csv(file)` then "
          f"`markov_model(df, 'path', 'total_conversions', var_value='total_conversion_value', "
          f"var_null='total_null', order=k, ncore={res['ca_ncore']}, seed=0)` with its defaults otherwise "
          "(`nsim_start=1e5`, `conv_par=0.05`), or `heuristic_models(df, 'path', 'total_conversions', "
          "var_value='total_conversion_value')`.")
        a("")
        a("| model | paths | touchpoint | channelattribution | ratio | touchpoint peak | channelattribution peak "
          "| memory ratio | max Δshare vs touchpoint | channelattribution's own spread (2 row orders) "
          "| its walks ending before the step cap |")
        a("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in ca["rows"]:
            t, p = r["tp"], r["peer"]
            name = f"Markov order {r['order']}" if r["kind"] == "markov" else "first / last / linear"
            if r["kind"] == "markov":
                agree = _pp(r["agreement"].get("markov"))
            else:
                ag = r["agreement"]
                agree = " / ".join(_pp(ag.get(k)).split(" (")[0] for k in ("first", "last", "linear"))
            spread = _pp(r.get("peer_row_order_spread")) if r["kind"] == "markov" else "deterministic"
            if not (t.get("ok") and p.get("ok")):
                err = t.get("error") if not t.get("ok") else p.get("error")
                a(f"| {name} | {r['n']:,} | {_s(t.get('seconds'))} | FAILED: {str(err)[:300]} | | | | | | | |")
                continue
            pi = r.get("peer_info") or {}
            cap = (f"{pi['walks_ended_pct']:g}% (cap {pi['max_step']})" if pi.get("walks_ended_pct") is not None
                   else "–")
            a(f"| {name} | {r['n']:,} | {_s(t['seconds'])} | {_s(p['seconds'])} | {_x(_ratio(p, t, 'seconds'))} "
              f"| {_mb(t['rss_mb'])} | {_mb(p['rss_mb'])} | {_xm(_ratio(p, t, 'rss_mb'))} | {agree} | {spread} "
              f"| {cap} |")
        a("")
        a("Where the time goes (medians; `read` = reading the CSV, `model` = the attribution call):")
        a("")
        a("| model | paths | touchpoint | channelattribution |")
        a("|---|---|---|---|")
        for r in ca["rows"]:
            name = f"Markov order {r['order']}" if r["kind"] == "markov" else "first / last / linear"
            a(f"| {name} | {r['n']:,} | {_laps(r['tp'])} | {_laps(r['peer'])} |")
        a("")
        bw = m.get("membw_gbs")
        big = max(ca["datasets"], key=int) if ca.get("datasets") else None
        reads = [r["tp"]["laps"]["read"] for r in ca["rows"]
                 if big is not None and str(r["n"]) == str(big) and r["tp"].get("ok") and "read" in r["tp"]["laps"]]
        if bw and reads:
            size = ca["datasets"][big]["bytes"]
            limit = size / (bw * 1e9)
            rd = statistics.median(reads)
            a(f"Physical limit: the {size / 1e6:.0f} MB file copied once at the machine's measured copy bandwidth "
              f"({bw:.1f} GB/s, one thread) takes {_s(limit)}; touchpoint reads it into a path table in {_s(rd)} "
              f"({size / rd / 1e9:.2f} GB/s on {m['nproc']} cores, {rd / limit:.1f}× the copy), "
              f"channelattribution's `pd.read_csv` in "
              f"{_s(statistics.median([r['peer']['laps']['read'] for r in ca['rows'] if str(r['n']) == str(big) and r['peer'].get('ok')]))}.")
            a("")
        extra = [r for r in ca["rows"] if r.get("tp_row_order_spread") or r.get("peer_variants")]
        if extra:
            labels: List[str] = []
            for r in extra:
                for pv in r.get("peer_variants", []):
                    if pv["label"] not in labels:
                        labels.append(pv["label"])
            a(f"Checks on the {max(int(k) for k in ca['datasets']):,}-path file (one run each, not in the timings; "
              "max Δshare against touchpoint's exact result unless said otherwise):")
            a("")
            head = ["Markov order", "touchpoint: shuffled rows vs original rows", "channelattribution, shuffled rows"]
            head += [f"channelattribution, `{lb}`" for lb in labels]
            a("| " + " | ".join(head) + " |")
            a("|" + "---|" * len(head))
            for r in extra:
                pvs = {pv["label"]: pv for pv in r.get("peer_variants", [])}
                cells = [str(r["order"]), _pp(r.get("tp_row_order_spread")), _pp(r.get("peer_shuffled_vs_tp"))]
                cells += [f"{_pp(pvs[lb]['vs_tp'])} in {_s(pvs[lb]['seconds'])}" if lb in pvs else "–"
                          for lb in labels]
                a("| " + " | ".join(cells) + " |")
            a("")

    mam = res.get("mam")
    if mam:
        d = mam["dataset"]
        t, p = mam["tp"], mam["peer"]
        a("## marketing-attribution-models: seven models from one events file")
        a("")
        a(f"Events file `{d['file']}`: {d['events']:,} events, {d['customers']:,} customers, "
          f"{d['journeys']:,} journeys, {d['conversions']:,} conversions ({d['bytes'] / 1e6:.1f} MB Parquet). "
          "touchpoint: `pq.read_table(file)` → `tp.Journeys.from_events(events)` → `tp.attribute(journeys, "
          "model=m)` for each model; mam: `pl.read_parquet(file)` → `MAM(events, format_type='session', ..., "
          "create_journey_id_based_on_conversion=True)` (the same journey split: a new journey after each "
          "conversion) → `run_first_click()`, `run_last_click()`, `run_linear()`, `run_position_based()`, "
          "`run_time_decay(half_life_hours=168)`, `run_markov()`, `run_shapley()` (library defaults otherwise). "
          "Credits are conversions (no value column given to either).")
        a("")
        if t.get("ok") and p.get("ok"):
            a("| | touchpoint | mam | ratio |")
            a("|---|---|---|---|")
            a(f"| all seven models, file → results | {_s(t['seconds'])} | {_s(p['seconds'])} | "
              f"{_x(_ratio(p, t, 'seconds'))} |")
            shown = {"read": "read the Parquet file (pyarrow / polars)",
                     "journeys": "journeys (`Journeys.from_events` / `MAM(...)` preprocessing)"}
            for k in t["laps"]:
                tv, pv = t["laps"].get(k), p["laps"].get(k)
                r = (pv / tv) if (tv and pv) else None
                if k == "read" and r is not None and r < 1:
                    # not touchpoint's code: pyarrow reads the file in front of touchpoint
                    cell = f"{r:.2f}× (pyarrow slower than polars here)"
                else:
                    cell = _x(r)
                a(f"| {shown.get(k, k)} | {_s(tv)} | {_s(pv)} | {cell} |")
            a(f"| peak memory | {_mb(t['rss_mb'])} | {_mb(p['rss_mb'])} | {_xm(_ratio(p, t, 'rss_mb'))} |")
            a(f"| RSS after imports | {_mb(t['rss_after_import_mb'])} | {_mb(p['rss_after_import_mb'])} | |")
            if mam.get("compare_all_s"):
                a(f"| (touchpoint `tp.compare` of all seven in one call, after the journeys are built) | "
                  f"{_s(mam['compare_all_s'])} | | |")
            a("")
            a("| model | max Δshare vs touchpoint |")
            a("|---|---|")
            for k, dd in mam["agreement"].items():
                a(f"| {k} | {_pp(dd)} |")
            a("")
        else:
            a(f"FAILED: touchpoint {t.get('error') or 'ok'}; mam {p.get('error') or 'ok'}")
            a("")

    pm = res.get("pm4py")
    if pm:
        a("## pm4py: directly-follows graph with counts and mean dwell")
        a("")
        a("touchpoint: `pq.read_table(file)` → `tp.Journeys.from_events(events)` → `tp.JourneyGraph(journeys, "
          "order=1, self_loops=True).transitions()` (source, target, count, dwell_mean); pm4py: "
          "`pd.read_parquet(file)` → `pm4py.format_dataframe(df, case_id='case_id', activity_key='touchpoint', "
          "timestamp_key='timestamp')` → `pm4py.discover_dfg(log)` and `pm4py.discover_performance_dfg(log)` "
          "(mean). One pm4py case per touchpoint journey (`case_id` is written with the data: per customer, a "
          "new journey after each conversion). Only touchpoint→touchpoint edges are compared: touchpoint's "
          "`(start)`, `(conversion)` and `(null)` nodes have no pm4py counterpart.")
        a("")
        a("| events | journeys | touchpoint | pm4py | ratio | touchpoint peak | pm4py peak | memory ratio | "
          "edges (tp / pm4py) | count mismatches | max abs. Δ mean dwell |")
        a("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in pm["rows"]:
            d, t, p = r["dataset"], r["tp"], r["peer"]
            if not (t.get("ok") and p.get("ok")):
                err = t.get("error") if not t.get("ok") else p.get("error")
                a(f"| {d['events']:,} | {d['journeys']:,} | {_s(t.get('seconds'))} | FAILED: {str(err)[:300]} "
                  "| | | | | | | |")
                continue
            g = r["agreement"]
            a(f"| {d['events']:,} | {d['journeys']:,} | {_s(t['seconds'])} | {_s(p['seconds'])} | "
              f"{_x(_ratio(p, t, 'seconds'))} | {_mb(t['rss_mb'])} | {_mb(p['rss_mb'])} | "
              f"{_xm(_ratio(p, t, 'rss_mb'))} | {g['edges_touchpoint']} / {g['edges_peer']}"
              f"{' (differ!)' if g['n_only_touchpoint'] or g['n_only_peer'] else ''} | {g['count_mismatches']} | "
              f"{g['max_dwell_diff_ms']:.2g} ms |")
        a("")
        a("| events | touchpoint | pm4py |")
        a("|---|---|---|")
        for r in pm["rows"]:
            a(f"| {r['dataset']['events']:,} | {_laps(r['tp'])} | {_laps(r['peer'])} |")
        a("")

    if res.get("journeymap"):
        L.extend(journeymap_section(res["journeymap"], v, res["command"]))

    a("## Where touchpoint is slower or uses more memory")
    a("")
    found = slower_findings(res)
    if found:
        for f in found:
            a(f"- {f}")
    else:
        a("- Nowhere in this run: every headline time, peak memory and step of the breakdowns favours touchpoint.")
    a("")
    a("## Reading the numbers")
    a("")
    for note in res["notes"]:
        a(f"- {note}")
    a("")
    return "\n".join(L)



JM_TITLE = "## Funnels and retention: ClickHouse (chdb) and DuckDB"

JM_NOTES = [
    "**Funnel definition** (touchpoint `mode='ordered'`, unit customer): every step-1 event starts an attempt; "
    "each later step is matched at its earliest event after the previous step's, at most the window after the "
    "step-1 event (`t <= t1 + window`, inclusive); a customer's level is the deepest over all attempts; row k "
    "counts the customers with level >= k. ClickHouse's `windowFunnel(window)` in its default mode computes "
    "the same: it walks the customer's events in time order and, per level, keeps the latest step-1 start "
    "that reached it, matching when `timestamp <= first_timestamp + window` (inclusive; read in "
    "`AggregateFunctionWindowFunnel.cpp`); the latest start is the one with the most window left, so this is "
    "the deepest attempt. The DuckDB SQL builds the attempts explicitly: the ASOF LEFT JOIN finds, for each "
    "step-1 event, the customer's next step-2 event (`s1.t1 < s2.t`, the nearest), then the next step-3 event "
    "after that, each kept only inside the window; earliest matching is optimal for an ordered funnel, so the "
    "maximum over attempts is the deepest level.",
    "**Ties**: the three differ only for events of one customer at the same millisecond (ClickHouse then "
    "orders by condition number, touchpoint by its stable event order, the SQL's strict `<` never matches a "
    "step at the same time); the data has no such ties, by construction.",
    "**Retention definition** compared: calendar alignment (`alignment='calendar'`): start = the customer's "
    "first event, cohort = its UTC day, period k = day(t) - day(start), 'on' mode: retained in cell (cohort, k) "
    "= customers of the cohort with an event on day start + k (k = 0: the whole cohort). The peers compute "
    "exactly that: ClickHouse `retention(d = 0, d = 1, ...)` per customer with d = day - first day (the first "
    "day from a join on the per-customer minimum), summed per cohort with `sumForEach`; `retention` takes at "
    "most 32 conditions, so the 0..89 periods are three `retention` calls each led by `d = 0`. DuckDB: the "
    "distinct (customer, day) pairs joined to each customer's first day, counted per (first day, k). "
    "touchpoint's `observed` column (customers whose period k has begun by the last event) has no peer "
    "counterpart and is not compared; only `retained` is. touchpoint's default is rolling alignment "
    "(k = whole days since the start instant), which differs from calendar days near midnight; its time is "
    "shown among the variants, not compared.",
    "**Timing**: each child imports its libraries (not timed), reads the Parquet file into a pyarrow Table "
    "(`load`, the same call everywhere), puts it into the library (`ingest`: `tp.Events.from_frame`; a chdb "
    "`Session` Memory table filled by `INSERT ... SELECT ... FROM Python(table)`; a DuckDB "
    "`CREATE TABLE ... AS SELECT` from the registered Arrow table), then runs the query (`query`: the funnel or "
    "retention call including turning its result into Python numbers; for ClickHouse's retention also the "
    "tiny query for the number of periods). The three alternate (ABC CBA ...); medians. 'ingest + query' is "
    "the honest end-to-end view for a one-off analysis; 'query' alone is the view for a table ingested once "
    "and queried many times.",
    "**Peer schemas and formulations** were chosen for the peers' speed: ClickHouse gets the touchpoint as "
    "`LowCardinality(String)` (its usual type for a 20-value column) and a `WHERE touchpoint IN (steps)` "
    "prefilter before `windowFunnel` (it ignores other events anyway); DuckDB gets a native table and ASOF "
    "joins. The other formulations tried are in the variants table (one run each, with whether each gives "
    "touchpoint's counts). Threads: all three use both cores by default.",
    "Process peak is the child's maximum RSS over its whole life (the interpreter, the imported libraries "
    "and the pyarrow Table included; see 'RSS after imports': chdb's engine is large). The workers reset the "
    "kernel's high-water mark between laps (`/proc/self/clear_refs`) to get each lap's own peak, and keep the "
    "process peak themselves.",
]


def _jm_row_label(r: Dict[str, Any]) -> str:
    return ("3-step ordered funnel, 7-day window" if r["kind"] == "funnel"
            else "daily retention cohorts (calendar)")


def _lap(sm: Dict[str, Any], *names: str) -> Optional[float]:
    if not sm.get("ok"):
        return None
    return sum(sm["laps"].get(n, 0.0) for n in names)


def _rx(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return None if not a or b is None else b / a


def journeymap_section(jm: Dict[str, Any], v: Dict[str, Any], command: str) -> List[str]:
    L: List[str] = []
    a = L.append
    d = jm["dataset"]
    a(JM_TITLE)
    a("")
    peers_v = []
    if "chdb" in jm["peers"]:
        peers_v.append(f"chdb {v.get('chdb')} (ClickHouse {v.get('chdb_engine')})")
    if "duckdb" in jm["peers"]:
        peers_v.append(f"duckdb {v.get('duckdb')}")
    src = v.get("touchpoint_source") or "?"
    loads = [x for r in jm["rows"] for sm in (r["tp"], r["peer_s"]) for x in sm.get("load1", [])]
    load_txt = f", 1-minute load average before the timed children {min(loads):.2f}–{max(loads):.2f}" if loads else ""
    a(f"Run on {jm['date']} with `{command}` ({jm['elapsed_s'] / 60:.1f} min; load average {jm['load_start']} at "
      f"the start, {jm['load_end']} at the end{load_txt}); touchpoint {v.get('touchpoint')} from the release wheel "
      f"`{Path(src).name if src != '?' else src}`"
      + (f" (built {v['touchpoint_wheel_built']}, sha256 {v['touchpoint_wheel_sha256']}…)" if v.get("touchpoint_wheel_built") else "")
      + f", {', '.join(peers_v)}, pyarrow {v.get('pyarrow')}.")
    a("")
    a(f"Data `{d['file']}` (`datagen.event_stream`, seeded): {d['events']:,} events, {d['customers']:,} customers "
      f"(int64 ids), {d['touchpoints']} touchpoint names (strings), int64 epoch-ms timestamps over {d['days']} days, "
      f"rows in global time order (as a log is written), no customer with two events at the same millisecond; "
      f"{d['bytes'] / 1e6:.0f} MB Parquet. Funnel: `search ad` → `website` → `store visit`, 7-day window.")
    a("")
    a("touchpoint: `table = pq.read_table(file)`; `ev = tp.Events.from_frame(table, customer='customer_id', "
      "touchpoint='touchpoint', time='timestamp', conversion=None)`; `tp.funnel(ev, steps=[...], window='7d', "
      "mode='ordered')` → `units` per step, or `tp.retention(ev, period='day', alignment='calendar')` → `retained` "
      "per (cohort, period). ClickHouse: `SELECT countIf(level >= 1), ... FROM (SELECT customer_id, "
      "windowFunnel(604800000)(ts, touchpoint = 'search ad', touchpoint = 'website', touchpoint = 'store visit') "
      "AS level FROM events WHERE touchpoint IN (...) GROUP BY customer_id)`, and `retention(...)` as described "
      "below. DuckDB: ASOF-join SQL (`benches/peers/workers.py`, `duckdb_funnel_sql`, `duckdb_retention_sql`).")
    a("")
    rows = jm["rows"]
    a("| task | events | peer | touchpoint query | peer query | query ratio | touchpoint ingest | peer ingest "
      "| touchpoint ingest + query | peer ingest + query | ingest + query ratio | touchpoint peak RSS "
      "| peer peak RSS | counts identical |")
    a("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        t, p = r["tp"], r["peer_s"]
        name = JM_PEERS[r["peer"]]
        if not (t.get("ok") and p.get("ok")):
            err = t.get("error") if not t.get("ok") else p.get("error")
            a(f"| {_jm_row_label(r)} | {d['events']:,} | {name} | FAILED: {str(err)[:300]} | | | | | | | | | | |")
            continue
        tq, pq_ = _lap(t, "query"), _lap(p, "query")
        ti, pi = _lap(t, "ingest"), _lap(p, "ingest")
        tiq, piq = _lap(t, "ingest", "query"), _lap(p, "ingest", "query")
        ident = ("**yes**" if r["identical"] else f"**NO — {r.get('first_diff')}**")
        if r["identical"] and r.get("stable") is False:
            ident += " (but not stable across runs!)"
        a(f"| {_jm_row_label(r)} | {d['events']:,} | {name} | {_s(tq)} | {_s(pq_)} | {_x(_rx(tq, pq_))} | {_s(ti)} | "
          f"{_s(pi)} | {_s(tiq)} | {_s(piq)} | {_x(_rx(tiq, piq))} | {_mb(t['rss_mb'])} | {_mb(p['rss_mb'])} | {ident} |")
    a("")
    # the target, said plainly
    parts = []
    met = True
    for r in rows:
        tq, pq_ = _lap(r["tp"], "query"), _lap(r["peer_s"], "query")
        ratio = _rx(tq, pq_)
        if ratio is None:
            met = False
            continue
        met = met and ratio >= 10 and bool(r["identical"])
        parts.append(f"{r['kind']} vs {JM_PEERS[r['peer']]} {ratio:.1f}×")
    a(f"Target (query at least 10× faster than each peer, counts identical): **{'met' if met and parts else 'not met'}** "
      f"({'; '.join(parts) if parts else 'no complete comparison'}).")
    a("")
    a("Where the time goes, and each lap's own memory (medians; `load` = the Parquet file into a pyarrow Table, "
      "the same call on every side; 'start' = resident memory when the lap begins, 'peak' = the lap's own "
      "peak, the kernel's high-water mark being reset between laps; '+' = peak minus start, what the lap needed "
      "on top of what was already resident):")
    a("")
    a("| task | side | load | ingest | query | load: start → peak | ingest: start → peak (+) "
      "| query: start → peak (+) | process peak | RSS after imports |")
    a("|---|---|---|---|---|---|---|---|---|---|")
    seen_tp = set()
    for r in rows:
        sides = []
        if r["kind"] not in seen_tp:
            sides.append(("touchpoint", r["tp"], r.get("tp_rss_laps", {}), r.get("tp_rss_start", {})))
            seen_tp.add(r["kind"])
        sides.append((JM_PEERS[r["peer"]], r["peer_s"], r.get("peer_rss_laps", {}), r.get("peer_rss_start", {})))
        for side, sm, pk, st in sides:
            if not sm.get("ok"):
                continue
            lp = sm["laps"]

            def mem(k: str, plus: bool = True) -> str:
                if k not in pk or k not in st:
                    return _mb(pk.get(k))
                return f"{_mb(st[k])} → {_mb(pk[k])}" + (f" (+{max(0.0, pk[k] - st[k]):,.0f} MB)" if plus else "")

            a(f"| {r['kind']} | {side} | {_s(lp.get('load'))} | {_s(lp.get('ingest'))} | {_s(lp.get('query'))} | "
              f"{mem('load', False)} | {mem('ingest')} | {mem('query')} | {_mb(sm['rss_mb'])} | "
              f"{_mb(sm['rss_after_import_mb'])} |")
    a("")
    ev_n = d["events"]
    for r in rows:
        pk, st = r.get("tp_rss_laps", {}), r.get("tp_rss_start", {})
        if r["peer"] == jm["peers"][0] and all(k in pk and k in st for k in ("ingest", "query")):
            ing = pk["ingest"] - st["ingest"]
            rest = st["query"] - st["ingest"]
            a(f"- touchpoint {r['kind']}: the query needed {max(0.0, pk['query'] - st['query']):,.0f} MB on top of "
              f"what was resident. The ingested events rest at {rest:,.0f} MB ({rest * 1048576 / ev_n:.0f} bytes an "
              f"event; the ingest peaks {ing:,.0f} MB above its start while it builds them; the pyarrow Table is "
              "still held). The query's index is one u64 per kept row (row, customer within its bucket, touchpoint "
              "code, conversion flag; the funnel keeps the rows of its three touchpoints, retention all rows) plus "
              "per-bucket buffers; the events are not copied again.")
    a("")
    fr = [r for r in rows if r["kind"] == "funnel" and r.get("tp_counts")]
    if fr:
        a("Funnel counts (customers reaching each step):")
        a("")
        head = ["step", "touchpoint"] + [JM_PEERS[r["peer"]] for r in fr] + ["share of customers"]
        a("| " + " | ".join(head) + " |")
        a("|" + "---|" * len(head))
        for j, stp in enumerate(datagen.FUNNEL_STEPS):
            tc = fr[0]["tp_counts"][j] if j < len(fr[0]["tp_counts"]) else None
            cells = [f"{j + 1}. {stp}", f"{tc:,}" if tc is not None else "–"]
            for r in fr:
                pc_ = r["peer_counts"][j] if j < len(r["peer_counts"]) else None
                cells.append(f"{pc_:,}" if pc_ is not None else "–")
            cells.append(f"{tc / d['customers']:.1%}" if tc is not None else "–")
            a("| " + " | ".join(cells) + " |")
        a("")
    rr = [r for r in rows if r["kind"] == "retention" and "cells_tp" in r]
    if rr:
        a("Retention cells compared (every (cohort day, period) with a nonzero `retained` on either side):")
        a("")
        a("| peer | cells (touchpoint / peer) | retained summed over the cells (touchpoint / peer) | cells differing "
          "| first difference |")
        a("|---|---|---|---|---|")
        for r in rr:
            a(f"| {JM_PEERS[r['peer']]} | {r['cells_tp']:,} / {r['cells_peer']:,} | {r['retained_total_tp']:,} / "
              f"{r['retained_total_peer']:,} | {r['cells_differing']} | {r.get('first_diff') or '–'} |")
        a("")
    if jm.get("variants"):
        a("Other formulations (one run each, same file; counts against touchpoint's):")
        a("")
        a("| task | formulation | ingest | query | peak RSS | counts identical |")
        a("|---|---|---|---|---|---|")
        for x in jm["variants"]:
            who = {"tp": "touchpoint", "chdb": "ClickHouse (chdb)", "duckdb": "DuckDB"}[x["task"].split("_")[0]]
            kind = x["task"].split("_", 1)[1]
            if not x["ok"]:
                a(f"| {kind} | {who}: {x['label']} | FAILED | | | |")
                continue
            ident = "–" if "identical" not in x else ("yes" if x["identical"] else "**NO**")
            a(f"| {kind} | {who}: {x['label']} | {_s(x['laps'].get('ingest'))} | {_s(x['laps'].get('query'))} | "
              f"{_mb(x['rss_mb'])} | {ident} |")
        a("")
    sc = jm.get("selfcheck") or {}
    if "error" in sc:
        a(f"Brute-force check FAILED to run: {str(sc['error'])[:300]}")
    elif sc:
        smp = jm.get("selfcheck_sample") or {}
        verdict = "; ".join(f"{k}: {'all agree' if c.get('ok') else '**MISMATCH**'}" for k, c in sc.items())
        a(f"Correctness check (not timed; `workers.py jm_selfcheck`): every formulation above (ClickHouse 4 funnel + "
          f"3 retention, DuckDB 3 funnel + 3 retention) and touchpoint against a pure-Python brute force taken "
          f"straight from the definitions, on 11 hand-made customers (window edge exactly at 7 days and 1 ms past "
          f"it, a later attempt going deeper, steps out of order, day boundaries) and on a sample of the file "
          f"({smp.get('sample_customers') or 0:,} whole customers, {smp.get('sample_events') or 0:,} events): {verdict}.")
    a("")
    for note in JM_NOTES:
        a(f"- {note}")
    a("")
    return L


def journeymap_summary(jm: Dict[str, Any]) -> Optional[str]:
    rows = [r for r in jm.get("rows", []) if r["tp"].get("ok") and r["peer_s"].get("ok")]
    if not rows:
        return None
    parts = []
    for kind in ("funnel", "retention"):
        rs = [r for r in rows if r["kind"] == kind]
        if not rs:
            continue
        tq = _lap(rs[0]["tp"], "query")
        peer = ", ".join(f"{JM_PEERS[r['peer']]} {_s(_lap(r['peer_s'], 'query'))} "
                         f"(**{_rx(tq, _lap(r['peer_s'], 'query')) or 0:.1f}×**)" for r in rs)
        tiq = _lap(rs[0]["tp"], "ingest", "query")
        peer_iq = ", ".join(f"{_rx(tiq, _lap(r['peer_s'], 'ingest', 'query')) or 0:.2f}× vs {JM_PEERS[r['peer']]}"
                            for r in rs)
        same = all(r["identical"] for r in rs)
        parts.append(f"{kind}: touchpoint {_s(tq)} vs {peer}; ingest + query touchpoint {_s(tiq)}, {peer_iq}; counts "
                     + ("identical" if same else "**DIFFER**"))
    return (f"**ClickHouse (chdb) and DuckDB**, {jm['dataset']['events']:,} events, query times: "
            + "; ".join(parts) + ".")


def journeymap_slower(jm: Dict[str, Any]) -> List[str]:
    out = []
    for r in jm.get("rows", []):
        t, p = r["tp"], r["peer_s"]
        if not (t.get("ok") and p.get("ok")):
            continue
        name = JM_PEERS[r["peer"]]
        for what, laps in (("query", ("query",)), ("ingest", ("ingest",)), ("ingest + query", ("ingest", "query"))):
            tv, pv = _lap(t, *laps), _lap(p, *laps)
            if tv is not None and pv is not None and pv < tv:
                out.append(f"{r['kind']} vs {name}, {what}: touchpoint {_s(tv)}, {name} {_s(pv)} "
                           f"({tv / pv:.2f}× the peer's time).")
        if p["rss_mb"] < t["rss_mb"]:
            out.append(f"{r['kind']} vs {name}, peak memory: touchpoint {_mb(t['rss_mb'])}, {name} {_mb(p['rss_mb'])}.")
    return out


def splice_report(old: str, jm_lines: List[str], summary: Optional[str], slower: List[str],
                  v: Dict[str, Any]) -> str:
    """Put the journeymap section into an existing report (the other sections stay as they were)."""
    parts = old.rstrip("\n").split("\n## ")
    head, secs = parts[0], ["## " + x for x in parts[1:]]
    title = lambda x: x.split("\n", 1)[0]  # noqa: E731
    new_sec = "\n".join(jm_lines).rstrip("\n")
    out: List[str] = []
    placed = False
    for sec in secs:
        t = title(sec)
        if t == JM_TITLE:
            if not placed:
                out.append(new_sec)
                placed = True
            continue
        if t == "## Where touchpoint is slower or uses more memory" and not placed:
            out.append(new_sec)
            placed = True
        if t == "## Summary":
            lines = [l for l in sec.rstrip("\n").split("\n") if not l.startswith("- **ClickHouse (chdb) and DuckDB**")]
            if summary:
                lines.append(f"- {summary}")
            sec = "\n".join(lines)
        elif t == "## Machine and versions":
            lines = [l for l in sec.rstrip("\n").split("\n") if not (l.startswith("| chdb |") or l.startswith("| duckdb |"))]
            at = max(i for i, l in enumerate(lines) if l.startswith("|")) if any(l.startswith("|") for l in lines) else len(lines)
            for i, l in enumerate(lines):
                if l.startswith("| pandas / polars"):
                    at = i
            add = [f"| chdb | {v.get('chdb') or 'not installed'} (ClickHouse {v.get('chdb_engine') or '?'}; funnel/retention section) |",
                   f"| duckdb | {v.get('duckdb') or 'not installed'} (funnel/retention section) |"]
            lines[at:at] = add
            sec = "\n".join(lines)
        elif t == "## Where touchpoint is slower or uses more memory":
            lines = [l for l in sec.rstrip("\n").split("\n")
                     if not (l.startswith("- funnel vs ") or l.startswith("- retention vs "))]
            if slower and any(l.startswith("- Nowhere in this run") for l in lines):
                lines = [l for l in lines if not l.startswith("- Nowhere in this run")]
            body = [l for l in lines[1:] if l.strip()]
            sec = "\n".join([lines[0], ""] + body + [f"- {x}" for x in slower])
        out.append(sec.rstrip("\n"))
    if not placed:
        out.append(new_sec)
    return head.rstrip("\n") + "\n\n" + "\n\n".join(out) + "\n\n"


def _range(xs: List[float], fmt: str) -> str:
    lo, hi = min(xs), max(xs)
    return format(lo, fmt) if format(lo, fmt) == format(hi, fmt) else f"{format(lo, fmt)}–{format(hi, fmt)}"


def summary_lines(res: Dict[str, Any]) -> List[str]:
    """Headline numbers, computed from the tables below."""
    out: List[str] = []
    ca = res.get("ca")
    if ca and ca["rows"]:
        big = max(r["n"] for r in ca["rows"])
        mk = [r for r in ca["rows"] if r["kind"] == "markov" and r["n"] == big and r["tp"].get("ok")
              and r["peer"].get("ok")]
        if mk:
            ratios = [_ratio(r["peer"], r["tp"], "seconds") or 0.0 for r in mk]
            agree = [r["agreement"]["markov"][0] * 100 for r in mk]
            spread = [r["peer_row_order_spread"][0] * 100 for r in mk if r.get("peer_row_order_spread")]
            out.append(
                f"**channelattribution**, {big:,} distinct paths, Markov orders "
                f"{min(r['order'] for r in mk)}–{max(r['order'] for r in mk)}: touchpoint "
                f"{_s(min(r['tp']['seconds'] for r in mk))}–{_s(max(r['tp']['seconds'] for r in mk))} vs "
                f"{_s(min(r['peer']['seconds'] for r in mk))}–{_s(max(r['peer']['seconds'] for r in mk))} "
                f"file → credits, **{_range(ratios, '.1f')}× faster**; peak memory "
                f"{_range([r['tp']['rss_mb'] for r in mk], ',.0f')} MB vs "
                f"{_range([r['peer']['rss_mb'] for r in mk], ',.0f')} MB. Largest share difference "
                f"{_range(agree, '.2f')} pp, against the peer's own row-order spread of "
                f"{_range(spread, '.2f') if spread else '?'} pp (simulation noise; see the checks).")
        he = [r for r in ca["rows"] if r["kind"] == "heuristics" and r["n"] == big and r["tp"].get("ok")
              and r["peer"].get("ok")]
        for r in he:
            worst = max(v[0] for v in r["agreement"].values()) * 100
            out.append(f"channelattribution first/last/linear, {big:,} paths: {_s(r['tp']['seconds'])} vs "
                       f"{_s(r['peer']['seconds'])}, **{_ratio(r['peer'], r['tp'], 'seconds') or 0:.1f}×**; "
                       f"results identical (largest difference {worst:.0e} pp).")
    m = res.get("mam")
    if m and m["tp"].get("ok") and m["peer"].get("ok"):
        ag = m["agreement"]
        exact = [k for k in ("first", "last", "linear", "position") if k in ag and ag[k][0] < 1e-11]
        out.append(
            f"**marketing-attribution-models**, {m['dataset']['journeys']:,} journeys, seven models from the events "
            f"file: {_s(m['tp']['seconds'])} vs {_s(m['peer']['seconds'])}, "
            f"**{_ratio(m['peer'], m['tp'], 'seconds') or 0:.1f}×**; peak memory {_mb(m['tp']['rss_mb'])} vs "
            f"{_mb(m['peer']['rss_mb'])}. {', '.join(exact)} identical; time decay within "
            f"{ag['time_decay'][0] * 100:.0e} pp; Markov {ag['markov'][0] * 100:.1f} pp apart with touchpoint's "
            f"default global allocation and "
            f"{ag.get('markov (touchpoint allocation=per_journey)', (float('nan'), ''))[0] * 100:.2f} pp with "
            f"`allocation='per_journey'` (mam splits touch by touch); Shapley {ag['shapley'][0] * 100:.1f} pp "
            "apart (different definitions).")
    pm = res.get("pm4py")
    if pm:
        rows = [r for r in pm["rows"] if r["tp"].get("ok") and r["peer"].get("ok")]
        if rows:
            parts = [f"{round(r['dataset']['events'] / 1e6, 1):g}M events {_s(r['tp']['seconds'])} vs "
                     f"{_s(r['peer']['seconds'])} (**{_ratio(r['peer'], r['tp'], 'seconds') or 0:.1f}×**, peak "
                     f"{_mb(r['tp']['rss_mb'])} vs {_mb(r['peer']['rss_mb'])})" for r in rows]
            same = all(r["agreement"]["count_mismatches"] == 0 and not r["agreement"]["n_only_touchpoint"]
                       and not r["agreement"]["n_only_peer"] for r in rows)
            dwell = max(r["agreement"]["max_dwell_diff_ms"] for r in rows)
            out.append(f"**pm4py** directly-follows graph: {'; '.join(parts)}. "
                       + ("Edges and counts identical" if same else "**Edges or counts differ** (see the table)")
                       + f"; mean dwell equal to {dwell:.1g} ms.")
    if res.get("journeymap"):
        line = journeymap_summary(res["journeymap"])
        if line:
            out.append(line)
    return out


def slower_findings(res: Dict[str, Any]) -> List[str]:
    """Every comparison, headline or step, where the peer was faster or smaller, with the numbers."""
    out: List[str] = []

    def check(what: str, t: Dict[str, Any], p: Dict[str, Any], peer: str) -> None:
        if not (t.get("ok") and p.get("ok")):
            return
        if p["seconds"] < t["seconds"]:
            out.append(f"{what}: touchpoint {_s(t['seconds'])}, {peer} {_s(p['seconds'])} "
                       f"({t['seconds'] / p['seconds']:.2f}× the peer's time).")
        if p["rss_mb"] < t["rss_mb"]:
            out.append(f"{what}, peak memory: touchpoint {_mb(t['rss_mb'])}, {peer} {_mb(p['rss_mb'])}.")
        # touchpoint's own CSV reader against pandas (the Parquet files are read by pyarrow or polars
        # in front of touchpoint, so only the path CSV read is touchpoint's code)
        tv, pv = t["laps"].get("read"), p["laps"].get("read")
        if "paths" in what and tv and pv and pv < tv:
            out.append(f"{what}, reading the CSV: `tp.read_paths` (touchpoint's reader) {_s(tv)}, pandas "
                       f"`read_csv` {_s(pv)} ({tv / pv:.1f}× slower).")

    for r in (res.get("ca") or {}).get("rows", []):
        name = f"Markov order {r['order']}" if r["kind"] == "markov" else "first/last/linear"
        check(f"channelattribution {name}, {r['n']:,} paths", r["tp"], r["peer"], "channelattribution")
    if res.get("mam"):
        m = res["mam"]
        check(f"mam, {m['dataset']['journeys']:,} journeys", m["tp"], m["peer"], "mam")
        if m["tp"].get("ok") and m["peer"].get("ok"):
            for k, tv in m["tp"]["laps"].items():
                pv = m["peer"]["laps"].get(k)
                if k != "read" and tv and pv and pv < tv:
                    out.append(f"mam, {m['dataset']['journeys']:,} journeys, the `{k}` step alone: touchpoint "
                               f"`tp.attribute(journeys, model='{k}')` {_s(tv)}, mam {_s(pv)} "
                               f"({tv / pv:.1f}× the peer's time).")
    for r in (res.get("pm4py") or {}).get("rows", []):
        check(f"pm4py DFG, {r['dataset']['events']:,} events", r["tp"], r["peer"], "pm4py")
    if res.get("journeymap"):
        out.extend(journeymap_slower(res["journeymap"]))
    return out


NOTES = [
    "**channelattribution simulates** the Markov removal effects: random walks on the fitted chain "
    "(`nsim_start=1e5` walks split into 10 folds, the count grown by 1.5× until the folds agree within "
    "`conv_par=0.05`), and it reports the credits of the *single fold* closest to the folds' median, so the "
    "result rests on a tenth of the walks. touchpoint solves the absorbing chain exactly. The peer's result "
    "depends on the seed and on the row order (the order changes the channel numbering and so the random "
    "stream): its spread across the two row orders is that noise, and a difference from touchpoint of the same "
    "size is noise, not disagreement.",
    "channelattribution also **caps each simulated walk** at `max_step` steps, by default the longest path in "
    "the data, and counts a capped walk as a non-conversion: a small bias on top of the noise (the last "
    "column of the table gives the share of walks that ended before the cap). The `max_step=1000` checks remove "
    "it; what is left shrinks with more walks.",
    "Both use the same **order-k state convention**: windows of k consecutive touchpoints sliding by one, a "
    "journey shorter than k is one state, consecutive identical states collapse (so order 1 ignores repeats). "
    "Removal sends a state to `(null)`; credit = removal-effect share × total conversions.",
    "`tp.read_paths` parses the CSV **and** splits every path into touchpoints and interns them into the "
    "path table; pandas' `read_csv` (pandas 3, Arrow-backed strings) only parses the columns, and "
    "channelattribution splits the paths inside its model call. Even so touchpoint's reader is the slower "
    "one and, at 1M paths, most of touchpoint's end-to-end time.",
    "Heuristics (first, last, linear) are deterministic in both libraries and count every touch (linear gives "
    "a touchpoint seen twice two shares).",
    "**mam's Markov model** computes the same order-1 removal effects (no self-loops, removal to `(null)`, exact "
    "matrix inverse) but allocates them **within each converting journey, touch by touch** (a touchpoint seen "
    "twice gets two weights); touchpoint's default is the global share × total, and its "
    "`allocation='per_journey'` splits each journey's conversion among its *distinct* touchpoints; both "
    "comparisons are shown.",
    "**Shapley variants differ**: touchpoint's `shapley` is the simplified (Zhao et al.) value, equal split of "
    "each converting journey among its distinct touchpoints; mam's `run_shapley()` is a per-channel-set "
    "conversion-rate game on at most 4 channels per set (`max_size=4`, keeping the alphabetically last 4), "
    "rescaled to each set's conversions. They are different definitions, so the gap is expected; it is not "
    "an error of either.",
    "Time decay: both weigh a touch by 2^(−age/half-life) with age measured to the journey's last event "
    "(the conversion) and a 7-day half-life; mam computes the age with polars' `dt.total_seconds()`, which "
    "truncates to whole seconds, touchpoint uses milliseconds: hence the tiny (about 1e-5 pp) difference. "
    "Position-based: 40/20/40, two touches 50/50, in both.",
    "pm4py's performance DFG reports mean durations in float seconds; touchpoint reports `dwell_mean` (a duration); the "
    "dwell column compares them in milliseconds.",
    "Peak memory includes the interpreter and the imported libraries (pm4py and mam import much more than "
    "touchpoint); subtract the 'RSS after imports' where it is shown for the data's own footprint.",
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about 1-2 minutes)")
    ap.add_argument("--runs", type=int, default=None, help="runs per library and comparison (default 5, quick 3)")
    ap.add_argument("--out", default=str(ROOT / "benches" / "RESULTS.md"), help="Markdown report to write")
    ap.add_argument("--data-dir", default=os.path.expanduser("~/.cache/touchpoint/peer-data"))
    ap.add_argument("--only", default=",".join(GROUPS),
                    help="comma-separated subset of ca, mam, pm4py, journeymap; 'journeymap' alone puts its "
                         "section into the existing --out report and leaves the other sections as they are")
    ap.add_argument("--ca-ncore", type=int, default=len(os.sched_getaffinity(0)),
                    help="channelattribution's ncore (default: all cores, as touchpoint uses)")
    ap.add_argument("--python", default=sys.executable, help="interpreter of the child processes")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                    help="first wait (at most this long) until the 1-minute load average is below 0.5")
    ap.add_argument("--report-only", metavar="JSON",
                    help="only write the Markdown report again from the raw JSON of an earlier run")
    args = ap.parse_args()
    if args.report_only:
        with open(args.report_only) as f:
            earlier = json.load(f)
        earlier["notes"] = NOTES
        earlier["rendered_again"] = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
        if earlier.get("journeymap_only"):
            _write_journeymap_only(Path(args.out), earlier)
        else:
            _write_keeping(Path(args.out), report(earlier))
        print(f"wrote {args.out} from {args.report_only}")
        return
    runs = args.runs or (3 if args.quick else 5)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    data_dir = Path(args.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    mode = "quick" if args.quick else "full"
    jm_only = only == {"journeymap"}
    tag = f"{mode}-journeymap" if jm_only else mode
    log_path = data_dir / f"children-{tag}.log"
    log_path.write_text("")
    json_path = data_dir / f"results-{tag}.json"

    waited = 0.0
    while args.wait_quiet and waited < args.wait_quiet and float(loadavg().split()[0]) >= 0.5:
        if waited == 0:
            print(f"waiting for a quiet machine (load {loadavg()}) ...", flush=True)
        time.sleep(10)
        waited += 10
    t_start = time.perf_counter()
    res: Dict[str, Any] = {
        "quick": args.quick, "runs": runs, "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": machine(), "versions": versions(args.python), "git": git_head(), "load_start": loadavg(),
        "command": "python benches/peers/run.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "ca_ncore": args.ca_ncore, "skipped": {}, "gnu_time": GNU_TIME is not None, "notes": NOTES,
        "json": str(json_path).replace(os.path.expanduser("~"), "~"), "journeymap_only": jm_only,
    }
    print(f"peer benchmark ({mode}, {runs} runs each); children log: {log_path}", flush=True)
    b = Bench(args.python, data_dir, log_path)
    available: Dict[str, bool] = {}
    usable: List[str] = []
    for name, p in PEERS.items():
        if p["group"] not in only:
            continue
        why = check_peer(args.python, name)
        available[p["group"]] = available.get(p["group"], False) or why is None
        if why is None:
            usable.append(name)
        else:
            res["skipped"][name] = why
            print(f"  skipping {name}: {why}", flush=True)

    if available.get("ca"):
        sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
        res["ca"] = run_ca(b, sizes, runs, args.ca_ncore, converged=not args.quick)
    if available.get("mam"):
        # the demo generator gives ~2.18 events per journey: 218k events are ~100k journeys
        res["mam"] = run_mam(b, 22_000 if args.quick else 218_000, runs)
    if available.get("pm4py"):
        res["pm4py"] = run_pm4py(b, [100_000, 1_000_000] if args.quick else [1_000_000, 10_000_000], runs)
    if available.get("journeymap"):
        res["journeymap"] = run_journeymap(b, 1_000_000 if args.quick else 10_000_000, runs,
                                           [p for p in ("chdb", "duckdb") if p in usable])

    res["load_end"] = loadavg()
    res["elapsed_s"] = time.perf_counter() - t_start
    with open(json_path, "w") as f:
        json.dump(res, f, indent=1, default=str)
    if jm_only:
        _write_journeymap_only(Path(args.out), res)
    else:
        _write_keeping(Path(args.out), report(res))
    print(f"wrote {args.out} and {json_path} in {res['elapsed_s'] / 60:.1f} min", flush=True)


def _write_keeping(out: Path, new: str) -> None:
    """Write the report `new`, keeping the sections of the existing file that other benchmark
    scripts write (experience, bootstrap, CRM jobs, scaling: any `## ` section whose title this
    report does not have), in their order, after this report's sections."""
    title = lambda sec: sec.split("\n", 1)[0].strip()  # noqa: E731
    mine = {title(x) for x in new.split("\n## ")[1:]}
    kept = []
    if out.exists():
        kept = ["## " + x.rstrip("\n") for x in out.read_text().rstrip("\n").split("\n## ")[1:]
                if title(x) not in mine]
    out.write_text("\n\n".join([new.rstrip("\n")] + kept) + "\n")


def _write_journeymap_only(out: Path, res: Dict[str, Any]) -> None:
    """The journeymap section into the existing report (or a report of only it, when there is none)."""
    jm = res.get("journeymap")
    if not jm:
        print("journeymap: nothing ran (are chdb and duckdb installed?); report left as it was", flush=True)
        return
    if not out.exists():
        out.write_text(report(res) + "\n")
        return
    out.write_text(splice_report(out.read_text(), journeymap_section(jm, res["versions"], res["command"]),
                                 journeymap_summary(jm), journeymap_slower(jm), res["versions"]))


if __name__ == "__main__":
    main()
