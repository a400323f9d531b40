"""``xlbilling serve``: one FastAPI app on one origin serving the Office.js add-in's files, its manifest and a
JSON API that mirrors the command line, to every user of an MSP with a personal token (see docs/serve.md).

Modules: ``app`` (the routes of one origin), ``data`` (the command line's data commands as routes),
``tables`` (the billing workbook's tables for the pane), ``jobs`` (the invoice jobs' routes), ``runs`` (running them),
``query`` (a query read with the command line's own options), ``guard`` (token, rate limit, audit, access
log), ``users`` (the token hashes and the audit trail), ``ratelimit``, ``headers`` (security headers),
``errors`` (one line of JSON per failure), ``manifest`` and ``lint`` (the add-in's manifest and its check),
``settings``, ``state`` (what the routes share) and ``server`` (running it).
"""
