"""Notifications: an in-app feed per organisation, and e-mail sent through the outbox."""
