"""Carriers (the built-in manual one, and adapters), shipments and tracking events."""
