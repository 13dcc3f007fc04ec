"""Vendor profiles, verification (KYB) and the catalog: products, price tiers, search."""
