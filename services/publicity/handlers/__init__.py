"""Use cases of the publicity service, by area: ``async def do_x(tx: Tx, cmd: DoX) -> Result``.

- ``events``: events in (rounds, submissions, scores, the finalized ranking, ranked applicants);
- ``closing``: the scheduled steps (prepare, open, close a list; purge idle rate buckets);
- ``lists``: reading lists (public view, staff view, archived copy, readiness);
- ``objections``: filing, assigning, deciding objections and unsealing the reporter's identity;
- ``common`` and ``views``: the period of a list, the refusals naming it, and the result shapes.

Handlers never open or commit a transaction: endpoints run them with ``ctx.run``, consumers with
``ctx.tx_for(d)``, the worker's job with ``ctx.transaction()`` (``services.publicity.jobs``).
"""
