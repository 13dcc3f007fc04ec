"""Matching evaluation: load a labelled data set into a scratch database, run the real matcher, score it.

The data set format is the one of ``make_matching_set.py`` (``vendors.jsonl``, ``products.jsonl``,
``rfqs.jsonl``, ``qrels.tsv``, ``eligible.tsv``). The metrics are those of ``bm25_baseline.py``:
nDCG@10 (gain 2**grade - 1), P@5 and R@8 counting grade >= 2 as relevant, averaged over the RFQs
that have at least one graded vendor; plus filter violations: invited vendors (top K) that are not
in ``eligible.tsv``, counted over every RFQ.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade
from psycopg.types.json import Jsonb

from .accounts.models import OrgKind
from .app import create_app
from .embedded import create_database, drop_database
from .extensions import db
from .rfq.matching import SIGNALS, match_vendors
from .rfq.models import Rfq
from .text import fold
from .vendors.services.hs_classifier import train as train_hs_classifier

# --- data set -------------------------------------------------------------------------------------


@dataclass
class Dataset:
    vendors: list[dict]
    products: list[dict]
    rfqs: list[dict]
    qrels: dict[str, dict[str, int]]
    eligible: dict[str, set[str]]


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_dataset(path: str | os.PathLike) -> Dataset:
    """Read a matching data set folder."""
    d = Path(path)
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    if (d / "qrels.tsv").exists():
        for line in open(d / "qrels.tsv", encoding="utf-8"):
            if line.strip():
                rid, _, vid, grade = line.split()
                qrels[rid][vid] = int(grade)
    eligible: dict[str, set[str]] = defaultdict(set)
    if (d / "eligible.tsv").exists():
        for line in open(d / "eligible.tsv", encoding="utf-8"):
            if line.strip():
                rid, vid = line.split()
                eligible[rid].add(vid)
    return Dataset(_jsonl(d / "vendors.jsonl"), _jsonl(d / "products.jsonl"), _jsonl(d / "rfqs.jsonl"),
                   qrels, eligible)


# --- metrics (as bm25_baseline.py) ----------------------------------------------------------------


def ndcg(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** rel.get(v, 0) - 1) / math.log2(i + 2) for i, v in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def precision_at(ranked: list[str], rel: dict[str, int], k: int = 5, grade: int = 2) -> float:
    return sum(1 for v in ranked[:k] if rel.get(v, 0) >= grade) / k


def recall_at(ranked: list[str], rel: dict[str, int], k: int = 8, grade: int = 2) -> float:
    good = {v for v, g in rel.items() if g >= grade}
    return len(good & set(ranked[:k])) / len(good) if good else 0.0


@dataclass
class EvalResult:
    rfqs: int = 0  #: RFQs with at least one graded vendor (the metric denominator)
    ndcg10: float = 0.0
    p5: float = 0.0
    r8: float = 0.0
    violations: int = 0  #: invited (top K) vendors outside eligible.tsv, over every RFQ
    k: int = 8
    seconds_per_rfq: list[float] = field(default_factory=list)
    load_seconds: float = 0.0

    def report(self) -> str:
        times = sorted(self.seconds_per_rfq) or [0.0]
        p50 = times[len(times) // 2] * 1000
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))] * 1000
        return (f"rfqs={self.rfqs} nDCG@10={self.ndcg10:.3f} P@5(g>=2)={self.p5:.3f} R@8(g>=2)={self.r8:.3f} "
                f"filter_violations_in_top{self.k}={self.violations}\n"
                f"load={self.load_seconds:.1f}s matching per RFQ: p50={p50:.1f}ms p95={p95:.1f}ms "
                f"({len(self.seconds_per_rfq)} RFQs)")


def score_rankings(data: Dataset, rankings: dict[str, list[str]], k: int) -> EvalResult:
    """The metrics for ``rankings`` (data-set RFQ id -> data-set vendor ids, best first)."""
    res = EvalResult(k=k)
    for q in data.rfqs:
        ranked = rankings.get(q["id"], [])
        res.violations += sum(1 for v in ranked[:k] if v not in data.eligible.get(q["id"], set()))
        rel = data.qrels.get(q["id"], {})
        if not rel:
            continue
        res.rfqs += 1
        res.ndcg10 += ndcg(ranked, rel, 10)
        res.p5 += precision_at(ranked, rel, 5)
        res.r8 += recall_at(ranked, rel, 8)
    if res.rfqs:
        res.ndcg10, res.p5, res.r8 = res.ndcg10 / res.rfqs, res.p5 / res.rfqs, res.r8 / res.rfqs
    return res


# --- loading ------------------------------------------------------------------------------------


def _defaults(table: sa.Table, given: set[str]) -> dict:
    """Python-side defaults for the NOT NULL columns a bulk COPY would otherwise leave empty."""
    out = {}
    for col in table.columns:
        if col.name in given or col.computed is not None or col.server_default is not None:
            continue
        if col.default is not None:
            arg = col.default.arg
            out[col.name] = arg(None) if callable(arg) else arg
    return out


def _copy(cursor, table: sa.Table, rows: list[dict]) -> None:
    if not rows:
        return
    given = set(rows[0])
    fill = _defaults(table, given)
    cols = list(rows[0]) + list(fill)
    json_cols = {c.name for c in table.columns if isinstance(c.type, sa.dialects.postgresql.JSONB)}
    fixed = [Jsonb(v) if k in json_cols else v for k, v in fill.items()]
    with cursor.copy(f'COPY "{table.name}" ({", ".join(cols)}) FROM STDIN') as cp:
        for row in rows:
            cp.write_row([Jsonb(v) if k in json_cols else v for k, v in row.items()] + fixed)


def _search_text(name: str, description: str, sku: str, hs_code: str | None) -> str:
    # the same folded document the catalog service writes (vendors.services.catalog.search_text)
    return " ".join(filter(None, [fold(name), fold(description), fold(sku), hs_code or ""]))


#: the tables whose triggers keep catalog search's table (migration 0027)
_SEARCH_TRIGGERED = ("vendor_profiles", "products", "price_tiers")


def load_into_database(data: Dataset) -> tuple[dict[int, str], dict[str, int]]:
    """Bulk-load ``data`` (COPY) into the current app's database.

    Returns (database vendor id -> data-set vendor id, data-set RFQ id -> database RFQ id).
    """
    md = db.metadata.tables
    orgs, profiles, products, tiers, rfqs, lines = [], [], [], [], [], []
    vendor_ids: dict[str, int] = {}
    next_id = 1
    for v in data.vendors:
        vendor_ids[v["id"]] = next_id
        orgs.append({"id": next_id, "kind": OrgKind.VENDOR, "name": v.get("name") or v["id"]})
        profiles.append({"id": next_id, "legal_name": v.get("name") or v["id"], "regions": list(v.get("regions") or []),
                         "monthly_capacity": v.get("monthly_capacity"),
                         "status": "verified" if v.get("verified") else "unverified"})
        next_id += 1
    buyer_id = next_id
    orgs.append({"id": buyer_id, "kind": OrgKind.BUYER, "name": "Evaluation buyer"})
    tier_id = 1
    for pid, p in enumerate(data.products, start=1):
        vid = vendor_ids[p["vendor_id"]]
        products.append({"id": pid, "vendor_id": vid, "sku": p.get("sku") or f"p{pid}", "name": p["name"],
                         "description": p.get("description") or "", "hs_code": p.get("hs_code"),
                         "unit": p.get("unit") or "piece", "moq": int(p.get("moq") or 1),
                         "currency": p.get("currency") or "VND", "status": "active",
                         "search_text": _search_text(p["name"], p.get("description") or "", p.get("sku") or "",
                                                     p.get("hs_code"))})
        for t in p.get("price_tiers") or []:
            tiers.append({"id": tier_id, "product_id": pid, "min_qty": int(t["min_qty"]),
                          "unit_price": int(str(t["unit_price"]).split(".")[0])})
            tier_id += 1
    rfq_ids: dict[str, int] = {}
    for n, q in enumerate(data.rfqs, start=1):
        rfq_ids[q["id"]] = n
        title = q["title"][:300]
        rfqs.append({"id": n, "buyer_id": buyer_id, "created_by": 1, "title": title,
                     "description": q.get("description") or "", "currency": q.get("currency") or "VND",
                     "delivery_region": q.get("delivery_region"), "status": "open",
                     "search_text": fold(f"{title} {q.get('description') or ''}")})
        lines.append({"id": n, "rfq_id": n, "line_no": 1, "description": title, "hs_code": q.get("hs_code_hint"),
                      "quantity": int(q["quantity"]), "unit": q.get("unit") or "piece"})
    users = [{"id": 1, "email": "eval@example.invalid", "name": "Evaluation", "password_hash": "!"}]
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        # a bulk load: catalog search's row triggers are off during the COPY (their plans would meet tables
        # without statistics) and its table is rebuilt once at the end, in the same transaction
        for name in _SEARCH_TRIGGERED:
            cur.execute(f'ALTER TABLE "{name}" DISABLE TRIGGER USER')
        for name, rows in (("organizations", orgs), ("users", users), ("vendor_profiles", profiles),
                           ("products", products), ("price_tiers", tiers), ("rfqs", rfqs), ("rfq_lines", lines)):
            _copy(cur, md[name], rows)
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM \"{name}\"))")
        for name in _SEARCH_TRIGGERED:
            cur.execute(f'ALTER TABLE "{name}" ENABLE TRIGGER USER')
        cur.execute("ANALYZE products")
        cur.execute("SELECT product_search_rebuild()")
        raw.commit()
        for name in ("organizations", "vendor_profiles", "products", "price_tiers", "rfqs", "rfq_lines"):
            cur.execute(f'ANALYZE "{name}"')  # fresh statistics, as autovacuum would give a live database
        raw.commit()
    finally:
        raw.close()
    return {db_id: ds_id for ds_id, db_id in vendor_ids.items()}, rfq_ids


def run_matching(data: Dataset, vendor_names: dict[int, str], rfq_ids: dict[str, int], k: int,
                 signals=None) -> tuple[dict[str, list[str]], list[float]]:
    """Run the real ``match_vendors`` for every RFQ; returns rankings (data-set ids) and timings."""
    rankings, times = {}, []
    for q in data.rfqs:
        rfq = db.session.get(Rfq, rfq_ids[q["id"]])
        started = time.perf_counter()
        ranked = match_vendors(rfq, max(k, 10), signals=SIGNALS if signals is None else signals)
        times.append(time.perf_counter() - started)
        rankings[q["id"]] = [vendor_names[r["vendor_id"]] for r in ranked]
        db.session.rollback()  # matching only reads; keep the session small
    return rankings, times


def evaluate_matching(path: str, k: int, server_url: str, redis_url: str | None = None, signals=None,
                      keep: bool = False, echo=print) -> EvalResult:
    """Load ``path`` into a fresh scratch database on ``server_url``, match every RFQ, score, drop it."""
    data = load_dataset(path)
    name = f"mkt_eval_{os.getpid()}"
    url = create_database(server_url, name, replace=True)
    try:
        app = create_app({"DATABASE_URL": url, "REDIS_URL": redis_url, "VENDOR_INVITES_PER_WEEK": 10**6})
        with app.app_context():
            upgrade(revision="heads")
            started = time.perf_counter()
            vendor_names, rfq_ids = load_into_database(data)
            load_seconds = time.perf_counter() - started
            echo(f"loaded {len(data.vendors)} vendors, {len(data.products)} products, {len(data.rfqs)} RFQs "
                 f"into {name} in {load_seconds:.1f}s")
            if signals is None or "hs_inferred" in signals:
                # what the sweeper's training job does on a live marketplace
                started = time.perf_counter()
                model = train_hs_classifier()
                db.session.commit()
                if model is not None:
                    echo(f"HS classifier: {model.products} coded listings, {model.classes} subheadings, held-out "
                         f"accuracy {model.accuracy_6:.3f} (subheading) / {model.accuracy_4:.3f} (heading), "
                         f"trained and inferred in {time.perf_counter() - started:.1f}s")
            rankings, times = run_matching(data, vendor_names, rfq_ids, k, signals)
            db.session.remove()
            db.engine.dispose()
        result = score_rankings(data, rankings, k)
        result.seconds_per_rfq, result.load_seconds = times, load_seconds
        return result
    finally:
        if not keep:
            drop_database(url)
