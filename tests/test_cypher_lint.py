"""Every saved query (app_ ones included) must be valid Neo4j 5 Cypher, not only FalkorDB Cypher.

Runs Neo4j's own parser and semantic analysis offline (tools/cypher-lint/lint.mjs, installed by
`make cypher-lint`). Skips with a reason only when node or the linter package is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = ROOT / "tools" / "cypher-lint" / "lint.mjs"
PACKAGE = ROOT / "tools" / "cypher-lint" / "node_modules" / "@neo4j-cypher" / "language-support"
FILES = sorted((ROOT / "cypher").glob("*.cypher"))


def _lint(paths: list[Path]) -> tuple[int, list[dict]]:
    """Run the linter over the files, split across a few node processes (each query takes ~1-2 s)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Neo4j Cypher linter needs Node.js (Debian package nodejs)")
    if not PACKAGE.is_dir():
        pytest.skip("the linter package is not installed: run `make cypher-lint` (npm ci in tools/cypher-lint)")
    jobs = max(1, min(len(paths), os.cpu_count() or 1, 4))
    chunks = [paths[i::jobs] for i in range(jobs)]
    procs = [subprocess.Popen([node, str(LINT), "--json", *map(str, chunk)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT) for chunk in chunks]
    rc, report = 0, []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode in (0, 1), f"linter failed to run: {err}"
        rc = max(rc, proc.returncode)
        report += json.loads(out)
    return rc, report


def test_every_saved_query_is_valid_neo4j_cypher() -> None:
    assert FILES, "no saved queries found in cypher/"
    rc, report = _lint(FILES)
    errors = [f"{Path(r['file']).name}:{d['line']}:{d['column']}: {d['message']}"
              for r in report for d in r["diagnostics"] if d["severity"] == "error"]
    assert not errors, "Neo4j 5 rejects:\n" + "\n".join(errors)
    assert rc == 0 and len(report) == len(FILES)


def test_linter_catches_invalid_cypher(tmp_path: Path) -> None:
    """Guard against a linter that silently passes everything."""
    bad = tmp_path / "bad.cypher"
    bad.write_text("// name: bad\n// param: n int = 1\nMATCH (r:Resident)\nWHERE r.x = $n\nRETURN m, $other AS o\n")
    rc, report = _lint([bad])
    messages = [(d["line"], d["message"]) for d in report[0]["diagnostics"] if d["severity"] == "error"]
    assert rc == 1
    assert any(line == 5 and "`m` not defined" in msg for line, msg in messages), messages
    assert any("$other" in msg for _, msg in messages), messages
