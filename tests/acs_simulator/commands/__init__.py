"""Importing this package registers every command."""

from . import asyncjobs, external, importing, listing, network_create, networks, nics, unmanage, vm  # noqa: F401
