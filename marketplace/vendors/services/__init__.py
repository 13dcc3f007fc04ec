"""Vendor and catalog verbs, one module per subject; the names other packages use are re-exported here."""

from .catalog import (
                         create_product,
                         get_visible_product,
                         own_product,
                         own_products,
                         replace_tiers,
                         search_text,
                         tier_prices,
                         update_product,
)
from .categories import (
                         category_children,
                         category_subtree,
                         create_category,
                         get_category,
                         list_categories,
                         refresh_category_paths,
                         seed_hs_categories,
                         update_category,
)
from .directory import list_vendors
from .hs_classifier import accept_suggestion as accept_hs_suggestion
from .hs_classifier import import_hs_summary, product_hs_suggestion
from .hs_classifier import inferences_for as hs_inferences_for
from .hs_classifier import suggest as suggest_hs
from .imports import (
                         csv_lines,
                         download_catalog,
                         download_import_errors,
                         error_report_rows,
                         export_rows,
                         get_product_import,
                         start_product_import,
)
from .price_lists import (
                         create_price_list,
                         end_price_list,
                         get_price_list,
                         list_price_lists,
                         update_price_list,
)
from .pricing import (
                         negotiated_price,
                         negotiated_prices,
                         price_at_quantity,
                         price_for,
                         prices_for,
                         quote_price,
)
from .profiles import (
                         VendorView,
                         create_vendor_profile,
                         get_vendor,
                         tax_code_twins,
                         update_vendor_profile,
                         validate_tax_code,
                         view_vendor,
)
from .search import rebuild_product_search, search_listing, search_products
from .verification import (
                         ONBOARDING_STEPS,
                         add_vendor_document,
                         can_submit_verification,
                         decide_verification,
                         download_vendor_document,
                         get_vendor_document,
                         list_vendor_documents,
                         onboarding_checklist,
                         submit_verification,
                         vendor_documents,
                         verification_queue,
)

__all__ = [
    "accept_hs_suggestion", "hs_inferences_for", "import_hs_summary", "product_hs_suggestion", "suggest_hs",
    "ONBOARDING_STEPS", "VendorView", "add_vendor_document", "can_submit_verification", "onboarding_checklist",
    "own_product", "own_products", "category_children", "category_subtree", "create_category",
    "create_price_list", "create_product", "create_vendor_profile", "csv_lines", "decide_verification",
    "download_catalog", "download_import_errors", "download_vendor_document", "end_price_list", "error_report_rows",
    "export_rows", "get_category", "get_price_list", "get_product_import", "get_vendor", "get_vendor_document",
    "get_visible_product", "list_categories", "list_price_lists", "list_vendor_documents", "list_vendors",
    "negotiated_price", "negotiated_prices", "price_at_quantity", "price_for", "prices_for", "quote_price",
    "refresh_category_paths", "replace_tiers",
    "rebuild_product_search", "search_listing",
    "search_products", "search_text", "seed_hs_categories", "start_product_import", "submit_verification",
    "tier_prices", "update_category", "update_price_list", "update_product", "update_vendor_profile", "validate_tax_code",
    "vendor_documents", "verification_queue", "view_vendor",
]
