"""The HTTP API for automation (django-ninja): tokens, problem+json, Idempotency-Key."""
