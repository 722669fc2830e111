"""Importing this package registers every command."""

from . import external, importing, listing, unmanage, vm  # noqa: F401
