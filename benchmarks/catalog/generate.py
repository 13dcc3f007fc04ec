"""Generate a large catalog straight into PostgreSQL with COPY: V verified vendors, N active products.

Usage: python -m benchmarks.catalog.generate DATABASE_URL [--products 1000000] [--vendors 10000]

Rows look like real listings (Vietnamese and English names, HS codes, tiers, regions) so that
full-text search, filters and sorting have realistic selectivity. The GIN indexes are dropped during
the load and rebuilt afterwards (the usual bulk-load practice); the search table's triggers are off
during the load and the table is rebuilt once at the end (``product_search_rebuild()``).
"""

from __future__ import annotations

import argparse
import random
import time

import psycopg

from marketplace.text import fold

NOUNS = [("Máy cắt laser", "laser cutting machine", "845611"), ("Vòng bi", "ball bearing", "848210"),
         ("Thép cuộn cán nóng", "hot-rolled steel coil", "720839"), ("Thép thanh vằn", "deformed rebar", "721420"),
         ("Thùng carton", "corrugated carton box", "481910"), ("Pallet gỗ", "wooden pallet", "441510"),
         ("Ống thép", "steel pipe", "730630"), ("Bu lông", "bolt", "731815"), ("Động cơ điện", "electric motor", "850152"),
         ("Máy bơm nước", "water pump", "841370"), ("Dây cáp điện", "electric cable", "854449"),
         ("Sơn chống gỉ", "anti-rust paint", "320890"), ("Găng tay bảo hộ", "safety gloves", "611610"),
         ("Vải cotton", "cotton fabric", "520812"), ("Hạt nhựa PP", "PP resin pellets", "390210"),
         ("Xi măng", "portland cement", "252329"), ("Gạch men", "ceramic tile", "690721"),
         ("Cà phê nhân", "green coffee beans", "090111"), ("Gạo trắng", "white rice", "100630"),
         ("Hạt điều", "cashew nuts", "080132")]
ADJ = [("loại 1", "grade A"), ("cao cấp", "premium"), ("công nghiệp", "industrial"), ("chịu nhiệt", "heat resistant"),
       ("không gỉ", "stainless"), ("tiêu chuẩn", "standard"), ("xuất khẩu", "export"), ("mini", "compact")]
REGIONS = ["VN-SG", "VN-HN", "VN-DN", "VN-HP", "VN-CT", "VN-57", "VN-39", "VN"]
UNITS = ["piece", "set", "tonne", "kg", "box", "roll", "m"]


def product_row(rng: random.Random, i: int) -> tuple:
    vi, en, hs = rng.choice(NOUNS)
    avi, aen = rng.choice(ADJ)
    size = rng.randint(1, 2000)
    name = f"{en} {aen} {size}"
    name_vi = f"{vi} {avi} {size}"
    moq = rng.choice([1, 1, 5, 10, 50, 100, 500, 1000])
    price = rng.randint(1, 50_000) * 100
    stock = rng.choice([None, 0, rng.randint(1, 100_000)])
    return name, name_vi, hs, moq, price, stock


def generate(conn: psycopg.Connection, products: int, vendors: int, seed: int = 7) -> dict:
    rng = random.Random(seed)
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) FROM organizations")
        base_org = cur.fetchone()[0]
        cur.execute("SELECT coalesce(max(id), 0) FROM products")
        base_product = cur.fetchone()[0]
        with cur.copy("COPY organizations (id, kind, name, country, currency, locale, created_at, updated_at) FROM STDIN") as cp:
            for v in range(1, vendors + 1):
                cp.write_row((base_org + v, "vendor", f"Bench Vendor {v}", "VN", "VND", "vi", "now", "now"))
        with cur.copy("COPY vendor_profiles (id, legal_name, regions, certifications, status, version, addresses, "
                      "category_ids, created_at, updated_at, verified_at) FROM STDIN") as cp:
            for v in range(1, vendors + 1):
                regions = sorted(set(rng.sample(REGIONS, rng.randint(1, 3))))
                cp.write_row((base_org + v, f"Bench Vendor {v} Co., Ltd", regions, ["ISO 9001"] if v % 3 == 0 else [],
                              "verified", 1, "[]", [], "now", "now", "now"))
        cur.execute("SELECT setval(pg_get_serial_sequence('organizations', 'id'), %s)", (base_org + vendors,))
        cur.execute("DROP INDEX IF EXISTS ix_products_search")
        cur.execute("DROP INDEX IF EXISTS ix_product_search_vector")
        cur.execute("ALTER TABLE products DISABLE TRIGGER USER")
        cur.execute("ALTER TABLE price_tiers DISABLE TRIGGER USER")
        with cur.copy("COPY products (id, vendor_id, sku, name, name_vi, description, hs_code, unit, pack_size, moq, "
                      "stock_qty, currency, status, search_text, created_at, updated_at) FROM STDIN") as cp:
            for i in range(1, products + 1):
                pid = base_product + i
                name, name_vi, hs, moq, _, stock = product_row(rng, i)
                vendor = base_org + 1 + (i % vendors)
                search = " ".join((fold(name), fold(name_vi), f"sku {i:07d}", hs))
                cp.write_row((pid, vendor, f"SKU-{i:07d}", name, name_vi, "", hs, rng.choice(UNITS), 1, moq, stock,
                              "VND", "active", search, "now", "now"))
        # two tiers per product, priced from the id (one COPY per connection at a time, so derive in SQL)
        cur.execute("""INSERT INTO price_tiers (product_id, min_qty, unit_price)
                       SELECT id, moq, ((id * 7919) %% 50000 + 1) * 100 FROM products WHERE id > %(b)s
                       UNION ALL
                       SELECT id, moq * 10, ((id * 7919) %% 50000 + 1) * 90 FROM products WHERE id > %(b)s""",
                    {"b": base_product})
        cur.execute("SELECT setval(pg_get_serial_sequence('products', 'id'), %s)", (base_product + products,))
        cur.execute("CREATE INDEX ix_products_search ON products USING gin (search_vector)")
        cur.execute("ALTER TABLE products ENABLE TRIGGER USER")
        cur.execute("ALTER TABLE price_tiers ENABLE TRIGGER USER")
        cur.execute("SELECT product_search_rebuild()")
        cur.execute("CREATE INDEX ix_product_search_vector ON product_search USING gin (search_vector)")
        cur.execute("ANALYZE organizations, vendor_profiles, products, price_tiers, product_search")
    conn.commit()
    # as a long-lived table would be: hint bits set and the visibility map current (else the first
    # searches after the load write every page they read)
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE product_search")
    conn.autocommit = False
    return {"products": products, "vendors": vendors, "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--vendors", type=int, default=10_000)
    args = parser.parse_args()
    url = args.database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        print(generate(conn, args.products, args.vendors))


if __name__ == "__main__":
    main()
