"""RFQ-to-vendor matching: hard filters in SQL, then a ranking with a readable rationale.

Hard filters (a vendor failing one is never invited): verified; serves the delivery region (or its
whole country); has an active product whose minimum order quantity fits the requested quantity;
monthly capacity (when stated) covers the quantity.

Ranking: text relevance of the vendor's catalog to the RFQ (accent-folded core full-text search),
plus the HS structure when the RFQ gives a code.
"""

from __future__ import annotations

from sqlalchemy import text

from ..extensions import db
from ..text import fold

_STOP = {"need", "looking", "for", "rfq", "request", "quotation", "supply", "of", "the", "and", "or", "a", "an",
         "to", "in", "with", "other", "than", "not", "cần", "can", "mua", "bao", "gia"}


def query_terms(rfq) -> list[str]:
    words = [w for w in fold(" ".join([rfq.title, rfq.description or "", *(l.description for l in rfq.lines)])).split()
             if w not in _STOP and len(w) > 1]
    return list(dict.fromkeys(words))[:32]


def match_vendors(rfq, k: int) -> list[dict]:
    """The top ``k`` eligible vendors for ``rfq``, best first, each with its score and rationale."""
    terms = query_terms(rfq)
    quantity = rfq.total_quantity()
    region = rfq.delivery_region
    country = region.split("-", 1)[0] if region else None
    hs_codes = [l.hs_code for l in rfq.lines if l.hs_code]
    rows = db.session.execute(
        text(
            """
            WITH eligible AS (
                SELECT v.id FROM vendor_profiles v
                WHERE v.status = 'verified'
                  AND (CAST(:region AS text) IS NULL OR v.regions && ARRAY[CAST(:region AS varchar), CAST(:country AS varchar)])
                  AND (v.monthly_capacity IS NULL OR v.monthly_capacity >= :qty)
                  AND EXISTS (SELECT 1 FROM products p WHERE p.vendor_id = v.id AND p.status = 'active'
                              AND p.moq <= :qty)
            ), scored AS (
                SELECT p.vendor_id,
                       max(ts_rank_cd(p.search_vector, q.query)) AS text_score,
                       max(CASE WHEN :hs <> '' AND p.hs_code LIKE :hs || '%' THEN 1.0 ELSE 0 END) AS hs_score
                FROM products p
                JOIN eligible e ON e.id = p.vendor_id
                CROSS JOIN (SELECT to_tsquery('simple', :tsq) AS query) q
                WHERE p.status = 'active' AND (p.search_vector @@ q.query OR (:hs <> '' AND p.hs_code LIKE :hs || '%'))
                GROUP BY p.vendor_id
            )
            SELECT vendor_id, text_score, hs_score FROM scored
            ORDER BY text_score + hs_score DESC, vendor_id
            LIMIT :k
            """
        ),
        {"region": region, "country": country, "qty": quantity, "tsq": " | ".join(terms) or "''",
         "hs": hs_codes[0][:4] if hs_codes else "", "k": k},
    ).all()
    return [
        {"vendor_id": r.vendor_id, "rank": i + 1, "score": round(float(r.text_score + r.hs_score), 6),
         "rationale": {"text": round(float(r.text_score), 6), "hs": float(r.hs_score),
                       "filters": ["verified", "region", "moq", "capacity"]}}
        for i, r in enumerate(rows)
    ]
