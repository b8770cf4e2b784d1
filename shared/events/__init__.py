"""Versioned event contracts: the envelope, the registry, the contracts per producer, the schemas."""
