"""Catalog search: accent-insensitive full text over active listings of verified vendors, filters, sorts, keyset pages.

Search reads the narrow ``product_search`` table (one row per listed product, kept in step by
PostgreSQL triggers, migration 0027) and loads the page's products afterwards: as ``Product`` objects
(:func:`search_products`, the web pages) or as the API's JSON objects (:func:`search_listing`, the list
endpoint, see ``listing.py``). Every order can stop after a page:

- newest: the ``(created_at, product_id, ...)`` walk index, newest first; its further key columns (currency, the
  lowest tier price, stock, MOQ) let PostgreSQL test those filters' bounds on the index entry, before a row is read;
- price (at MOQ): the ``(currency, coalesce(price, NO_PRICE), product_id)`` index over the stored price
  at MOQ; a price at another quantity is computed from the row's own tier arrays (no join);
- relevance: a query's matches are ranked, but of a broad query (more than :data:`CANDIDATES` matches)
  only the newest :data:`CANDIDATES`; the rest follow them newest first. Rank: the words as a phrase in
  the product's name first, then all words in the name, then anywhere; then ``ts_rank`` (names weigh
  more, shorter documents win); then newest.

How a text condition is evaluated is chosen per query from the column's statistics: the words of
a broad query (each in at least :data:`BROAD` of the listings) are checked row by row along the
order's index, which finds a page after a few hundred rows; a rarer word goes through the GIN index.
"""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import Float, case, func, literal, select, text, tuple_

from ...errors import InvalidInputError
from ...extensions import db
from ...http.fields import to_minor
from ...http.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor, paginate
from ...text import fold
from ..models import NO_PRICE, Product, ProductSearch, ProductSort, VendorProfile
from .categories import category_subtree
from .listing import product_items

#: sort name -> whether its keys run descending
SORTS = {ProductSort.RELEVANCE: True, ProductSort.NEWEST: True, ProductSort.PRICE: False, ProductSort.PRICE_DESC: True}
#: a broad query's matches ranked by relevance (the newest ones); the others follow, newest first
CANDIDATES = 100
#: a word in at least this share of the listings is checked along an index, not looked up in the GIN index
BROAD = 0.005
_MAX_WORDS = 12
#: rows a query of several broad words is tried on before it is walked
_PROBE_ROWS = 2000

#: the search vector's most common lexemes and the share of listings holding each (ANALYZE's statistics)
_COMMON_LEXEMES = text("""
    SELECT unnest(most_common_elems::text::text[]), unnest(most_common_elem_freqs) FROM pg_stats
    WHERE schemaname = current_schema() AND tablename = 'product_search' AND attname = 'search_vector'""")
#: a hint only (a stale copy changes a plan, never a result), so each process keeps its own for a while
_STATS_TTL = 300.0
_stats: dict[str, tuple[float, dict[str, float], dict[str, float]]] = {}
#: hints derived from the statistics (a word's share, a probe's answer), kept with them up to this many
_HINTS_MAX = 20_000


def _plan_statistics() -> tuple[dict[str, float], dict[str, float]]:
    """The common lexemes' shares and this process's hints derived from them (both dropped after :data:`_STATS_TTL`)."""
    key = str(db.engine.url)
    now = time.monotonic()
    cached = _stats.get(key)
    if cached is None or now - cached[0] > _STATS_TTL or len(cached[2]) > _HINTS_MAX:
        shares = {lexeme: share for lexeme, share in db.session.execute(_COMMON_LEXEMES) if lexeme is not None}
        cached = _stats[key] = (now, shares, {})
    return cached[1], cached[2]


def is_broad(words: list[str]) -> bool:
    """Every word prefixes lexemes held by at least :data:`BROAD` of the listings (by the statistics)."""
    shares, hints = _plan_statistics()
    for word in words:
        if word not in hints:
            hints[word] = sum(share for lexeme, share in shares.items() if lexeme.startswith(word))
    return min(hints[word] for word in words) >= BROAD


#: whether any of the newest rows matches a tsquery (``:query``, text); stops at the first match
_PROBE = text("""
    SELECT 1 FROM (SELECT search_vector FROM product_search ORDER BY created_at DESC, product_id DESC LIMIT :rows) newest
    WHERE ts_match_vq(newest.search_vector, to_tsquery('simple', :query)) LIMIT 1""")


def _dense_in_newest(query: str) -> bool:
    """Some of the newest :data:`_PROBE_ROWS` listings match the tsquery ``query``: a bounded look that stops at
    the first match (a tenth of a millisecond for words that do meet; about 2,000 rows, a few milliseconds, for
    words that never do). A plan hint like the statistics, so kept with them."""
    _, hints = _plan_statistics()
    key = f"&{query}"  # a tsquery holds ':', a word never does
    if key not in hints:
        hints[key] = float(db.session.execute(_PROBE, {"rows": _PROBE_ROWS, "query": query}).first() is not None)
    return hints[key] == 1.0


def rebuild_product_search() -> int:
    """Rewrite ``product_search`` from the products (the triggers keep it in step; this repairs it after a
    bulk load with the triggers off). Readers keep seeing the old rows until the caller commits. Returns the
    number of listed products."""
    listed = db.session.execute(text("SELECT product_search_rebuild()")).scalar()
    db.session.execute(text("ANALYZE product_search"))
    _stats.clear()
    return listed


def _bad_cursor() -> InvalidInputError:
    return InvalidInputError("bad cursor", fields={"cursor": ["use next_cursor from the previous page"]})


def _tsquery_text(words: list[str], weight: str = "", joiner: str = " & ") -> str:
    return joiner.join(f"{w}:*{weight}" for w in words)


def _tsquery(words: list[str], weight: str = "", joiner: str = " & "):
    return func.to_tsquery("simple", _tsquery_text(words, weight, joiner))


def search_products(params: dict) -> dict:
    """One page of active products of verified vendors (``Product`` objects, tiers and vendor loaded):
    see :func:`_search_page`."""
    page = _search_page(params)
    return {"items": _products(page["items"]), "next_cursor": page["next_cursor"]}


def search_listing(params: dict) -> dict:
    """The same page as :func:`search_products` with each item as the API's JSON object (what
    ``ProductSchema`` dumps), read without ORM objects: the list endpoint's fast path."""
    page = _search_page(params)
    return {"items": product_items(page["items"]), "next_cursor": page["next_cursor"]}


def _search_page(params: dict) -> dict:
    """The ids of one page of active products of verified vendors: accent-insensitive full text, filters,
    sorting; ``{"items": [product id, ...], "next_cursor"}``.

    The cursor carries the sort's name, the last row's sort key and its id, so pages stay consistent under
    any sort order and a cursor of another sort is refused. Prices are the public tiers at ``quantity``
    (default: each product's MOQ) in ``currency`` (default VND when a price is involved).

    :raises InvalidInputError: a bad cursor, an unknown category, or a price bound that does not fit the currency.
    """
    s = ProductSearch
    conds = []
    words = fold(params.get("q") or "").split()[:_MAX_WORDS]
    query = None
    if words:
        query = _tsquery(words)
        # ts_match_vq is what @@ calls; written as a function the GIN index cannot serve it, so the
        # planner walks the order's index (the statistics underrate a broad phrase: "vong" and "bi"
        # each in 5 % of listings are taken as 0.25 % together, though they always come together)
        # words broad alone may be rare together ("vong laser"): walk only when the newest rows hold some
        broad = is_broad(words) and (len(words) == 1 or _dense_in_newest(_tsquery_text(words)))
        conds.append(func.ts_match_vq(s.search_vector, query) if broad else s.search_vector.op("@@")(query))
    if params.get("vendor_id"):
        conds.append(s.vendor_id == params["vendor_id"])
    if params.get("category_id"):
        conds.append(s.category_id.in_(category_subtree(params["category_id"])))
    if params.get("hs_code"):
        conds.append(s.hs_code.startswith(params["hs_code"]))
    if params.get("max_moq"):
        conds.append(s.moq <= params["max_moq"])
    if params.get("region"):
        conds.append(s.vendor_id.in_(select(VendorProfile.id).where(VendorProfile.serving(params["region"]))))
    if params.get("in_stock"):
        # the first test is implied by the second; unlike it, the walk index can test it before a row is read
        conds += [s.stock_qty >= (params.get("quantity") or 1),
                  s.stock_qty >= func.greatest(params.get("quantity") or 1, s.moq)]
    sort = ProductSort(params.get("sort") or (ProductSort.RELEVANCE if query is not None else ProductSort.NEWEST))
    if sort == ProductSort.RELEVANCE and query is None:
        sort = ProductSort.NEWEST
    price = None
    bounds = {name: params[name] for name in ("price_min", "price_max") if params.get(name) is not None}
    if sort in (ProductSort.PRICE, ProductSort.PRICE_DESC) or bounds:
        currency = params.get("currency") or current_app.config["DEFAULT_CURRENCY"]
        # the public tier at the quantity (raised to the MOQ): the highest break not above it
        price = (s.tier_price[func.width_bucket(func.greatest(params["quantity"], s.moq), s.tier_qty)]
                 if params.get("quantity") else s.price)
        conds.append(s.currency == currency)
        if "price_min" in bounds:
            conds.append(price >= to_minor(bounds["price_min"], currency, ("price_min",)))
        if "price_max" in bounds:
            price_max = to_minor(bounds["price_max"], currency, ("price_max",))
            # no price at any quantity is below the lowest tier's: a bound the walk index tests before a row is read
            conds += [price <= price_max, func.search_lowest_price(s.tier_price) <= price_max]
    elif params.get("currency"):
        conds.append(s.currency == params["currency"])
    if sort == ProductSort.RELEVANCE:
        return _relevance_page(conds, words, query, params)
    key = {ProductSort.NEWEST: s.created_at, ProductSort.PRICE: func.coalesce(price, NO_PRICE),
           ProductSort.PRICE_DESC: func.coalesce(price, NO_PRICE)}[sort]
    return paginate(select(s.product_id).where(*conds), params, key, s.product_id, order=sort.value,
                    descending=SORTS[sort])


def _products(ids: list[int]) -> list[Product]:
    """The products of ``ids`` in that order (one statement, tiers and vendor loaded with them)."""
    if not ids:
        return []
    found = {p.id: p for p in db.session.execute(select(Product).where(Product.id.in_(ids))).unique().scalars()}
    return [found[i] for i in ids if i in found]


def _relevance_page(conds: list, words: list[str], query, params: dict) -> dict:
    """A page (of ids) in relevance order: the ranked candidates (the newest :data:`CANDIDATES` matches), then, when
    there were more matches, the rest newest first.

    Cursor: ``[phase, class, score, created_at, id]``, phase ``c`` inside the candidates, ``t`` after them.
    """
    s = ProductSearch
    limit = params.get("limit") or DEFAULT_LIMIT
    phrase = _tsquery(words, "A", " <-> ")
    in_names = _tsquery(words, "A")
    rank_class = case((s.search_vector.op("@@")(phrase), 2), (s.search_vector.op("@@")(in_names), 1), else_=0)
    score = func.ts_rank(s.search_vector, query, 1).cast(Float(53))
    newest = (s.created_at.desc(), s.product_id.desc())
    cap = max(CANDIDATES, limit + 1)  # a first page never needs the tail's statement
    rows = db.session.execute(select(s.product_id, s.created_at, rank_class, score).where(*conds)
                              .order_by(*newest).limit(cap)).all()
    ranked = sorted(((int(c), float(sc), created, pid) for pid, created, c, sc in rows), reverse=True)
    tail_after = (rows[-1][1], rows[-1][0]) if len(rows) == cap else None
    if params.get("cursor"):
        phase, cls, sc, created, pid = decode_cursor(params["cursor"], ProductSort.RELEVANCE.value, 5)
        if (phase not in ("c", "t") or type(cls) is not int or type(pid) is not int
                or not isinstance(sc, (int, float)) or isinstance(sc, bool) or not hasattr(created, "tzinfo")):
            raise _bad_cursor()
        try:
            if phase == "c":
                ranked = [r for r in ranked if r < (cls, float(sc), created, pid)]
            else:
                ranked, tail_after = [], (created, pid)
        except TypeError:  # a naive time against aware ones
            raise _bad_cursor() from None
    page = [("c", *r) for r in ranked[:limit + 1]]
    if len(page) <= limit and tail_after is not None:
        rest = db.session.execute(select(s.product_id, s.created_at).where(
            *conds, tuple_(s.created_at, s.product_id) < tuple_(literal(tail_after[0]), literal(tail_after[1])))
            .order_by(*newest).limit(limit + 1 - len(page))).all()
        page += [("t", 0, 0.0, created, pid) for pid, created in rest]
    cursor = encode_cursor(ProductSort.RELEVANCE.value, list(page[limit - 1])) if len(page) > limit else None
    return {"items": [row[4] for row in page[:limit]], "next_cursor": cursor}
