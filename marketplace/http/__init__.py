"""The HTTP layer shared by every API module: argument parsing, the bearer header, idempotency keys,
pagination and money fields. It names no domain."""
