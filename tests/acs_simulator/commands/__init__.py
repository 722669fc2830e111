"""Importing this package registers every command."""

from . import asyncjobs, external, importing, listing, unmanage, vm  # noqa: F401
