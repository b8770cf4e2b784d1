"""Kafka plumbing: safe client factories, the transactional outbox and the idempotent inbox."""
