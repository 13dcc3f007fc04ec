"""Every benchmark at one scale, one command; writes the figures and a summary of the issue-13 goals.

Usage:
    python -m benchmarks.run --scale quick        # a quick check, under ten minutes on two cores
    python -m benchmarks.run --scale full         # the reported figures: 1M products (and 100k for growth)
    python -m benchmarks.run --scale quick --only catalog,escrow

Each benchmark runs as its own process on its own scratch database (DATABASE_URL's server, else the embedded
PostgreSQL) and compares itself with a baseline measured in the same run (``/healthz`` on the same gunicorn,
``COPY`` of the same rows, RQ no-op jobs on the same workers): machines are shared and noisy, ratios travel.
Results go to ``benchmarks/results/<scale>/``: each benchmark's raw output (``<name>.txt``), its figures
(``<name>.json`` where it prints JSON) and ``SUMMARY.md`` (machine, load before and after, commit, settings,
the goals table with the measured ratios). The per-area ``REPORT.md`` files explain and keep the figures that
were reported.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Step:
    """One benchmark process: its name, command line and whether it prints a JSON report last."""

    name: str
    argv: list[str]
    json_out: bool = False
    env: dict = field(default_factory=dict)


def steps(scale: str) -> list[Step]:
    """The benchmarks of a scale. ``quick``: 10k and 100k products, 5k import rows, 1,000 settlements, the pages at
    10k products and 2k deals, matching at 1,000 vendors; ``full``: 100k and 1M products, 100k import rows, 10,000
    settlements, the pages at 1M products and 100k deals, matching at 10,000 vendors (up to 1M products)."""
    py = [sys.executable, "-m"]
    if scale == "quick":
        small, large, rows, seconds, deals, vendors, per = 10_000, 100_000, 5_000, 5, 1_000, 1_000, "1,10"
        pages_products, pages_deals = 10_000, 2_000
    else:
        small, large, rows, seconds, deals, vendors, per = 100_000, 1_000_000, 100_000, 20, 10_000, 10_000, "1,10,100"
        pages_products, pages_deals = 1_000_000, 100_000
    return [
        Step("catalog-small", [*py, "benchmarks.catalog.bench", "--products", str(small), "--vendors",
                               str(max(small // 100, 10)), "--seconds", str(seconds), "--search-only"], json_out=True),
        Step("catalog-large", [*py, "benchmarks.catalog.bench", "--products", str(large), "--vendors",
                               str(max(large // 100, 10)), "--import-rows", str(rows), "--seconds", str(seconds)],
             json_out=True),
        Step("escrow", [*py, "benchmarks.escrow.settle", "--deals", str(deals)]),
        Step("pages", [*py, "benchmarks.pages.bench", "--products", str(pages_products), "--deals", str(pages_deals),
                       "--seconds", str(seconds)], json_out=True),
        Step("matching", [*py, "benchmarks.matching.scale", "--vendors", str(vendors), "--per-vendor", per]),
        Step("queries", [*py, "pytest", "-q", "-p", "no:cacheprovider", "tests/perf"],
             env={"QUERY_COUNTS_REPORT": "{out}/queries.md"}),
    ]


def _last_json(text: str) -> dict | None:
    """The last top-level JSON object a benchmark printed (its report)."""
    start = text.rfind("\n{")
    start = 0 if start < 0 and text.startswith("{") else start
    if start < 0:
        return None
    try:
        return json.loads(text[start:])
    except ValueError:
        return None


def _number(pattern: str, text: str) -> float | None:
    found = re.findall(pattern, text)
    return float(found[-1]) if found else None


def run_step(step: Step, out: Path) -> dict:
    """Run one benchmark, keep its output; the figures it reported (or its failure)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{k: v.format(out=out) for k, v in step.env.items()})
    started = time.perf_counter()
    proc = subprocess.run(step.argv, check=False, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    text = proc.stdout + ("\n--- stderr ---\n" + proc.stderr[-20_000:] if proc.returncode else "")
    (out / f"{step.name}.txt").write_text(f"$ {' '.join(step.argv)}\n\n{text}", encoding="utf-8")
    result = {"name": step.name, "ok": proc.returncode == 0, "seconds": round(seconds, 1)}
    if step.json_out and (report := _last_json(proc.stdout)) is not None:
        (out / f"{step.name}.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        result["report"] = report
    if step.name == "escrow":
        result["ratio"] = _number(r"ratio settlements/no-op: ([0-9.]+)", proc.stdout)
        result["ledger_ok"] = "debits=credits: True" in proc.stdout and "account totals match transfers: True" in \
            proc.stdout and "deals conserve money (sampled): True" in proc.stdout
    if step.name == "matching":
        result["p50_ms"] = [float(x) for x in re.findall(r"match p50=([0-9.]+)ms", proc.stdout)]
    if step.name == "queries":
        result["passed"] = _number(r"([0-9]+) passed", proc.stdout)
        result["failed"] = _number(r"([0-9]+) failed", proc.stdout) or 0
    return result


def _goal(measured, goal: str, ok) -> list[str]:
    shown = "not measured" if measured is None else measured
    verdict = "—" if ok is None else ("met" if ok else "not met")
    return [str(shown), goal, verdict]


def summary(scale: str, results: dict[str, dict], load: tuple, commit: str) -> str:
    """SUMMARY.md: machine, load, commit, then the goals of issue 13 with what this run measured."""
    small = results.get("catalog-small", {}).get("report") or {}
    large = results.get("catalog-large", {}).get("report") or {}
    esc = results.get("escrow", {})
    rows = []
    rps = large.get("ratio_search_to_healthz_rps")
    rows.append(["catalog search throughput ÷ `/healthz`", *_goal(rps, ">= 0.25", None if rps is None else rps >= 0.25)])
    p99 = large.get("ratio_search_to_healthz_p99")
    rows.append(["catalog search p99 ÷ `/healthz` p99", *_goal(p99, "<= 10", None if p99 is None else p99 <= 10)])
    growth = None
    if small.get("search") and large.get("search"):
        growth = round(large["search"]["p50_ms"] / small["search"]["p50_ms"], 2)
    rows.append(["search p50 growth, small -> large catalog", *_goal(growth, "<= 2x", None if growth is None
                                                                        else growth <= 2)])
    imp = large.get("ratio_import_to_copy_rows_per_s")
    rows.append(["import rows/s ÷ `COPY`", *_goal(imp, ">= 0.25", None if imp is None else imp >= 0.25)])
    ratio = esc.get("ratio")
    rows.append(["settlements/s ÷ RQ no-op jobs/s (deals a sweep accepted, released in batches; ledger check)",
                 *_goal(None if ratio is None else f"{ratio} (ledger {'sound' if esc.get('ledger_ok') else 'NOT sound'})",
                        ">= 0.35", None if ratio is None else ratio >= 0.35 and esc.get("ledger_ok"))])
    pages = results.get("pages", {}).get("report") or {}
    worst = pages.get("ratio_worst_page_to_healthz_p99")
    each = pages.get("ratio_pages_to_healthz_p99") or {}
    shown = None if worst is None else f"{worst} (worst; " + ", ".join(f"{k} {v}" for k, v in each.items()) + ")"
    rows.append(["web pages p99 ÷ `/healthz` p99", *_goal(shown, "<= 10", None if worst is None else worst <= 10)])
    q = results.get("queries", {})
    rows.append(["statements per request flat from 5 to 50 items (tests/perf)",
                 *_goal(None if q.get("passed") is None else f"{int(q['passed'])} flat, {int(q['failed'])} growing",
                        "none growing", None if q.get("passed") is None else q["failed"] == 0)])
    lines = [f"# Benchmark suite: scale `{scale}`", "",
             (f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit `{commit}` on {platform.machine()}, "
              f"{os.cpu_count()} CPUs, Python {platform.python_version()}; load average before "
              f"{load[0]:.1f} / after {load[1]:.1f} (other work on the machine inflates every figure; the ratios "
              "compare with a baseline measured in the same run)."), "",
             f"Rerun: `python -m benchmarks.run --scale {scale}`", "",
             "| goal | measured | target | |", "|---|---|---|---|",
             *[f"| {' | '.join(r)} |" for r in rows], "",
             "| benchmark | finished | seconds |", "|---|---|---|",
             *[f"| {name} | {'yes' if r['ok'] else '**failed** (see its .txt)'} | {r['seconds']} |"
               for name, r in results.items()], ""]
    if large:
        lines += [f"Large catalog: {large.get('generate', {})}", ""]
    if pages:
        lines += [f"Pages: {pages.get('catalog', {})}, {pages.get('generate', {})}", ""]
    if results.get("matching", {}).get("p50_ms"):
        lines += [f"Matching p50 per RFQ (ms) by products per vendor: {results['matching']['p50_ms']}", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("quick", "full"), default="quick")
    ap.add_argument("--only", help="comma-separated benchmark names (catalog-small, catalog-large, escrow, "
                                   "pages, matching, queries)")
    ap.add_argument("--out", type=Path, help="default: benchmarks/results/<scale>")
    args = ap.parse_args()
    out = args.out or ROOT / "benchmarks" / "results" / args.scale
    out.mkdir(parents=True, exist_ok=True)
    chosen = set(args.only.split(",")) if args.only else None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=False, cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    before = os.getloadavg()[0]
    results: dict[str, dict] = {}
    for step in steps(args.scale):
        if chosen and step.name not in chosen:
            continue
        print(f"== {step.name}: {' '.join(step.argv[2:])}", flush=True)
        results[step.name] = run_step(step, out)
        print(f"   {'ok' if results[step.name]['ok'] else 'FAILED'} in {results[step.name]['seconds']} s", flush=True)
    text = summary(args.scale, results, (before, os.getloadavg()[0]), commit)
    (out / "SUMMARY.md").write_text(text, encoding="utf-8")
    print(text)
    sys.exit(0 if all(r["ok"] for r in results.values()) else 1)


if __name__ == "__main__":
    main()
