#!/usr/bin/env python3
"""Check a built acs.ingest tarball: nothing of the development tree or of a user's data ships,
the files users are told about do, and every relative link of every shipped Markdown file
resolves inside the tarball.

    python hack/check-tarball.py .cache/importer/acs-ingest-X.Y.Z.tar.gz
"""

from __future__ import annotations

import re
import sys
import tarfile
from pathlib import PurePosixPath

# Never in the tarball: tests and scripts (they need the test bed), tool caches, VM data.
FORBIDDEN_TOP = {"tests", "hack", "extensions", ".ansible", ".cache", ".venv", ".git", ".hypothesis", "acs-plan",
                 "acs-report", "acs-output", "build", "DEVELOPERS.md", "pyproject.toml", ".ansible-lint"}  # fmt: skip
FORBIDDEN_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}
REQUIRED = [
    "README.md",
    "LICENSE",
    "CHANGELOG.rst",
    "changelogs/changelog.yaml",
    "requirements.txt",
    "bindep.txt",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "docs/README.md",
    "docs/awx.md",
    "docs/execution-environment.md",
    "docs/awx/credential_type.yml",
    "docs/ee/execution-environment.yml",
    "docs/ee/requirements.yml",
]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def main(tarball: str) -> int:
    with tarfile.open(tarball) as archive:
        members = {PurePosixPath(m.name) for m in archive.getmembers()}
        texts = {
            path: archive.extractfile(str(path)).read().decode("utf-8")  # type: ignore[union-attr]
            for path in members
            if path.suffix == ".md"
        }
    names = {str(path) for path in members}
    dirs = {str(parent) for path in members for parent in path.parents}
    problems = [f"{path}: must not ship" for path in sorted(members) if path.parts[0] in FORBIDDEN_TOP]
    problems += [f"{path}: must not ship" for path in sorted(members) if FORBIDDEN_PARTS & set(path.parts)]
    problems += [f"{path}: missing" for path in REQUIRED if path not in names]
    for path, text in sorted(texts.items()):
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
                continue  # a URL or an anchor in the same file
            resolved = PurePosixPath(*_normalise(path.parent / target.split("#")[0]))
            if str(resolved) not in names and str(resolved) not in dirs:
                problems.append(f"{path}: link '{target}' does not resolve inside the tarball")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{tarball}: {len(members)} members, {len(texts)} Markdown files, {len(problems)} problem(s)")
    return 1 if problems else 0


def _normalise(path: PurePosixPath) -> list[str]:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if not parts:
                return ["<outside the tarball>"]
            parts.pop()
        elif part != ".":
            parts.append(part)
    return parts


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
