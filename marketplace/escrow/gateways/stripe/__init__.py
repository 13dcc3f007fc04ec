"""The ``stripe`` gateway: Connect onboarding, PaymentIntents, the webhook inbox, outbox handlers, reconciliation."""
