"""``xlbilling close``: the month-end close in one run a scheduler can start, rerun and interrupt.

One folder per period (``folder``) written through a staging folder and committed file by file with a journal;
one close at a time per output folder (``lock``); the steps (``steps``) call the public jobs; the figures a
person needs (``figures``), what changed since the last run (``changes``), the run report (``report`` for
report.json, ``page`` for report.html), the notifications (``notify``, secrets masked by ``secrets``), and the
run that ties them together (``run``).
"""
