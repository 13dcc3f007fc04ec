"""catalog search: the narrow ``product_search`` table, kept in sync by triggers, backfilled

One row per listed product (active, of a verified vendor) with only what search reads: the weighted
tsvector (names weight A, the rest D), the filters' columns (the region filter reads the vendors), the public tiers
as two sorted arrays (price at any quantity without a join) and the price at MOQ (price sort and
filters through an index). Statement-level triggers on ``products``, ``price_tiers`` and
``vendor_profiles`` keep it in step inside the writer's own transaction, whatever writes (the ORM,
the bulk import's set-based statements, ``COPY``); ``product_search_rebuild()`` rebuilds it whole.

Revision ID: 0027
Revises: 0026
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

#: Python's marketplace.text.fold in SQL (NFKD, combining marks dropped, đ -> d, non-words -> one space);
#: used only for the names' weight, matching itself reads products.search_vector (folded in Python)
FOLD = r"""
CREATE OR REPLACE FUNCTION search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT btrim(regexp_replace(lower(regexp_replace(normalize(
               replace(replace(replace(translate(coalesce(t, ''), 'đĐøØłŁ', 'dDoOlL'), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe'),
               NFKD), '[\u0300-\u036f]', '', 'g')), '[^0-9a-z]+', ' ', 'g'))
$$"""

#: the row of each listed product among ``ids``
ROWS = """
    SELECT p.id, p.vendor_id,
           setweight(p.search_vector, 'A',
                     tsvector_to_array(to_tsvector('simple', search_fold(p.name) || ' ' || search_fold(p.name_vi)))),
           p.currency, t.price[width_bucket(p.moq, t.qty)], t.qty, t.price, p.moq, p.stock_qty, p.category_id,
           p.hs_code, p.created_at
    FROM products p JOIN vendor_profiles v ON v.id = p.vendor_id
    LEFT JOIN LATERAL (SELECT array_agg(min_qty ORDER BY min_qty) AS qty, array_agg(unit_price ORDER BY min_qty) AS price
                       FROM price_tiers WHERE product_id = p.id) t ON true
    WHERE p.status = 'active' AND v.status = 'verified'"""
COLUMNS = ("product_id, vendor_id, search_vector, currency, price, tier_qty, tier_price, moq, stock_qty, "
           "category_id, hs_code, created_at")
UPSERT_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS.split(", ")[1:])

FUNCTIONS = [
    FOLD,
    # the price at MOQ is the tier price at the highest break not above the MOQ
    f"""
CREATE OR REPLACE FUNCTION product_search_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    -- Serialise with every other writer of these products (a tier written by another transaction,
    -- an edit) and with a change of their vendors' status; each statement below then reads the
    -- latest committed rows (READ COMMITTED takes a snapshot per statement), so the last writer
    -- to commit leaves the row of what it committed.
    PERFORM 1 FROM products WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM vendor_profiles WHERE id IN (SELECT vendor_id FROM products WHERE id = ANY(ids))
        ORDER BY id FOR SHARE;
    DELETE FROM product_search s WHERE s.product_id = ANY(ids) AND NOT EXISTS (
        SELECT 1 FROM products p JOIN vendor_profiles v ON v.id = p.vendor_id
        WHERE p.id = s.product_id AND p.status = 'active' AND v.status = 'verified');
    INSERT INTO product_search ({COLUMNS})
    {ROWS} AND p.id IN (SELECT unnest(ids))
    ON CONFLICT (product_id) DO UPDATE SET {UPSERT_SET};
END $$""",
    f"""
CREATE OR REPLACE FUNCTION product_search_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    -- readers keep the old rows until commit; writers of product_search wait
    LOCK TABLE product_search IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM product_search;
    INSERT INTO product_search ({COLUMNS})
    {ROWS};
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$""",
    """
CREATE OR REPLACE FUNCTION product_search_products_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM product_search_refresh(ARRAY(SELECT id FROM new_rows));
    ELSE  -- UPDATE: only rows whose searched columns changed
        PERFORM product_search_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE (n.vendor_id, n.status, n.name, n.name_vi, n.search_text, n.currency, n.moq, n.stock_qty,
                   n.category_id, n.hs_code, n.created_at)
                  IS DISTINCT FROM
                  (o.vendor_id, o.status, o.name, o.name_vi, o.search_text, o.currency, o.moq, o.stock_qty,
                   o.category_id, o.hs_code, o.created_at)));
    END IF;
    RETURN NULL;
END $$""",
    # tiers change only the price columns: the same locks as a refresh, then those columns
    """
CREATE OR REPLACE FUNCTION product_search_reprice(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM products WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    PERFORM 1 FROM vendor_profiles WHERE id IN (SELECT vendor_id FROM products WHERE id = ANY(ids))
        ORDER BY id FOR SHARE;
    UPDATE product_search s SET price = t.price[width_bucket(s.moq, t.qty)], tier_qty = t.qty, tier_price = t.price
    FROM (SELECT k.id, array_agg(pt.min_qty ORDER BY pt.min_qty) FILTER (WHERE pt.id IS NOT NULL) AS qty,
                 array_agg(pt.unit_price ORDER BY pt.min_qty) FILTER (WHERE pt.id IS NOT NULL) AS price
          FROM unnest(ids) AS k(id) LEFT JOIN price_tiers pt ON pt.product_id = k.id GROUP BY k.id) t
    WHERE s.product_id = t.id;
END $$""",
    """
CREATE OR REPLACE FUNCTION product_search_tiers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM product_search_reprice(ARRAY(SELECT DISTINCT product_id FROM new_rows ORDER BY 1));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM product_search_reprice(ARRAY(SELECT DISTINCT product_id FROM old_rows ORDER BY 1));
    ELSE
        PERFORM product_search_reprice(ARRAY(SELECT product_id FROM new_rows UNION SELECT product_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$""",
    # A vendor's status: its rows only (no product lock: product writers take this
    # vendor's row FOR SHARE before they write theirs, so the two never interleave).
    f"""
CREATE OR REPLACE FUNCTION product_search_vendors_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM product_search s USING new_rows n
        WHERE s.vendor_id = n.id AND n.status <> 'verified';
    INSERT INTO product_search ({COLUMNS})
    {ROWS} AND v.id IN (SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
                        WHERE n.status = 'verified' AND o.status IS DISTINCT FROM 'verified')
    ON CONFLICT (product_id) DO UPDATE SET {UPSERT_SET};
    RETURN NULL;
END $$""",
]

TRIGGERS = [
    ("products", "INSERT", "REFERENCING NEW TABLE AS new_rows", "product_search_products_changed"),
    ("products", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "product_search_products_changed"),
    ("price_tiers", "INSERT", "REFERENCING NEW TABLE AS new_rows", "product_search_tiers_changed"),
    ("price_tiers", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "product_search_tiers_changed"),
    ("price_tiers", "DELETE", "REFERENCING OLD TABLE AS old_rows", "product_search_tiers_changed"),
    ("vendor_profiles", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
     "product_search_vendors_changed"),
]


def upgrade():
    op.create_table(
        "product_search",
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("vendor_id", sa.BigInteger(), nullable=False),
        sa.Column("search_vector", postgresql.TSVECTOR(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=True),
        sa.Column("tier_qty", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.Column("tier_price", postgresql.ARRAY(sa.BigInteger()), nullable=True),
        sa.Column("moq", sa.BigInteger(), nullable=False),
        sa.Column("stock_qty", sa.BigInteger(), nullable=True),
        sa.Column("category_id", sa.BigInteger(), nullable=True),
        sa.Column("hs_code", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE",
                                name=op.f("fk_product_search_product_id_products")),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_search")),
    )
    for sql in FUNCTIONS:
        op.execute(sql)
    op.execute("SELECT product_search_rebuild()")
    create_indexes()
    for table, event, referencing, function in TRIGGERS:
        op.execute(f"CREATE TRIGGER product_search_{event.lower()} AFTER {event} ON {table} {referencing} "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    op.execute("ANALYZE product_search")


def create_indexes():
    op.create_index("ix_product_search_vector", "product_search", ["search_vector"], postgresql_using="gin")
    op.create_index("ix_product_search_created", "product_search", ["created_at", "product_id"])
    op.create_index("ix_product_search_price", "product_search",
                    ["currency", sa.text("coalesce(price, 4611686018427387904)"), "product_id"])
    op.create_index("ix_product_search_vendor", "product_search", ["vendor_id", "created_at"])
    op.create_index("ix_product_search_category", "product_search", ["category_id", "created_at"])


def downgrade():
    for table, event, _, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER product_search_{event.lower()} ON {table}")
    op.drop_table("product_search")
    for name in ("product_search_vendors_changed()", "product_search_tiers_changed()",
                 "product_search_products_changed()", "product_search_rebuild()", "product_search_reprice(bigint[])",
                 "product_search_refresh(bigint[])",
                 "search_fold(text)"):
        op.execute(f"DROP FUNCTION IF EXISTS {name}")
