"""A CloudStack management-server stand-in for acs.ingest tests (see README.md).

It imports nothing from ``plugins/`` on purpose: its job is to catch the collection's mistakes,
which it could not do if it shared their code.
"""

PACKAGE = "acs_simulator"
