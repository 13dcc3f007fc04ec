"""The demo seed brings the HS category tree and document-backed, verified vendors."""

from sqlalchemy import func, select

from marketplace.seed import seed_demo
from marketplace.vendors.models import Category, VendorDocument, VendorProfile


def test_demo_seed_loads_categories_and_verified_vendors_with_registration_documents(app, db):
    seed_demo()
    db.session.commit()
    assert db.session.execute(select(func.count(Category.id)).where(Category.source == "hs")).scalar() > 1000
    vendors = db.session.execute(select(VendorProfile)).scalars().all()
    assert vendors and all(v.status == "verified" for v in vendors)
    kinds = set(db.session.execute(select(VendorDocument.kind)).scalars())
    assert kinds == {"business_registration"}
