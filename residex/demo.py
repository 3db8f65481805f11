"""`residex demo`: the whole product on a small synthetic borough, on the embedded store by default.

generate -> link (+ facts) -> load -> demo accounts -> serve. Each stage is skipped when its output
already matches (same people and seed), so a second `make demo` starts serving in seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from graph.store import data_dir, open_store

Progress = Callable[[str], None]
DEMO_PEOPLE = 3000
DEMO_SEED = 1


def _stamp(folder: Path) -> dict:
    try:
        return json.loads((folder / ".residex-demo.json").read_text())
    except (OSError, ValueError):
        return {}


def _mark(folder: Path, **info: object) -> None:
    (folder / ".residex-demo.json").write_text(json.dumps(info))


def build_demo(where: Path, people: int = DEMO_PEOPLE, seed: int = DEMO_SEED,
               progress: Progress = print) -> dict:
    """Generate, link and load the demo borough under ``where``; returns what each stage reported."""
    from graph.load import load_index
    from loaders.pipeline import build_index
    from loaders.synthetic import generate

    wanted = {"people": people, "seed": seed}
    sources, index = where / "demo" / "sources", where / "demo" / "index"
    summary: dict = {}
    if _stamp(sources) != wanted:
        progress(f"[1/3] generating a borough of {people:,} people (seed {seed}) in {sources}")
        summary["generate"] = generate(people, seed, sources, progress=progress)
        _mark(sources, **wanted)
    else:
        progress(f"[1/3] borough already generated in {sources}")
    if _stamp(index) != wanted:
        progress(f"[2/3] linking source extracts into a resident index in {index}")
        summary["link"] = build_index(sources, index, progress=progress)
        _mark(index, **wanted)
    else:
        progress(f"[2/3] resident index already built in {index}")
    progress("[3/3] loading the index into the graph store")
    with open_store(data=where) as store:
        report = load_index(store, index, progress=progress, key_dir=where)
        summary["load"] = report.as_dict()
        summary["engine"] = store.engine
        summary["path"] = str(getattr(store, "path", "") or "")
    return summary


def run_demo(data: Path | None, progress: Progress = print, serve: bool = True,
             host: str = "127.0.0.1", port: int = 5000, people: int = DEMO_PEOPLE) -> dict:
    where = (data or data_dir()).resolve()
    summary = build_demo(where, people=people, progress=progress)
    path = summary["path"]
    print(f"data lives in {path if path else 'the Neo4j database at NEO4J_URI'} "
          f"(sources and index under {where / 'demo'})")
    import webapp

    app = webapp.create_app({"DATA_DIR": str(where), "INDEX_DIR": str(where / "demo" / "index"),
                             "LOCALHOST": host in ("127.0.0.1", "localhost", "::1")})
    accounts = webapp.accounts.create_demo_accounts(app)
    print("demo accounts (username / password, role, team):")
    for username, password, role, team in accounts:
        print(f"  {username:<12} {password:<20} {role:<20} {team}")
    if serve:
        print(f"serving Residex at http://{host}:{port}  (Ctrl-C to stop)")
        webapp.serve(host, port, where, index_dir=where / "demo" / "index", app=app)
    return summary
