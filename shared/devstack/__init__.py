"""The local stack: embedded PostgreSQL 18 and the tansu broker from pip wheels.

Used by ``make run`` and by the test fixtures, only when no external PostgreSQL URL and no
Kafka bootstrap servers are given.
"""
