"""The command line contract: every subcommand exists, errors are one line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SUBCOMMANDS = ["generate", "link", "load", "query", "serve", "demo"]


def residex(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "residex.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=300)


def test_help_lists_every_subcommand() -> None:
    out = residex("--help")
    assert out.returncode == 0
    for name in SUBCOMMANDS:
        assert f"  {name} " in out.stdout


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_says_what_it_does(name: str) -> None:
    out = residex(name, "--help")
    assert out.returncode == 0 and len(out.stdout.strip().splitlines()) >= 3


def test_bad_neo4j_uri_is_one_line_naming_the_uri(tmp_path: Path) -> None:
    out = residex("load", "--index", str(tmp_path), env={"NEO4J_URI": "bolt://127.0.0.1:1"}, cwd=tmp_path)
    assert out.returncode != 0
    assert "Traceback" not in out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "bolt://127.0.0.1:1" in lines[0]


def test_demo_writes_and_says_where(tmp_path: Path) -> None:
    out = residex("demo", "--data", str(tmp_path / "d"), "--people", "300", "--no-serve", env={"NEO4J_URI": ""})
    assert out.returncode == 0, out.stderr
    assert str((tmp_path / "d").resolve()) in out.stdout
    assert "[3/3] loading" in out.stderr
    again = residex("demo", "--data", str(tmp_path / "d"), "--people", "300", "--no-serve", env={"NEO4J_URI": ""})
    assert again.returncode == 0 and "already generated" in again.stderr and "already built" in again.stderr
