"""HTTP API of the review service: verification status and evidence, retries of waiting applications,
on-site review tasks, rechecks and appeals (filed by the applicant for their own application or by bureau
staff on their behalf, decided by bureau staff), and partner department pushes (API key).

The routes are in :mod:`services.review.routes` (one module per area); ``PERMISSIONS`` is the service's
single role × endpoint table.
"""

from __future__ import annotations

from services.review.routes import PERMISSIONS, router

__all__ = ["PERMISSIONS", "router"]
