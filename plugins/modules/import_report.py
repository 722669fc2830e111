#!/usr/bin/python
# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: import_report
short_description: Write the import report (CSV, JSON, summary) on the controller
version_added: 0.1.0
description:
  - Writes C(import-report.csv), C(import-report.json) and C(import-summary.txt) into O(dest) on the
    controller, from the report lines of M(acs.ingest.import_unmanaged) runs (see the
    C(acs.ingest.batch_outcomes) filter).
  - Runs as an action plugin in the controller process; no module is started (this file only
    documents it).
  - The report is output of the run, not managed state, so the task never reports a change and
    writes the files in check mode too.
author:
  - acs.ingest contributors (@acs-ingest)
options:
  outcomes:
    description: Report lines with keys C(vm), C(wave), C(outcome), C(id), C(duration_s), C(jobid), C(error).
    type: list
    elements: dict
    required: true
  dest:
    description: Directory for the three files; created if missing.
    type: path
    required: true
  wall_s:
    description: Wall time of the run in seconds, shown in the summary's first line.
    type: float
attributes:
  check_mode:
    description: Can run in check_mode.
    support: full
    details: Writes the report in check mode too (it then lists what would be imported).
  diff_mode:
    description: Diff mode.
    support: none
  platform:
    description: Target platform.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Write the report
  acs.ingest.import_report:
    outcomes: "{{ acs_outcomes }}"
    dest: "{{ playbook_dir }}/acs-report"
    wall_s: 61.5
"""

RETURN = r"""
files:
  description: Paths of the files written.
  returned: success
  type: list
  elements: str
summary:
  description: The summary, one line per list item.
  returned: success
  type: list
  elements: str
not_ok:
  description: Number of VMs whose outcome is not imported, already managed or would import.
  returned: success
  type: int
"""
