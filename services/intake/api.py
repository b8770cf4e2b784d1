"""HTTP API of the intake service: the router and ``PERMISSIONS`` (defined in ``services.intake.routes``)."""

from services.intake.routes import PERMISSIONS, router

__all__ = ["PERMISSIONS", "router"]
