# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""``RunContext``: how one service call runs, given to it explicitly.

Check and diff mode, where warnings go, and the clock and sleep it waits with. The module
wrapper (``_ansible/module.py``) builds it from the AnsibleModule and the real clock; unit
tests give a fake clock whose sleep only moves time forward, so nothing waits for real.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunContext:
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    warn: Callable[[str], None]
    check_mode: bool = False
    diff_mode: bool = False
