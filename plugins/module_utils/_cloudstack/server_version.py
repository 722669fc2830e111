# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""Which CloudStack release's rules judge a request: the management server's own version.

The services that apply the rules catalogue (instance info, guest networks, post-import fix-ups)
all ask the same question, so they share one answer and one fallback.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import NEWEST, Version, parse_version


def rules_version(client: Any) -> Version:
    """The server's version from listCapabilities (the client asks once and keeps it).

    A server whose ``cloudstackversion`` is not a version we can read (a vendor build string, or
    a client without a server behind it) is judged by the newest release we know: the rules
    only grow stricter release by release, so that errs towards warning the operator. An API
    failure is not swallowed: the calls that follow would fail the same way, later and less clearly.
    """
    try:
        return parse_version(getattr(client, "version", None) or NEWEST)
    except InputError:
        return NEWEST
