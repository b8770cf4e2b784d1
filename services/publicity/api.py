"""HTTP API of the publicity service: the routes by area are in ``services.publicity.routes``; this
module keeps the names the app and older imports use."""

from services.publicity.routes import PERMISSIONS, router

__all__ = ["PERMISSIONS", "router"]
