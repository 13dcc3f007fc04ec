"""Analytics: what buyers spend and save, and how vendors sell, computed from the marketplace's own records."""
