# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""CloudStack versions as the rules catalogue compares them.

A version is ``(major, minor, patch)``: the fourth number of a CloudStack release
(``4.19.0.1``, security releases) never changes a rule we know, and ``-SNAPSHOT`` suffixes are
dropped. Ranges are *spans*, not "since x.y": 4.20.2.0 was released after 4.21.0.0 and carries
fixes 4.21.0.0 lacks, so a rule such as "the agent reports the boot type" holds for
``[4.20.2, 4.21.0) + [4.22.0, ...)``. The last span of a rule is open, so a release newer than any
we read (4.23) is judged like the newest one; a release older than 4.19.0 like 4.19.0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Tuple  # noqa: UP035 (see Version below)

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import InputError

# typing's Tuple, not tuple[...]: this alias is evaluated at import, and the host modules import this file on the
# KVM hosts' own Python, which may be 3.8 (tests/unit/test_host_python.py).
Version = Tuple[int, int, int]  # noqa: UP006

# The releases the catalogue was read from (release commits of apache/cloudstack, plus the
# 4.22 snapshot of main). Tests walk every one of them.
RELEASES: tuple[Version, ...] = (
    (4, 19, 0),
    (4, 19, 1),
    (4, 19, 2),
    (4, 19, 3),
    (4, 20, 0),
    (4, 20, 1),
    (4, 20, 2),
    (4, 21, 0),
    (4, 22, 0),
)
NEWEST: Version = RELEASES[-1]
OLDEST: Version = RELEASES[0]

_VERSION = re.compile(r"^\s*v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?:\.(\d{1,4}))?(?:[-+ ].*)?\s*$", re.IGNORECASE)


def parse_version(text: object, field: str = "version") -> Version:
    """``'4.22'``, ``'4.20.2.0'``, ``'4.22.0.0-SNAPSHOT'`` → ``(4, 22, 0)``; anything else is an InputError."""
    if isinstance(text, (tuple, list)) and text and all(isinstance(p, int) for p in text):
        parts = [*text, 0, 0][:3]
        return (parts[0], parts[1], parts[2])
    match = _VERSION.match(str(text)) if text is not None else None
    if not match:
        raise InputError(
            field,
            f"'{text}' is not a CloudStack version",
            "write it as major.minor or major.minor.patch, e.g. 4.22 or 4.20.2",
        )
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def label(version: Version) -> str:
    """``(4, 20, 2)`` → ``'4.20.2'``."""
    return ".".join(str(part) for part in version)


@dataclass(frozen=True)
class Span:
    """``first <= version < until``; ``until`` None means open-ended."""

    first: Version
    until: Version | None = None

    def __contains__(self, version: Version) -> bool:
        return self.first <= version and (self.until is None or version < self.until)

    def text(self) -> str:
        if self.until is None:
            return "all" if self.first <= (0, 0, 0) else f"{label(self.first)}+"
        last = _release_before(self.until)
        if self.first <= (0, 0, 0):
            return f"up to {label(last)}"
        return label(self.first) if last == self.first else f"{label(self.first)}-{label(last)}"


def _release_before(version: Version) -> Version:
    earlier = [release for release in RELEASES if release < version]
    return earlier[-1] if earlier else version


@dataclass(frozen=True)
class Versions:
    """The versions a rule (or one variant of a rule) applies to: a union of spans."""

    spans: tuple[Span, ...]

    def __contains__(self, version: Version) -> bool:
        return any(version in span for span in self.spans)

    def text(self) -> str:
        """Human form for docs: ``all``, ``4.19.2+``, ``up to 4.19.0``, ``4.20.2, 4.22.0+``."""
        return ", ".join(span.text() for span in self.spans) if self.spans else "none"

    def releases(self) -> tuple[Version, ...]:
        """The known releases inside, for tests and docs."""
        return tuple(release for release in RELEASES if release in self)

    @property
    def everywhere(self) -> bool:
        return len(self.releases()) == len(RELEASES)


ALL = Versions((Span((0, 0, 0)),))


def since(first: Version) -> Versions:
    return Versions((Span(first),))


def before(until: Version) -> Versions:
    return Versions((Span((0, 0, 0), until),))


def spans(*pairs: tuple[Version, Version | None]) -> Versions:
    return Versions(tuple(Span(first, until) for first, until in pairs))


# Fix lines that reached 4.19 and 4.20 as patch releases and 4.21.0 as a minor release:
# "4.19.2+, 4.20.1+, 4.21+" (e.g. the <cputune> guard, commit 3337f425ff).
FIXED_IN_19_2_AND_20_1 = spans(((4, 19, 2), (4, 20, 0)), ((4, 20, 1), None))
# Features of 4.20.2 and 4.22 that 4.21.0 lacks (boot type detection 9349b69b7e, bridge VLAN e64e94ad3f,
# shared-network IP ranges 86cad79c15, importVm templateid a18b5514e6).
IN_20_2_AND_22 = spans(((4, 20, 2), (4, 21, 0)), ((4, 22, 0), None))
# ... and the releases before such a fix: up to 4.19.1, and 4.20.0.
BEFORE_FIX_19_2_20_1 = spans(((0, 0, 0), (4, 19, 2)), ((4, 20, 0), (4, 20, 1)))
