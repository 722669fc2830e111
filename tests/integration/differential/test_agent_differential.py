"""Differential test of the KVM agent's rules: the collection's pre-flight against the simulator's agent.

Issue 9 asks that the rules catalogue (plugins/module_utils/_rules, behind ``unmanaged_instance_info``) and the
simulator (tests/acs_simulator, written separately, importing nothing from plugins/) catch each other. Every
generated domain (``domains.generate``: each agent rule's trigger alone, then seeded random mixes) and each
held-out CloudStack sample (../shared/fixtures/cloudstack_domain_xml) goes through both, for every agent release
and both listings (listUnmanagedInstances of a running domain, listVmsForImport of a shut-off one). They must
agree on listed/dropped, the simulator's drop code (the exception CloudStack's agent throws first) must be among
the collection's blocker codes, and a listed domain's fields must be equal. Where they disagree, CloudStack's
source decides which side to fix (never this test). Run with ``-s`` for the figures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import domains, judges

SEED = 20261130
COMBINATIONS = 300  # ~390 documents x 9 releases x 2 listings, about 15 s of CPU
LISTINGS = ("unmanaged", "remote")
FIXTURES = Path(__file__).resolve().parents[4] / "shared" / "fixtures" / "cloudstack_domain_xml"
MAX_SHOWN = 25


@dataclass(frozen=True)
class Document:
    name: str
    xml: str
    facts: judges.Facts
    aims: tuple[str, ...]


def documents() -> list[Document]:
    out = [
        Document(
            name,
            spec.render(f"gen-{n:03d}"),
            judges.Facts(vcpus=spec.vcpus, memory_kib=spec.memory_kib, vlan=spec.vlan, active=spec.active),
            tuple(spec.triggers),
        )
        for n, (name, spec) in enumerate(domains.generate(SEED, COMBINATIONS))
    ]
    if FIXTURES.is_dir():
        out += [
            Document(f"fixture:{p.name}", p.read_text(), judges.Facts(), ()) for p in sorted(FIXTURES.glob("*.xml"))
        ]
    return out


@dataclass
class Outcome:
    """Per (document, release, listing): both verdicts."""

    doc: Document
    release: str
    listing: str
    ours: judges.Verdict
    theirs: judges.Verdict

    def problems(self) -> list[str]:
        a, b = self.ours, self.theirs
        if a.error or b.error:
            return [f"could not judge: collection={a.error!r} simulator={b.error!r}"]
        if a.listed != b.listed:
            said = {True: "listed", False: "dropped"}
            return [f"collection: {said[a.listed]} {list(a.codes)}; simulator: {said[b.listed]} {list(b.codes)}"]
        if not a.listed:
            missing = [code for code in b.codes if code not in a.codes]
            return [f"the agent throws {missing[0]}, the collection predicts only {list(a.codes)}"] if missing else []
        return judges.field_diff(a.fields, b.fields)


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    out = []
    for doc in documents():
        for listing in LISTINGS:
            for release in judges.RELEASES:
                ours = judges.collection(doc.xml, release, listing, doc.facts)
                theirs = judges.simulator(doc.xml, release, listing, doc.facts)
                out.append(Outcome(doc, release, listing, ours, theirs))
    return out


def test_fixtures_are_part_of_the_run() -> None:
    assert FIXTURES.is_dir(), f"held-out samples missing at {FIXTURES}"
    assert len(list(FIXTURES.glob("*.xml"))) >= 6


def test_collection_and_simulator_agents_agree(outcomes: list[Outcome]) -> None:
    disagreements = [(o, o.problems()) for o in outcomes]
    disagreements = [(o, p) for o, p in disagreements if p]
    both_listed = [o for o in outcomes if o.ours.listed and o.theirs.listed]
    verdicts_equal = sum(o.ours.listed == o.theirs.listed for o in outcomes)
    fields_equal = sum(not judges.field_diff(o.ours.fields, o.theirs.fields) for o in both_listed)
    dropped = [o for o in outcomes if not o.ours.listed and not o.theirs.listed]
    codes_equal = sum(all(code in o.ours.codes for code in o.theirs.codes) for o in dropped)
    docs = len({o.doc.name for o in outcomes})
    print(
        f"\nagent differential: {docs} documents x {len(judges.RELEASES)} releases x {len(LISTINGS)} listings = "
        f"{len(outcomes)} verdicts; listed/dropped agree {verdicts_equal}/{len(outcomes)} "
        f"({len(both_listed)} listed, {len(dropped)} dropped); drop code agrees {codes_equal}/{len(dropped)}; "
        f"listed fields agree {fields_equal}/{len(both_listed)}"
    )
    lines = []
    for outcome, problems in disagreements[:MAX_SHOWN]:
        lines.append(f"- {outcome.doc.name} [{outcome.listing} {outcome.release}]")
        lines += [f"    {p}" for p in problems]
    if disagreements:
        by_doc = Counter(o.doc.name for o, _ in disagreements)
        lines.append(f"{len(disagreements)} disagreements over {len(by_doc)} documents (first {MAX_SHOWN} shown)")
        lines.append("the first document in full:\n" + disagreements[0][0].doc.xml)
    assert not disagreements, "the collection and the simulator disagree:\n" + "\n".join(lines)


def test_every_trigger_reaches_its_rule(outcomes: list[Outcome]) -> None:
    """A trigger aimed at a drop rule makes some release drop the domain with that code (on either side,
    since the two agree), so the generator really exercises each rule and is not feeding only valid XML."""
    reported: set[str] = set()
    for o in outcomes:
        reported.update(o.theirs.codes)
        reported.update(o.ours.codes)
    drop_aims = set(domains.TRIGGERS) - set(domains.FIELD_AIMS)
    assert sorted(drop_aims - reported) == []
    alone = {o.doc.aims[0] for o in outcomes if len(o.doc.aims) == 1 and o.ours.listed and o.theirs.listed}
    assert set(domains.FIELD_AIMS) <= alone, "a field trigger alone should leave the domain listed somewhere"
