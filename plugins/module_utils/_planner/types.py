# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""PRIVATE: data types of the import planner (no I/O, no Ansible imports).

The planner collects every problem instead of raising on the first one: the validate
playbook must show all problems of all VMs in one run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.acs.ingest.plugins.module_utils._core.errors import ProblemsError
from ansible_collections.acs.ingest.plugins.module_utils._core.parse import text
from ansible_collections.acs.ingest.plugins.module_utils._core.problems import Problem, render_all
from ansible_collections.acs.ingest.plugins.module_utils._rules.catalogue import Finding
from ansible_collections.acs.ingest.plugins.module_utils._rules.versions import NEWEST, Version

# One GiB in bytes: CloudStack stores disk offering sizes in bytes and compares bytes.
GIB = 1024**3


def _one_line(value: str) -> str:
    """Names from hypervisors and CSV cells may carry newlines; reports need one line each."""
    return " ".join(value.splitlines())


@dataclass(frozen=True)
class Note:
    """A decision the planner took for the user (a rewrite, a default, a forced MAC)."""

    field: str
    message: str

    def line(self, vm: str) -> str:
        return _one_line(f"{vm}: {self.field}: {self.message}")


@dataclass
class ImportPlan:
    """Result of build_import_plan: API parameters plus everything the user must know."""

    vm: str
    command: str  # importUnmanagedInstance or importVm
    params: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem_lines(self) -> list[str]:
        return render_problems(self.vm, self.problems)

    def raise_for_problems(self, **details: Any) -> None:
        """Refuse a plan with problems: one ProblemsError listing each problem once."""
        if self.problems:
            raise ProblemsError(
                self.problems, summary=f"{len(self.problems)} problem(s) prevent importing {self.vm}", **details
            )

    def note_lines(self) -> list[str]:
        return [note.line(self.vm) for note in self.notes]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for module results and inventory hostvars."""
        return {
            "vm": self.vm,
            "command": self.command,
            "ok": self.ok,
            "params": self.params,
            "problems": [problem.as_dict() for problem in self.problems],
            "notes": [{"field": n.field, "message": n.message} for n in self.notes],
        }


class Findings:
    """Accumulator the planner steps share: problems and notes in the order found.

    ``server`` and ``agent`` are the CloudStack versions whose rules (``_rules``) judge the plan:
    the management server's, and the KVM agent's of the host the VM runs on.
    """

    def __init__(self, server: Version = NEWEST, agent: Version = NEWEST) -> None:
        self.problems: list[Problem] = []
        self.notes: list[Note] = []
        self.server = server
        self.agent = agent

    def problem(self, code: str, field_name: str, message: str, fix: str) -> None:
        """Record a Problem of the planner's own (input it cannot use; same argument order as Problem)."""
        self.problems.append(Problem(code, field_name, message, fix))

    def note(self, field_name: str, message: str) -> None:
        self.notes.append(Note(field_name, message))

    def rules(self, found: Iterable[Finding]) -> bool:
        """Record rules of the catalogue the plan breaks: a blocking one is a Problem with the rule's code,
        a warning a Note naming the code and the fix. True when none blocks."""
        ok = True
        for finding in found:
            if finding.blocks:
                ok = False
                self.problems.append(Problem(finding.code, finding.field, finding.message, finding.fix))
            else:
                self.notes.append(Note(finding.field, f"{finding.message} [{finding.code}: {finding.fix}]"))
        return ok


def render_problems(vm: str, problems: Iterable[Problem]) -> list[str]:
    """One line per problem: `<vm>: <field>: <message>. Fix: <fix>`."""
    return render_all(problem.about(vm) for problem in problems)


def to_int(value: Any) -> int | None:
    """An integer from API data that may arrive as int, float or numeric string; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def describe(item: dict[str, Any]) -> str:
    """`name (id)` for messages."""
    name, ident = text(item.get("name")), text(item.get("id"))
    return f"{name} ({ident})" if name and ident else name or ident or "?"


def short_list(items: Iterable[str], limit: int = 8) -> str:
    """Comma list capped at `limit` entries so messages stay one readable line."""
    items = list(items)
    if not items:
        return "none"
    head = ", ".join(items[:limit])
    return head if len(items) <= limit else f"{head} and {len(items) - limit} more"
