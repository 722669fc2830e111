# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""``Problem``: the one vocabulary for "this would fail, and here is what to change".

The planner, the plan file, the precomputed-plan checks, the domain-XML blockers, the
CloudStack rules catalogue and unmanage's preconditions all describe what is wrong the same
way, and all of them are rendered by ``render`` into one line::

    <subject>: <field>: <message>. Fix: <fix>

Each part is stored once and rendered once. Errors carry Problems, never rendered lines
(``ProblemsError`` takes Problems; ``AcsIngestError`` refuses a ``problems`` detail), so a
rendered line is not wrapped into another problem and its field or fix never repeats. Parts
are not policed for the word ``Fix:`` themselves: messages and subjects carry operator text
(VM names, plan cells) that may contain anything, and must never turn into a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

# Stable, machine-readable: playbooks and tests branch on it, so it never carries spaces or case.
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
FIX_MARK = "Fix:"
PROBLEM_KEYS = ("code", "field", "message", "fix", "subject")


def _one_line(value: str) -> str:
    """Names from hypervisors and CSV cells may carry newlines; reports need one line each."""
    return " ".join(value.split())


def _clause(value: str) -> str:
    """A part as it is joined: one line, without the full stop the renderer adds itself.

    An ellipsis ("1, 2, 3, ...") is kept whole: it is not a full stop.
    """
    line = _one_line(value)
    if line.endswith("...") or not line.endswith("."):
        return line
    return line[:-1].rstrip()  # not str.removesuffix: the host modules import this on Python 3.8


@dataclass(frozen=True)
class Problem:
    """Something that would make an operation fail (or do the wrong thing), with its fix.

    - ``code``: stable snake_case identifier, e.g. ``nic_vlan_unknown``, ``disk_unmapped``;
    - ``field``: what the operator edits: a module option, a plan column, ``details.cpuNumber``,
      ``nic_networks[0]`` or a domain-XML location;
    - ``message``: what is wrong, in words an operator understands;
    - ``fix``: what to do about it ('' only when there is nothing the operator can do);
    - ``subject``: the VM, domain or plan row it concerns, when that is not obvious from context.
    """

    code: str
    field: str
    message: str
    fix: str
    subject: str | None = None

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise ValueError(f"problem code {self.code!r} must be snake_case (a-z, 0-9, _)")
        if not self.message.strip():
            raise ValueError(f"problem {self.code} has no message")

    def line(self) -> str:
        return render(self)

    def about(self, subject: str | None) -> Problem:
        """The same problem, concerning ``subject`` (the VM or plan row)."""
        return replace(self, subject=subject)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for module results and hostvars (keys code, field, message, fix, subject)."""
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "fix": self.fix,
            "subject": self.subject,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, default_code: str = "reported") -> Problem:
        """A problem that travelled as ``as_dict()`` output (a plan hostvar, a plan file).

        Older plans carry no ``code``; ``default_code`` names where they came from.
        """
        text = {key: "" if data.get(key) is None else str(data.get(key)).strip() for key in PROBLEM_KEYS}
        # A code edited into a plan file by hand may be anything; it must not stop the run.
        code = text["code"] if _CODE.match(text["code"]) else default_code
        return cls(
            code=code,
            field=text["field"],
            message=text["message"] or "(no message)",
            fix=text["fix"],
            subject=text["subject"] or None,
        )


def render(problem: Problem) -> str:
    """``<subject>: <field>: <message>. Fix: <fix>`` on one line; empty parts are left out."""
    head = [_one_line(part) for part in (problem.subject or "", problem.field) if part and part.strip()]
    text = ": ".join([*head, _clause(problem.message)])
    fix = _clause(problem.fix)
    stop = "" if text.endswith("...") else "."
    return f"{text}{stop} {FIX_MARK} {fix}" if fix else text


def render_all(problems: Iterable[Problem]) -> list[str]:
    """One line per problem, in order."""
    return [render(problem) for problem in problems]
