"""The deal: frozen terms, milestones, the deal state machine, timeline and deadlines."""
