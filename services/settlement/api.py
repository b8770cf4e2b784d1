"""HTTP API of the settlement service: the routers and ``PERMISSIONS`` live in ``routes/`` (one module per
area); this module keeps the names app code and tests import."""

from services.settlement.routes import PERMISSIONS, router

__all__ = ["PERMISSIONS", "router"]
