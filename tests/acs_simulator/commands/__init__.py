"""Importing this package registers every command."""

from . import asyncjobs, external, importing, listing, network_create, networks, unmanage, vm  # noqa: F401
