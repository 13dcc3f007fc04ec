"""A neutral B2B marketplace engine: vendors, RFQs, matching, escrow, shipping and disputes."""

__version__ = "0.1.0"
