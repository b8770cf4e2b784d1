"""Event contracts, one module per producing service. Importing this package registers all."""

from shared.events.contracts import intake, publicity, review, scoring, settlement

__all__ = ["intake", "publicity", "review", "scoring", "settlement"]
