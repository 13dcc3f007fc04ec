"""Outbound webhooks for integrators: endpoints per organisation, signed events, deliveries through the outbox."""
