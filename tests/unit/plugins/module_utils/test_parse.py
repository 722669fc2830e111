"""The one parser each for text, yes/no values and maps (_core/parse.py)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.acs.ingest.plugins.module_utils._core.parse import (
    format_list,
    format_map,
    is_blank,
    parse_bool,
    parse_list,
    parse_map,
    text,
)
from hypothesis import assume, given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, ""), ("  a b \n", "a b"), (5, "5"), (False, "False")],
)
def test_text(value: Any, expected: str) -> None:
    assert text(value) == expected


@pytest.mark.parametrize("value", [None, "", "  ", {}, [], ()])
def test_blank_values(value: Any) -> None:
    assert is_blank(value)


@pytest.mark.parametrize("value", [0, False, "0", "no", {"a": ""}, ["x"]])
def test_values_that_are_given(value: Any) -> None:
    assert not is_blank(value)


@pytest.mark.parametrize("word", ["yes", "YES", "true", "True", "y", "1", "on", " on ", True, 1])
def test_true_words(word: Any) -> None:
    assert parse_bool(word) is True


@pytest.mark.parametrize("word", ["no", "No", "false", "n", "0", "off", False, 0])
def test_false_words(word: Any) -> None:
    assert parse_bool(word) is False


@pytest.mark.parametrize("word", ["maybe", "", None, "2", [], "yes please"])
def test_not_a_bool(word: Any) -> None:
    assert parse_bool(word) is None


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0=net-a;1=net-b", {"0": "net-a", "1": "net-b"}),
        ("0=net-a,1=net-b", {"0": "net-a", "1": "net-b"}),  # the form the planner always accepted
        ("0=net-a\n1=net-b;", {"0": "net-a", "1": "net-b"}),
        (" 0 = net-a ; ; 1= net-b ", {"0": "net-a", "1": "net-b"}),
        ("note=a,b;cpuSpeed=1000", {"note": "a,b", "cpuSpeed": "1000"}),  # a comma inside a value stays
        (
            "52:54:00:00:00:01=auto, 52:54:00:00:00:02=10.0.0.5",
            {"52:54:00:00:00:01": "auto", "52:54:00:00:00:02": "10.0.0.5"},
        ),
        ("k=", {"k": ""}),
        ({0: "net-a", "1": None}, {"0": "net-a", "1": ""}),
        (None, {}),
        ("", {}),
        ({}, {}),
    ],
)
def test_map_syntax(cell: Any, expected: dict[str, str]) -> None:
    assert parse_map(cell) == (expected, [])


def test_every_unusable_entry_is_described_and_the_rest_kept() -> None:
    parsed, unusable = parse_map("0=a;garbage;=b;1=c")
    assert parsed == {"0": "a", "1": "c"}
    assert unusable == ["entry 'garbage' is not key=value", "entry '=b' has no key before '='"]
    assert parse_map(5) == ({}, ["must be a mapping or key=value;key=value, got int"])
    # CloudStack's list form only where the caller names its keys
    assert parse_map(["x"]) == ({}, ["must be a mapping or key=value;key=value, got list"])
    entries = [{"nic": "0", "network": "n1"}, {"nic": 1, "net": "n2"}]
    parsed, unusable = parse_map(entries, key_names=("nic",), value_names=("network",))
    assert parsed == {"0": "n1"} and unusable == ["list entry {'nic': 1, 'net': 'n2'} needs keys 'nic' and 'network'"]


def test_format_map_round_trips_through_parse_map() -> None:
    value = {"0": "net-a", "52:54:00:00:00:01": "10.0.0.5", "note": "a,b"}
    assert format_map(value) == "0=net-a;52:54:00:00:00:01=10.0.0.5;note=a,b"
    assert parse_map(format_map(value)) == (value, [])
    assert format_map(None) == "" and format_map({"k": None}) == "k="


_KEYS = st.text(alphabet=st.characters(blacklist_characters=";=,\n\r", blacklist_categories=("Zs", "Cc")), min_size=1)
# Values may hold commas and spaces, but no pair separator and no '=' (',x=' would start a pair).
_VALUES = st.text(alphabet=st.characters(blacklist_characters=";=\n\r", blacklist_categories=("Cc",)))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES, max_size=6))
def test_any_written_map_reads_back(value: dict[str, str]) -> None:
    stripped = {key.strip(): val.strip() for key, val in value.items()}
    assume(all(stripped) and len(stripped) == len(value))
    assert parse_map(format_map(value)) == (stripped, [])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_map_or_a_description_never_an_exception(cell: str) -> None:
    parsed, unusable = parse_map(cell)
    assert all(isinstance(key, str) and key for key in parsed)
    assert all(isinstance(what, str) and what for what in unusable)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("", []),
        ("a;b", ["a", "b"]),
        (" a ; ;b;\nc ", ["a", "b", "c"]),
        ("10.0.0.5", ["10.0.0.5"]),
        (["a", " b ", "", None, 4], ["a", "b", "4"]),
        (("x",), ["x"]),
    ],
)
def test_parse_list(value: Any, expected: list[str]) -> None:
    assert parse_list(value) == expected


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters=";\n\r"), min_size=1).map(str.strip)))
@settings(max_examples=200)
def test_format_list_round_trips(items: list[str]) -> None:
    items = [item for item in items if item]
    assert parse_list(format_list(items)) == items
