# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for acs.ingest.import_report: writes the import report on the controller.

Why an action plugin: the report was four file/copy tasks, each starting module processes;
on a busy controller they cost several seconds per run. The files belong on the controller
anyway, so they are written here, in the controller process, with no module at all.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.acs.ingest.plugins.filter.plan import (
    import_report_csv,
    import_report_json,
    import_summary,
)

FILES = ("import-report.csv", "import-report.json", "import-summary.txt")


def _write(path: Path, text: str, mode: int) -> None:
    """Write via a temporary file and rename, so a reader never sees half a report."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("outcomes", "dest", "wall_s"))

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        outcomes = self._task.args.get("outcomes")
        dest = self._task.args.get("dest")
        wall = self._task.args.get("wall_s")
        if not isinstance(outcomes, list):
            raise AnsibleActionFail(
                "outcomes: must be the list of report lines. Fix: pass acs.ingest.batch_outcomes output"
            )
        if not dest:
            raise AnsibleActionFail("dest: is required. Fix: give the report directory")
        try:
            wall_s = float(wall) if wall is not None else None
        except (TypeError, ValueError):
            raise AnsibleActionFail(f"wall_s: {wall!r} is not a number of seconds. Fix: pass a number") from None
        directory = Path(os.path.expanduser(str(dest)))
        texts = (import_report_csv(outcomes), import_report_json(outcomes), import_summary(outcomes, wall_s))
        try:
            directory.mkdir(parents=True, exist_ok=True, mode=0o750)
            for name, text in zip(FILES, texts, strict=True):
                _write(directory / name, text, 0o640)
        except OSError as error:
            raise AnsibleActionFail(
                f"dest: cannot write the report in {directory}: {error}. Fix: choose a writable directory"
            ) from None
        # The report is output of the run, not managed state: never a change, written in check mode too.
        result.update(
            changed=False,
            files=[str(directory / name) for name in FILES],
            summary=texts[2].splitlines(),
            not_ok=sum(1 for o in outcomes if o.get("outcome") not in ("imported", "already managed", "would import")),
        )
        return result
