"""Catalog orders: a buyer member orders from vendors' catalogs at their volume tiers or negotiated prices; the
vendor confirms; a confirmed order becomes a deal."""
