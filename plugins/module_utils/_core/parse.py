# Copyright: (c) 2026, acs.ingest contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_util is internal to acs.ingest and can change at any time.
"""The one way acs.ingest reads text, yes/no values, lists and maps typed by people.

The same wish reaches us as a module option, an inventory ``plan_defaults`` entry, a YAML
plan entry or a CSV cell; each kind of value is read by exactly one function here, so a cell
that works in the plan file works as an option too.

Map syntax (CSV cells, and strings wherever a map is expected)::

    key=value;key=value        pairs separated by ';' or new lines
    key=value,key=value        ',' also separates pairs, but only when 'key=' follows it,
                               so values may contain commas: 'details: note=a,b' is one pair

Spreadsheets quote cells holding commas and people break the quoting while editing, which is
why the plan file writes ';'. Keys and values are stripped; an entry without '=' or with an
empty key is reported, never guessed.

List syntax (CSV cells of list columns)::

    a;b;c                      items separated by ';' or new lines, as map pairs are
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

TRUE_WORDS = ("true", "yes", "y", "1", "on")
FALSE_WORDS = ("false", "no", "n", "0", "off")
MAP_SYNTAX = "key=value;key=value"
LIST_SEPARATOR = ";"
_ITEM_SEPARATOR = re.compile(r"[;\n]+")
# ';' and new lines always separate; ',' only when the next text is 'key=' (see module doc).
_PAIR_SEPARATOR = re.compile(r"[;\n]+|,(?=\s*[^\s,;=]+\s*=)")


def text(value: Any) -> str:
    """A value as a stripped string; '' for None."""
    return "" if value is None else str(value).strip()


def is_blank(value: Any) -> bool:
    """None, '' (after stripping) or an empty collection: "not given"."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return not value
    return False


def parse_bool(value: Any) -> bool | None:
    """yes/no, true/false, on/off, y/n, 1/0 (any case) or a bool; None when it is none of them.

    A blank value is None too: whether blank means a default or "not given" is the caller's
    decision (``is_blank``), because it differs between a plan column and a module option.
    """
    if isinstance(value, bool):
        return value
    lowered = text(value).lower()
    if lowered in TRUE_WORDS:
        return True
    if lowered in FALSE_WORDS:
        return False
    return None


def parse_list(value: Any) -> list[str]:
    """A list typed by a person → its items as stripped strings, blanks dropped.

    Accepts a list or tuple (a YAML list), or text in the list syntax above (a CSV cell, or a
    YAML cell someone typed as ``a;b``). Blank input is an empty list.
    """
    if is_blank(value):
        return []
    if isinstance(value, (list, tuple)):
        return [text(item) for item in value if not is_blank(item)]
    return [item.strip() for item in _ITEM_SEPARATOR.split(text(value)) if item.strip()]


def format_list(values: Any) -> str:
    """The inverse of ``parse_list`` for a CSV cell: ``a;b;c``."""
    return LIST_SEPARATOR.join(parse_list(values))


def parse_map(
    value: Any, *, key_names: Sequence[str] = (), value_names: Sequence[str] = ()
) -> tuple[dict[str, str], list[str]]:
    """A map typed by a person → ``({key: value} as stripped strings, [what was unusable])``.

    Accepts a mapping, a string in the map syntax above, or (when ``key_names`` and
    ``value_names`` are given) CloudStack's list form ``[{"nic": "0", "network": "n1"}]``.
    Blank input is an empty map. Each unusable entry is described in the second element, so
    the caller can report all of them with its own field name and fix.
    """
    if is_blank(value):
        return {}, []
    if isinstance(value, Mapping):
        return {text(key): text(val) for key, val in value.items()}, []
    if isinstance(value, str):
        return _parse_pairs(value)
    if isinstance(value, (list, tuple)) and key_names and value_names:
        return _parse_entries(value, key_names, value_names)
    return {}, [f"must be a mapping or {MAP_SYNTAX}, got {type(value).__name__}"]


def _parse_pairs(value: str) -> tuple[dict[str, str], list[str]]:
    result: dict[str, str] = {}
    unusable: list[str] = []
    for pair in _PAIR_SEPARATOR.split(value):
        if not pair.strip():
            continue
        key, sep, val = pair.partition("=")
        if not sep:
            unusable.append(f"entry '{pair.strip()}' is not key=value")
        elif not key.strip():
            unusable.append(f"entry '{pair.strip()}' has no key before '='")
        else:
            result[key.strip()] = val.strip()
    return result, unusable


def _parse_entries(
    entries: Sequence[Any], key_names: Sequence[str], value_names: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    result: dict[str, str] = {}
    unusable: list[str] = []
    for entry in entries:
        key = _first(entry, key_names) if isinstance(entry, Mapping) else None
        val = _first(entry, value_names) if isinstance(entry, Mapping) else None
        if key is None or val is None:
            unusable.append(f"list entry {entry!r} needs keys {key_names[0]!r} and {value_names[0]!r}")
            continue
        result[text(key)] = text(val)
    return result, unusable


def _first(entry: Mapping[str, Any], names: Sequence[str]) -> Any:
    for name in names:
        if name in entry:
            return entry[name]
    return None


def format_map(value: Mapping[str, Any] | None) -> str:
    """The inverse of ``parse_map`` for a plan cell: ``key=value;key=value``."""
    return ";".join(f"{key}={'' if val is None else val}" for key, val in (value or {}).items())
