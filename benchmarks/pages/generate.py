"""Generate D deals (and the RFQs, quotes, milestones, shipments, disputes and events around them) and C RFQs
with several quotes each, in set-based SQL (``INSERT ... SELECT generate_series``), next to a catalog made by
``benchmarks/catalog/generate.py``.

The rows are shaped like the ones the services write (the demo seed's rows were the model: terms, payment
terms, dispute scope, shipment lines, events), so every page reads them as it would real ones. The ledger is
**not** written: a read benchmark does not need it consistent, and the deal and dispute pages show empty
ledger summaries for these deals (the demo seed's own deals have theirs).

Deals are spread over B buyers and the catalog's vendors, created over the last year, in every state:

    awaiting_approval 2 %, awaiting_payment 10 %, funded 15 %, shipped 12 %, delivered 8 %, accepted 5 %,
    released 20 %, closed 15 %, cancelled 5 %, disputed 3 % (a live dispute each), resolved 3 % (a resolved
    dispute each), refunded 2 %

Deals past shipment have a shipment (and its line); every deal has its awarded RFQ (one line), its accepted quote
(one line), one milestone and one to five events on its timeline.
"""

from __future__ import annotations

import time

import psycopg

#: (status, share in percent) of the generated deals, in the order of the buckets of ``n % 100``
DEAL_STATES = [("awaiting_approval", 2), ("awaiting_payment", 10), ("funded", 15), ("shipped", 12),
               ("delivered", 8), ("accepted", 5), ("released", 20), ("closed", 15), ("cancelled", 5),
               ("disputed", 3), ("resolved", 3), ("refunded", 2)]
PAST_SHIPMENT = ("shipped", "delivered", "accepted", "released", "closed", "disputed", "resolved")
#: a live dispute's status, cycled over the disputed deals (open: a response deadline; negotiating: one to agree)
LIVE_DISPUTES = ("open", "negotiating", "escalated", "under_review")
#: the milestone of a deal in each state
MILESTONE = {"awaiting_approval": "pending", "awaiting_payment": "awaiting_payment", "cancelled": "cancelled",
             "refunded": "refunded", "released": "released", "closed": "released", "resolved": "split"}


def _case(column: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"(CASE {column} {whens} ELSE '{default}' END)"


def _state_case() -> str:
    whens, upto = [], 0
    for status, share in DEAL_STATES:
        upto += share
        whens.append(f"WHEN g %% 100 < {upto} THEN '{status}'")
    return "(CASE " + " ".join(whens) + " END)"


def generate(conn: psycopg.Connection, deals: int, buyers: int, compare_rfqs: int, quotes_per_rfq: int = 5) -> dict:
    """Write buyers (an owner each, with the demo buyer's password hash), deals and comparison RFQs."""
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT password_hash FROM users ORDER BY id LIMIT 1")
        password_hash = cur.fetchone()[0]
        # the catalog's vendors, numbered
        cur.execute("CREATE TEMP TABLE bv AS SELECT (row_number() OVER (ORDER BY id)) - 1 AS n, id FROM vendor_profiles "
                    "WHERE legal_name LIKE 'Bench Vendor %'")
        cur.execute("SELECT count(*) FROM bv")
        vendors = cur.fetchone()[0]
        cur.execute("CREATE UNIQUE INDEX ON bv (n)")
        # buyers: an organisation and its owner each
        cur.execute("CREATE TEMP TABLE bb AS SELECT g - 1 AS n, nextval('organizations_id_seq') AS id, "
                    "nextval('users_id_seq') AS user_id FROM generate_series(1, %s) g", (buyers,))
        cur.execute("CREATE UNIQUE INDEX ON bb (n)")
        cur.execute("INSERT INTO organizations (id, kind, name, country, currency, locale, created_at, updated_at) "
                    "SELECT id, 'buyer', 'Bench Buyer ' || n, 'VN', 'VND', 'vi', now(), now() FROM bb")
        cur.execute("INSERT INTO users (id, email, name, password_hash, locale, is_active, created_at, updated_at) "
                    "SELECT user_id, 'bench-buyer-' || n || '@bench.test', 'Bench Buyer ' || n, %s, 'vi', true, now(), "
                    "now() FROM bb", (password_hash,))
        cur.execute("INSERT INTO memberships (user_id, org_id, role, created_at, updated_at) "
                    "SELECT user_id, id, 'owner', now(), now() FROM bb")

        # one row per deal with every id it needs, then each table from it
        cur.execute(f"""
            CREATE TEMP TABLE dd AS
            SELECT g AS n, nextval('deals_id_seq') AS id, nextval('rfqs_id_seq') AS rfq_id,
                   nextval('rfq_lines_id_seq') AS rfq_line_id, nextval('quotes_id_seq') AS quote_id,
                   nextval('quote_lines_id_seq') AS quote_line_id, nextval('deal_lines_id_seq') AS deal_line_id,
                   b.id AS buyer_id, b.user_id AS buyer_user, v.id AS vendor_id, {_state_case()} AS status,
                   (g * 37) %% 990 + 10 AS qty, ((g * 7919) %% 50000 + 1) * 100 AS unit_price,
                   now() - make_interval(mins => ((%(d)s - g) * 525600 / %(d)s)::int) AS created_at
            FROM generate_series(0::bigint, %(d)s::bigint - 1) g
            JOIN bb b ON b.n = g %% %(b)s JOIN bv v ON v.n = (g * 7) %% %(v)s""", {"d": deals, "b": buyers, "v": vendors})
        cur.execute("CREATE UNIQUE INDEX ON dd (id)")
        cur.execute("""
            INSERT INTO rfqs (id, buyer_id, created_by, title, description, currency, delivery_region, incoterm,
                              quote_deadline, visibility, status, search_text, published_at, version, created_at,
                              updated_at)
            SELECT rfq_id, buyer_id, buyer_user, 'Bench RFQ ' || n, 'Bench purchase ' || n, 'VND', 'VN-SG', 'DAP',
                   created_at, 'invite_only', 'awarded', 'bench rfq ' || n, created_at - interval '3 days', 1,
                   created_at - interval '5 days', created_at FROM dd""")
        cur.execute("""
            INSERT INTO quotes (id, rfq_id, vendor_id, status, revision, currency, incoterm, freight, lead_time_days,
                                valid_until, payment_terms, notes, version, created_at, updated_at)
            SELECT quote_id, rfq_id, vendor_id, 'accepted', 1, 'VND', 'DAP', 1000000, 7, created_at + interval '30 days',
                   '[{"due": "before_shipment", "name": "full", "percent": 100}]', '', 1, created_at - interval '2 days',
                   created_at FROM dd""")
        cur.execute("""
            INSERT INTO rfq_lines (id, rfq_id, line_no, description, hs_code, quantity, unit)
            SELECT rfq_line_id, rfq_id, 1, 'Vòng bi 6205-2RS lô ' || n, '848210', qty, 'piece' FROM dd""")
        cur.execute("""
            INSERT INTO quote_lines (id, quote_id, rfq_line_id, unit_price, quantity, notes)
            SELECT quote_line_id, quote_id, rfq_line_id, unit_price, qty, '' FROM dd""")
        cur.execute("UPDATE rfq_lines l SET awarded_quote_line_id = dd.quote_line_id FROM dd WHERE l.id = dd.rfq_line_id")
        cur.execute("""
            INSERT INTO deals (id, rfq_id, quote_id, buyer_id, vendor_id, status, currency, subtotal, freight, total,
                               commission_bps, terms, gateway, ship_by_at, delivered_at, version, created_at, updated_at,
                               source)
            SELECT id, rfq_id, quote_id, buyer_id, vendor_id, status, 'VND', qty * unit_price, 1000000,
                   qty * unit_price + 1000000, 500,
                   '{"incoterm": "DAP", "named_place": null, "payment_terms": [{"due": "before_shipment",
                     "name": "full", "percent": 100}], "lead_time_days": 7, "quote_revision": 1,
                     "delivery_region": "VN-SG", "delivery_address": null}',
                   CASE WHEN status = 'awaiting_approval' THEN NULL ELSE 'bank_transfer' END,
                   created_at + interval '14 days',
                   CASE WHEN status IN ('delivered', 'accepted', 'released', 'closed', 'disputed', 'resolved')
                        THEN created_at + interval '10 days' END,
                   1, created_at, created_at, 'rfq' FROM dd""")
        cur.execute("""
            INSERT INTO deal_lines (id, deal_id, rfq_line_id, description, quantity, unit, unit_price, amount)
            SELECT deal_line_id, id, rfq_line_id, 'Vòng bi 6205-2RS lô ' || n, qty, 'piece', unit_price, qty * unit_price
            FROM dd""")
        milestone = _case("status", MILESTONE, "funded")
        cur.execute(f"""
            INSERT INTO milestones (deal_id, seq, name, percent, due, amount, status, payment_reference, funded_at,
                                    released_amount, commission_amount, refunded_amount)
            SELECT id, 1, 'full', 100, 'before_shipment', qty * unit_price + 1000000, {milestone}, 'BN' || id,
                   CASE WHEN {milestone} NOT IN ('pending', 'awaiting_payment', 'cancelled')
                        THEN created_at + interval '1 day' END,
                   CASE WHEN {milestone} = 'released' THEN (qty * unit_price + 1000000) * 95 / 100
                        WHEN {milestone} = 'split' THEN (qty * unit_price + 1000000) / 2 ELSE 0 END,
                   CASE WHEN {milestone} = 'released' THEN (qty * unit_price + 1000000) * 5 / 100 ELSE 0 END,
                   CASE WHEN {milestone} = 'refunded' THEN qty * unit_price + 1000000
                        WHEN {milestone} = 'split' THEN (qty * unit_price + 1000000) / 2 ELSE 0 END
            FROM dd""")
        past = ", ".join(f"'{s}'" for s in PAST_SHIPMENT)
        cur.execute(f"""
            CREATE TEMP TABLE ss AS SELECT nextval('shipments_id_seq') AS shipment_id, dd.* FROM dd
            WHERE status IN ({past})""")
        cur.execute("""
            INSERT INTO shipments (id, deal_id, carrier, tracking_number, status, raw_status, last_event_at,
                                   delivered_at, details, created_at, updated_at, buyer_id, vendor_id, direction,
                                   reference, poll_failures)
            SELECT shipment_id, id, 'manual', 'BENCH-' || id, CASE WHEN status = 'shipped' THEN 'in_transit'
                   ELSE 'delivered' END, NULL, created_at + interval '9 days',
                   CASE WHEN status = 'shipped' THEN NULL ELSE created_at + interval '10 days' END,
                   '{"note": ""}', created_at + interval '5 days', created_at + interval '10 days', buyer_id,
                   vendor_id, 'forward', 'MKT-D' || id || '-S1', 0 FROM ss""")
        cur.execute("INSERT INTO shipment_lines (shipment_id, deal_line_id, quantity) "
                    "SELECT shipment_id, deal_line_id, qty FROM ss")
        live = "ARRAY[" + ", ".join(f"'{s}'" for s in LIVE_DISPUTES) + "]"
        cur.execute(f"""
            INSERT INTO disputes (deal_id, opened_by, status, reason, description, decision, decided_by, decided_at,
                                  resolved_at, version, created_at, updated_at, buyer_id, vendor_id, currency,
                                  opened_by_party, requested_outcome, claimed_amount, scope, deadline_at,
                                  deadline_kind)
            SELECT id, buyer_user,
                   CASE WHEN status = 'resolved' THEN 'resolved' ELSE ({live})[n % {len(LIVE_DISPUTES)} + 1] END,
                   'quantity_short', 'Thiếu hàng: nhận ' || (qty - 1) || ' trên ' || qty,
                   CASE WHEN status = 'resolved' THEN jsonb_build_object('outcome', 'split', 'allocations',
                        jsonb_build_array(jsonb_build_object('party', 'vendor', 'amount', (qty * unit_price + 1000000) / 2),
                                          jsonb_build_object('party', 'buyer', 'amount',
                                              qty * unit_price + 1000000 - (qty * unit_price + 1000000) / 2)),
                        'held', qty * unit_price + 1000000, 'note', 'Bench decision') END,
                   NULL, CASE WHEN status = 'resolved' THEN created_at + interval '20 days' END,
                   CASE WHEN status = 'resolved' THEN created_at + interval '21 days' END,
                   1, created_at + interval '11 days', created_at + interval '11 days', buyer_id, vendor_id, 'VND',
                   'buyer', 'partial_refund', unit_price,
                   jsonb_build_array(jsonb_build_object('unit', 'piece', 'amount', unit_price, 'quantity', 1,
                                     'unit_price', unit_price, 'description', 'Vòng bi 6205-2RS lô ' || n,
                                     'deal_line_id', deal_line_id)),
                   CASE WHEN status = 'disputed' AND n % 4 < 2 THEN now() + make_interval(hours => (n % 240)::int - 48)
                   END, CASE WHEN status = 'disputed' AND n % 4 = 0 THEN 'response'
                             WHEN status = 'disputed' AND n % 4 = 1 THEN 'negotiation' END
            FROM dd WHERE status IN ('disputed', 'resolved')""")
        # the deal's timeline: created, funded, shipped, delivered, disputed, as far as its state went
        cur.execute("""
            INSERT INTO events (subject_type, subject_id, name, from_state, to_state, actor_role, actor_user_id,
                                actor_org_id, payload, at)
            SELECT 'deal', id, 'create', NULL, 'awaiting_payment', 'buyer', buyer_user, buyer_id,
                   jsonb_build_object('total', (qty * unit_price + 1000000)::text, 'currency', 'VND',
                                      'approved_by', NULL), created_at FROM dd
            UNION ALL
            SELECT 'deal', id, 'fund', 'awaiting_payment', 'funded', 'system', NULL, NULL, '{}',
                   created_at + interval '1 day' FROM dd
            WHERE status NOT IN ('awaiting_approval', 'awaiting_payment', 'cancelled')
            UNION ALL
            SELECT 'deal', id, 'ship', 'funded', 'shipped', 'vendor', NULL, vendor_id,
                   jsonb_build_object('shipment_id', shipment_id, 'tracking_number', 'BENCH-' || id),
                   created_at + interval '5 days' FROM ss
            UNION ALL
            SELECT 'deal', id, 'confirm_delivery', 'shipped', 'delivered', 'buyer', buyer_user, buyer_id, '{}',
                   created_at + interval '10 days' FROM ss WHERE status <> 'shipped'
            UNION ALL
            SELECT 'deal', id, 'open_dispute', 'delivered', 'disputed', 'buyer', buyer_user, buyer_id,
                   '{"reason": "quantity_short", "opened_by_party": "buyer"}', created_at + interval '11 days' FROM dd
            WHERE status IN ('disputed', 'resolved')""")

        # RFQs to compare: closed, two lines, ``quotes_per_rfq`` live quotes from different vendors
        cur.execute("""
            CREATE TEMP TABLE cr AS SELECT g AS n, nextval('rfqs_id_seq') AS rfq_id, b.id AS buyer_id,
                   b.user_id AS buyer_user FROM generate_series(0, %(c)s - 1) g JOIN bb b ON b.n = g %% %(b)s""",
                    {"c": compare_rfqs, "b": buyers})
        cur.execute("""
            INSERT INTO rfqs (id, buyer_id, created_by, title, description, currency, delivery_region, incoterm,
                              quote_deadline, visibility, status, search_text, published_at, version, created_at,
                              updated_at)
            SELECT rfq_id, buyer_id, buyer_user, 'Thùng carton và pallet ' || n, 'Cartons and pallets ' || n, 'VND',
                   'VN-SG', 'DAP', now() - interval '1 day', 'invite_only', 'closed', 'thung carton pallet ' || n,
                   now() - interval '8 days', 1, now() - interval '9 days', now() - interval '1 day' FROM cr""")
        cur.execute("""
            INSERT INTO rfq_lines (rfq_id, line_no, description, hs_code, quantity, unit)
            SELECT rfq_id, k, CASE k WHEN 1 THEN 'Thùng carton 5 lớp 60x40x40' ELSE 'Pallet gỗ 1200x800' END,
                   CASE k WHEN 1 THEN '481910' ELSE '441510' END, CASE k WHEN 1 THEN 20000 ELSE 500 END, 'piece'
            FROM cr CROSS JOIN generate_series(1, 2) k""")
        cur.execute("""
            INSERT INTO quotes (rfq_id, vendor_id, status, revision, currency, incoterm, freight, lead_time_days,
                                valid_until, payment_terms, notes, version, created_at, updated_at)
            SELECT rfq_id, v.id, 'submitted', 1, 'VND', 'DAP', 3000000 + q * 100000, 7 + q, now() + interval '20 days',
                   '[{"due": "before_shipment", "name": "full", "percent": 100}]', '', 1, now() - interval '3 days',
                   now() - interval '3 days'
            FROM cr CROSS JOIN generate_series(0, %(k)s - 1) q JOIN bv v ON v.n = (cr.n * 13 + q * 101) %% %(v)s""",
                    {"k": quotes_per_rfq, "v": vendors})
        cur.execute("""
            INSERT INTO quote_lines (quote_id, rfq_line_id, unit_price, quantity, notes)
            SELECT q.id, l.id, CASE l.line_no WHEN 1 THEN 11000 + (q.id % 20) * 100 ELSE 160000 + (q.id % 20) * 1000 END,
                   l.quantity, '' FROM quotes q JOIN cr ON cr.rfq_id = q.rfq_id JOIN rfq_lines l ON l.rfq_id = q.rfq_id""")
        for table in ("organizations", "users", "memberships", "rfqs", "rfq_lines", "quotes", "quote_lines", "deals",
                      "deal_lines", "milestones", "shipments", "shipment_lines", "disputes", "events"):
            cur.execute(f"ANALYZE {table}")
        cur.execute("SELECT status, count(*) FROM disputes GROUP BY 1 ORDER BY 1")
        disputes = dict(cur.fetchall())
    conn.commit()
    return {"deals": deals, "buyers": buyers, "compare_rfqs": compare_rfqs, "quotes_per_rfq": quotes_per_rfq,
            "disputes": disputes, "seconds": round(time.perf_counter() - started, 1)}


def sample(conn: psycopg.Connection, buyers: list[int], n: int = 2000) -> dict:
    """Random ids from the generated data for the load: deals and comparison RFQs of ``buyers`` (the ones the
    benchmark has sessions for), as ``(id, buyer_id)``."""
    with conn.cursor() as cur:
        cur.execute("SELECT id, buyer_id FROM deals WHERE buyer_id = ANY(%s) ORDER BY random() LIMIT %s", (buyers, n))
        deals = cur.fetchall()
        cur.execute("SELECT id, buyer_id FROM rfqs WHERE status = 'closed' AND buyer_id = ANY(%s) ORDER BY random() "
                    "LIMIT %s", (buyers, n))
        rfqs = cur.fetchall()
    return {"deals": deals, "rfqs": rfqs}
