"""The benchmark suite's bookkeeping: it reads each benchmark's report and fills the goals table from it."""

from __future__ import annotations

from benchmarks.run import _last_json, steps, summary


def test_the_last_json_report_is_read_after_progress_lines():
    text = 'generated {"rows": 3}\nsearch {...}\n{\n  "search": {"p50_ms": 12.5},\n  "n": 2\n}\n'
    assert _last_json(text) == {"search": {"p50_ms": 12.5}, "n": 2}
    assert _last_json("no report here") is None


def test_the_goals_table_says_met_or_not_from_the_figures():
    results = {
        "catalog-small": {"ok": True, "seconds": 30.0, "report": {"search": {"p50_ms": 10.0}}},
        "catalog-large": {"ok": True, "seconds": 90.0, "report": {
            "search": {"p50_ms": 25.0}, "ratio_search_to_healthz_rps": 0.31, "ratio_search_to_healthz_p99": 14.2,
            "ratio_import_to_copy_rows_per_s": 0.313}},
        "escrow": {"ok": True, "seconds": 40.0, "ratio": 0.3, "ledger_ok": True},
        "queries": {"ok": True, "seconds": 200.0, "passed": 47.0, "failed": 0},
    }
    text = summary("quick", results, (3.0, 4.5), "abc1234")
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert rows["catalog search throughput ÷ `/healthz`"].endswith("| 0.31 | >= 0.25 | met |")
    assert rows["catalog search p99 ÷ `/healthz` p99"].endswith("| 14.2 | <= 10 | not met |")
    assert rows["search p50 growth, small -> large catalog"].endswith("| 2.5 | <= 2x | not met |")
    assert rows["import rows/s ÷ `COPY`"].endswith("| 0.313 | >= 0.25 | met |")
    assert "0.3 (ledger sound)" in rows["settlements/s ÷ RQ no-op jobs/s (deals a sweep accepted, released in batches; ledger check)"]
    assert rows["web pages p99 ÷ `/healthz` p99"].endswith("| not measured | <= 10 | — |")
    assert "commit `abc1234`" in text and "load average before 3.0 / after 4.5" in text


def test_the_quick_scale_is_smaller_than_the_full_one():
    quick = {s.name: s.argv for s in steps("quick")}
    full = {s.name: s.argv for s in steps("full")}
    assert quick.keys() == full.keys() == {"catalog-small", "catalog-large", "escrow", "pages", "matching", "queries"}
    size = {name: int(argv[argv.index("--products") + 1]) for name, argv in full.items() if "--products" in argv}
    assert size == {"catalog-small": 100_000, "catalog-large": 1_000_000, "pages": 1_000_000}
    assert int(full["pages"][full["pages"].index("--deals") + 1]) == 100_000
    assert int(quick["pages"][quick["pages"].index("--deals") + 1]) < 100_000
    assert int(quick["catalog-large"][quick["catalog-large"].index("--products") + 1]) == 100_000


def test_the_pages_row_shows_the_worst_page_and_each_one():
    results = {"pages": {"ok": True, "seconds": 120.0, "report": {
        "ratio_pages_to_healthz_p99": {"search": 7.5, "deal": 4.1, "compare": 3.2, "dispute_desk": 12.0},
        "ratio_worst_page_to_healthz_p99": 12.0}}}
    text = summary("full", results, (1.0, 2.0), "abc1234")
    row = next(line for line in text.splitlines() if line.startswith("| web pages p99"))
    assert row.endswith("| 12.0 (worst; search 7.5, deal 4.1, compare 3.2, dispute_desk 12.0) | <= 10 | not met |")
