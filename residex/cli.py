"""The ``residex`` command line. Each subcommand is a thin shell over one function in another package;
known errors print as one line (never a traceback) and exit non-zero."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from residex import __version__


def _known_errors() -> tuple[type[BaseException], ...]:
    """The project's user-facing error bases, gathered from the packages that define them."""
    from graph.access import AccessError
    from graph.errors import StoreError
    from graph.library import LibraryError
    from graph.load import LoadError
    from graph.model import ModelError

    errors: list[type[BaseException]] = [StoreError, LoadError, ModelError, AccessError, LibraryError]
    try:
        from loaders.errors import LoaderError

        errors.append(LoaderError)
    except ImportError:
        pass
    return tuple(errors)


def friendly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the project's own exceptions into a one-line message and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except _known_errors() as e:
            raise click.ClickException(" ".join(str(e).split())) from None  # one line, always

    return wrapper


def say(message: str) -> None:
    """Progress goes to stderr so that stdout stays clean for tables and JSON."""
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="residex")
def main() -> None:
    """Residex links residents' records across council and partner systems and explores them as a graph.

    Typical flow: generate (or bring extracts) -> link -> load -> query / serve. `residex demo` runs it
    all on a small synthetic borough.
    """


@main.command()
@click.option("--people", type=click.IntRange(200), default=3000, show_default=True,
              help="Residents to simulate (at least 200, so that every scenario can be planted).")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed; same seed, same files.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the extracts and truth/.")
@friendly
def generate(people: int, seed: int, out: Path) -> None:
    """Write a synthetic borough: one CSV extract per source system, an LLPG, and truth files."""
    from loaders.synthetic import generate as run

    summary = run(people, seed, out, progress=say)
    click.echo(f"wrote {summary['source_records']:,} source records for {people:,} people to {out} "
               f"in {summary['seconds']:.1f}s")


@main.command()
@click.option("--sources", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True,
              help="Folder of source extracts that have mappings.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the resident index.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@friendly
def link(sources: Path, out: Path, engine: str) -> None:
    """Validate, standardise and link source extracts into a resident index with golden records."""
    from loaders.pipeline import build_index

    summary = build_index(sources, out, engine=engine, progress=say)
    click.echo(f"linked {summary.get('records', '?')} records into {summary.get('residents', '?')} residents; "
               f"index in {out}")


@main.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
              required=True, help="Folder written by `residex link`.")
@friendly
def load(index_dir: Path) -> None:
    """Load a resident index into the graph store (idempotent: re-running updates, never duplicates)."""
    from graph.load import load_index
    from graph.store import open_store

    with open_store() as store:
        report = load_index(store, index_dir, progress=say)
    r = report.as_dict()
    click.echo(f"loaded {r['total_rows']:,} rows into {store.engine} ({r['rows_per_second'] or 0:,} rows/s); "
               f"retired {sum(report.retired.values()):,} stale facts")


@main.command()
@click.argument("name", required=False)
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE", help="A declared query parameter.")
@click.option("--list", "list_queries", is_flag=True, help="List the saved queries with titles and roles.")
@click.option("--json", "as_json", is_flag=True, help="Print rows as JSON instead of a table.")
@click.option("--role", default="analyst", show_default=True,
              help="Role to run as (graph/access.yaml); analysts see pseudonyms, not names.")
@click.option("--purpose", default=None,
              help="Purpose of the session (narrows the sources further; needs --legal-basis).")
@click.option("--legal-basis", default="",
              help="Legal basis for the purpose, one of that purpose's legal_bases in graph/access.yaml.")
@click.option("--case-ref", default="", help="Case reference, where the purpose needs one.")
@friendly
def query(name: str | None, params: tuple[str, ...], list_queries: bool, as_json: bool, role: str,
          purpose: str | None, legal_basis: str, case_ref: str) -> None:
    """Run a saved query from the cypher/ library and print its rows with their evidence."""
    import getpass

    from graph.access import load_policy
    from graph.library import load_library, run_saved
    from graph.store import open_store
    from residex.tables import render_json, render_table
    from webapp.audit import record_cli_query  # command-line runs go to the same durable audit log

    library = load_library()
    if list_queries or not name:
        rows = [{"name": q.name, "category": q.category, "title": q.title, "roles": ", ".join(sorted(q.roles)),
                 "params": ", ".join(p.name for p in q.params)} for q in library if q.category != "app"]
        click.echo(render_table(["name", "category", "title", "roles", "params"], rows))
        return
    raw: dict[str, str] = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--param")
        raw[key.strip()] = value
    saved = library.get(name)
    policy = load_policy()
    if purpose is not None and purpose in policy.purposes and not legal_basis.strip():
        allowed = "; ".join(repr(b) for b in policy.purposes[purpose].legal_bases)
        raise click.BadParameter(f"--purpose {purpose} needs a legal basis, one of: {allowed}",
                                 param_hint="--legal-basis")
    access = policy.context(user=f"cli:{getpass.getuser()}", role=role, purpose=purpose,
                                   legal_basis=legal_basis, case_ref=case_ref)
    with open_store() as store:
        result = run_saved(store, saved, raw, access)
    record_cli_query(access, saved.name, result.params, len(result.rows),
                     resident_ids=[r.get("resident_id") for r in result.rows if isinstance(r.get("resident_id"), str)])
    if as_json:
        click.echo(render_json(result.columns, result.rows))
    else:
        click.echo(render_table(result.columns, result.rows))
        say(f"{len(result.rows)} rows in {result.elapsed_ms:.0f} ms ({saved.title})")


@main.command("subject-access")
@click.argument("resident_id")
@click.option("--case-ref", required=True, help="The subject access request's reference (the case reference).")
@click.option("--legal-basis", required=True, help="Legal basis allowed for the subject_access purpose.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="File to write: .json for the report, .zip for one CSV per section plus the JSON.")
@click.option("--user", default=None, help="Who is answering the request (default: the login name).")
@friendly
def subject_access(resident_id: str, case_ref: str, legal_basis: str, out: Path, user: str | None) -> None:
    """Write a subject access report on one resident (as the IG officer, purpose subject_access); audited."""
    import getpass

    from graph.access import load_policy
    from graph.store import open_store
    from graph.subject_access import PURPOSE, SubjectNotFound, subject_access_report, to_csv_zip, to_json
    from webapp.audit import record_cli_event, search_cli_trail

    if out.suffix.lower() not in (".json", ".zip"):
        raise click.BadParameter("the file must end in .json or .zip", param_hint="--out")
    access = load_policy().context(user=f"cli:{user or getpass.getuser()}", role="ig_officer", purpose=PURPOSE,
                                   legal_basis=legal_basis, case_ref=case_ref)
    path = f"residex subject-access {resident_id}"
    try:
        with open_store() as store:
            report = subject_access_report(store, resident_id, access, search_cli_trail(resident_id))
    except SubjectNotFound:
        record_cli_event(access, "sar_export", path=path, outcome="not_found", resident=resident_id)
        raise click.ClickException(f"no resident {resident_id!r} in the index (check the resident ID)") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    fmt = out.suffix.lower()[1:]
    out.write_bytes(to_json(report).encode("utf-8") if fmt == "json" else to_csv_zip(report))
    s = report["summary"]
    record_cli_event(access, "sar_export", path=path, resident_ids=[resident_id], resident=resident_id,
                     format=fmt, file=str(out), shown=s)
    click.echo(f"wrote {out}: {s['source_records']} source records, {s['addresses']} addresses, "
               f"{s['claims']} claims, {s['contacts']} contacts, {s['family_links']} family links, "
               f"{s['household_members']} household members, {s['audit_entries']} audit entries, "
               f"{sum(report['withheld'].values())} withheld")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--index", "index_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Index folder (for match explanations); default DATA/index, or DATA/demo/index.")
@friendly
def serve(host: str, port: int, index_dir: Path | None) -> None:
    """Serve the web explorer for investigators, social workers, analysts and IG officers."""
    import webapp
    from graph.store import data_dir

    where = data_dir().resolve()
    if index_dir is None and (where / "demo" / "index").is_dir() and not (where / "index").is_dir():
        index_dir = where / "demo" / "index"
    say(f"serving Residex at http://{host}:{port} on the graph in {where} (Ctrl-C to stop)")
    webapp.serve(host, port, where, index_dir=index_dir)


@main.command()
@click.option("--data", type=click.Path(path_type=Path), default=None,
              help="Data directory (default $RESIDEX_DATA or ./residex-data).")
@click.option("--people", type=click.IntRange(200), default=3000, show_default=True,
              help="Size of the synthetic demo borough.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@click.option("--serve/--no-serve", default=True, show_default=True, help="Serve the web explorer at the end.")
@friendly
def demo(data: Path | None, people: int, host: str, port: int, serve: bool) -> None:
    """Generate a small borough, link it, load it into the embedded graph and serve the explorer."""
    from residex.demo import run_demo

    run_demo(data, progress=say, serve=serve, host=host, port=port, people=people)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
