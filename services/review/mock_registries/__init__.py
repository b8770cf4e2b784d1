"""Mock department registries (社保, 税务, 公安, 住建; and for the graduate programme 学信 education and
市场监管 company, :mod:`.graduates`) for development, tests and the demo.

Each is a small FastAPI server with its own REST API and OpenAPI document, answering from a deterministic
synthetic population (:mod:`.population`), with configurable faults (:mod:`.faults`): latency, 5xx
failures, 429 rate limiting, down. ``python -m services.review.mock_registries <department> --port N``.
"""
