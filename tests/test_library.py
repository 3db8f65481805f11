"""The saved-query loader and runner: header checks name file and line, coercion, role checks.

The runner tests use a real embedded FalkorDB (one per module; starting it costs seconds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.access import load_policy
from graph.library import (
    Forbidden,
    LibraryError,
    ParamError,
    QueryFileError,
    SavedQuery,
    UnknownQuery,
    load_library,
    return_columns,
    run_saved,
)

GOOD = """\
// name: {name}
// title: People by surname
// description: Residents with a given surname,
// description: visible sources only.
// category: question
// roles: analyst, ig_officer
// mode: read
// param: surname string | the surname to look for
// param: limit int = 10 | most rows returned
// param: since date = null | only records from this date
// param: flag bool = false | a switch
// param: ratio float = 0.5 | a ratio
// param: wards list = A,B | ward names
// example: residex query {name} -p surname=Smith
MATCH (r:Resident)
WHERE r.last_name = $surname AND ($since IS NULL OR r.since >= $since)
  AND $flag = $flag AND $ratio >= 0 AND size($wards) >= 0
  AND any(s IN r.sources WHERE s IN $access_sources)
  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT coalesce(r.opt_out, false))
RETURN r.resident_id AS resident_id,
       CASE WHEN $access_personal THEN r.last_name ELSE r.pseudonym END AS name,
       $today AS today
ORDER BY resident_id LIMIT $limit
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.cypher"
    path.write_text(text, encoding="utf-8")
    return path


def broken(tmp_path: Path, old: str, new: str, name: str = "people") -> Path:
    text = GOOD.format(name=name).replace(old, new)
    assert text != GOOD.format(name=name), "the test edit must change the file"
    return write(tmp_path, name, text)


def error_of(folder: Path) -> QueryFileError:
    with pytest.raises(QueryFileError) as info:
        load_library(folder)
    return info.value


def test_good_file_parses(tmp_path: Path) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    lib = load_library(tmp_path)
    q = lib.get("people")
    assert isinstance(q, SavedQuery) and [x.name for x in lib] == ["people"]
    assert q.title == "People by surname"
    assert q.description == "Residents with a given surname, visible sources only."
    assert q.category == "question" and q.mode == "read"
    assert q.roles == frozenset({"analyst", "ig_officer"})
    assert [p.name for p in q.params] == ["surname", "limit", "since", "flag", "ratio", "wards"]
    surname, limit, since, flag, ratio, wards = q.params
    assert surname.required and surname.default is None and surname.description == "the surname to look for"
    assert (limit.type, limit.default, limit.required) == ("int", 10, False)
    assert (since.default, since.required) == (None, False)
    assert flag.default is False and ratio.default == 0.5 and wards.default == ["A", "B"]
    assert q.example == "residex query people -p surname=Smith"
    assert q.text.startswith("MATCH (r:Resident)") and q.file == tmp_path / "people.cypher"
    assert q.columns == ("resident_id", "name", "today")


@pytest.mark.parametrize("old,new,line,words", [
    ("// title: People by surname\n", "", 13, "no 'title'"),
    ("// mode: read\n", "", 13, "no 'mode'"),
    ("WHERE r.last_name = $surname", "WHERE r.last_name = $surname AND r.x = $other", 16, "$other is used but not declared"),
    ("// param: flag bool = false | a switch\n// param: ratio float = 0.5 | a ratio\n",
     "// param: flag bool = false | a switch\n// param: ratio float = 0.5 | a ratio\n// param: unused int = 1\n",
     13, "'unused' is declared but"),
    ("limit int = 10", "limit integer = 10", 9, "unknown type 'integer'"),
    ("limit int = 10", "limit int = ten", 9, "default 'ten' is not a valid int"),
    ("// name: people", "// name: persons", 1, "must equal the file name 'people'"),
    ("// category: question", "// category: report", 5, "category 'report'"),
    ("// roles: analyst, ig_officer", "// roles: analyst, hacker", 6, "unknown role(s) hacker"),
    ("// mode: read", "// mode: both", 7, "mode 'both'"),
    ("// example:", "// sample:", 14, "unknown header key 'sample'"),
    ("// title: People by surname", "// title People", 2, "not '// key: value'"),
    ("// param: since date = null", "// param: today date = null", 16, "$since is used but not declared"),
])
def test_header_errors_name_file_and_line(tmp_path: Path, old: str, new: str, line: int, words: str) -> None:
    path = broken(tmp_path, old, new)
    err = error_of(tmp_path)
    assert isinstance(err, LibraryError)
    assert str(err).startswith(f"{path}:{line}: "), str(err)
    assert words in str(err)
    assert err.file == path and err.line == line


def test_declaring_a_reserved_param_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, "// param: flag bool = false | a switch\n",
                  "// param: flag bool = false | a switch\n// param: access_sources list = x\n")
    err = error_of(tmp_path)
    assert str(err).startswith(f"{path}:12: ") and "reserved" in str(err)


def test_read_mode_refuses_a_writing_query(tmp_path: Path) -> None:
    path = broken(tmp_path, "RETURN r.resident_id", "SET r.seen = true RETURN r.resident_id")
    err = error_of(tmp_path)
    assert str(err).startswith(f"{path}:7: ") and "writes" in str(err)


def test_params_in_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    write(tmp_path, "people", GOOD.format(name="people").replace(
        "ORDER BY", "// mentions $ghost in a comment\nWITH r, resident_id, name, today WHERE name <> '$ghost'\n"
                    "RETURN resident_id, name, today\nORDER BY"))
    assert load_library(tmp_path).get("people").columns == ("resident_id", "name", "today")


def test_unknown_query_is_a_key_error(tmp_path: Path) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    lib = load_library(tmp_path)
    with pytest.raises(UnknownQuery) as info:
        lib.get("nope")
    assert isinstance(info.value, KeyError) and isinstance(info.value, LibraryError)
    assert "nope" in str(info.value)


def test_visible_to_excludes_app_queries_and_other_roles(tmp_path: Path) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    write(tmp_path, "app_people", GOOD.format(name="app_people").replace("category: question", "category: app"))
    lib = load_library(tmp_path)
    assert [q.name for q in lib.visible_to("analyst")] == ["people"]
    assert lib.visible_to("fraud_investigator") == []
    assert len(lib) == 2 and "app_people" in lib


def test_coerce_converts_form_strings(tmp_path: Path) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    q = load_library(tmp_path).get("people")
    got = q.coerce({"surname": " Smith ", "limit": "25", "since": "2024-02-29", "flag": "yes",
                    "ratio": "0.75", "wards": "North, South ,"})
    assert got == {"surname": "Smith", "limit": 25, "since": dt.date(2024, 2, 29), "flag": True,
                   "ratio": 0.75, "wards": ["North", "South"]}
    assert q.coerce({"surname": "X", "limit": "", "flag": False}) == {
        "surname": "X", "limit": 10, "since": None, "flag": False, "ratio": 0.5, "wards": ["A", "B"]}


@pytest.mark.parametrize("raw,param,words", [
    ({}, "surname", "required"),
    ({"surname": "  "}, "surname", "required"),
    ({"surname": "S", "limit": "ten"}, "limit", "not a valid int"),
    ({"surname": "S", "limit": "2.5"}, "limit", "not a valid int"),
    ({"surname": "S", "since": "31/12/2024"}, "since", "not a valid date"),
    ({"surname": "S", "flag": "maybe"}, "flag", "not a valid bool"),
    ({"surname": "S", "ratio": "lots"}, "ratio", "not a valid float"),
    ({"surname": "S", "colour": "red"}, "colour", "not a parameter"),
    ({"surname": "S", "access_sources": ["police_contacts"]}, "access_sources", "access context"),
    ({"surname": "S", "access_personal": "true"}, "access_personal", "access context"),
])
def test_coerce_errors_name_the_param(tmp_path: Path, raw: dict, param: str, words: str) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    q = load_library(tmp_path).get("people")
    with pytest.raises(ParamError) as info:
        q.coerce(raw)
    assert info.value.param == param and repr(param) in str(info.value) and words in str(info.value)
    assert isinstance(info.value, LibraryError)


def test_return_columns() -> None:
    assert return_columns("MATCH (n) RETURN DISTINCT n.a AS a, {x: 1, y: [1, 2]} AS m, count(*) LIMIT 3") == [
        "a", "m", "count(*)"]
    assert return_columns("MATCH (n) WITH n RETURN n ORDER BY n.a") == ["n"]


# ---------------------------------------------------------------------------------------------------
# the runner, on a real embedded FalkorDB
@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from graph.falkor import FalkorStore

    s = FalkorStore(tmp_path_factory.mktemp("library") / "data")
    s.write("CREATE (:Resident {resident_id: 'R1', last_name: 'Smith', pseudonym: 'P-1', since: '2020-01-01', "
            "sources: ['council_tax']}), "
            "(:Resident {resident_id: 'R2', last_name: 'Smith', pseudonym: 'P-2', since: '2025-01-01', "
            "sources: ['police_contacts']})")
    try:
        yield s
    finally:
        s.close()


def _ctx(role: str, purpose: str | None = None, case_ref: str = ""):
    policy = load_policy()
    basis = policy.purposes[purpose].legal_bases[0] if purpose else ""
    return policy.context(user="u1", role=role, purpose=purpose, legal_basis=basis, case_ref=case_ref,
                          today=dt.date(2025, 12, 31))


def test_run_saved_filters_and_pseudonymises_in_the_query(tmp_path: Path, store) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    q = load_library(tmp_path).get("people")
    analyst = run_saved(store, q, {"surname": "Smith"}, _ctx("analyst"))
    assert analyst.columns == ["resident_id", "name", "today"]
    assert analyst.rows == [{"resident_id": "R1", "name": "P-1", "today": dt.date(2025, 12, 31)},
                            {"resident_id": "R2", "name": "P-2", "today": dt.date(2025, 12, 31)}]
    ig = run_saved(store, q, {"surname": "Smith", "since": "2024-01-01"}, _ctx("ig_officer"))
    assert ig.rows == [{"resident_id": "R2", "name": "Smith", "today": dt.date(2025, 12, 31)}]
    # the purpose narrows the visible sources: police data is not part of service planning
    planning = run_saved(store, q, {"surname": "Smith"}, _ctx("analyst", "service_planning"))
    assert [r["resident_id"] for r in planning.rows] == ["R1"]


def test_run_saved_empty_result_keeps_columns(tmp_path: Path, store) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    q = load_library(tmp_path).get("people")
    res = run_saved(store, q, {"surname": "Nobody"}, _ctx("analyst"))
    assert res.rows == [] and res.columns == ["resident_id", "name", "today"]


def test_run_saved_forbidden_for_other_roles(tmp_path: Path, store) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    q = load_library(tmp_path).get("people")
    with pytest.raises(Forbidden) as info:
        run_saved(store, q, {"surname": "Smith"}, _ctx("fraud_investigator"))
    assert "fraud_investigator" in str(info.value) and isinstance(info.value, LibraryError)


def test_run_saved_refuses_reserved_params_from_the_request(tmp_path: Path, store) -> None:
    write(tmp_path, "people", GOOD.format(name="people"))
    q = load_library(tmp_path).get("people")
    with pytest.raises(ParamError):
        run_saved(store, q, {"surname": "Smith", "access_personal": True}, _ctx("analyst"))


def test_write_mode_goes_down_the_write_path(tmp_path: Path, store) -> None:
    write(tmp_path, "tag", "\n".join([
        "// name: tag", "// title: Tag", "// description: Tag a resident", "// category: app",
        "// roles: ig_officer", "// mode: write", "// restrictions: a test of the write path",
        "// param: rid string | resident",
        "MATCH (r:Resident {resident_id: $rid}) SET r.tagged = $today RETURN r.tagged AS tagged"]))
    q = load_library(tmp_path).get("tag")
    res = run_saved(store, q, {"rid": "R1"}, _ctx("ig_officer"))
    assert res.rows == [{"tagged": dt.date(2025, 12, 31)}]


def test_shipped_library_loads() -> None:
    lib = load_library()
    assert len(lib) > 0
    for q in lib:
        assert q.file.parent.name == "cypher" and q.category in ("detector", "question", "app")


def test_return_columns_are_not_cut_by_a_keyword_inside_an_item() -> None:
    # `[..$limit]` and `a.limit` are parts of items, not the LIMIT clause
    text = "MATCH (a) RETURN 'X' AS part, items[..$limit] AS items, a.limit AS l, size(items) AS total LIMIT $limit"
    assert return_columns(text) == ["part", "items", "l", "total"]
    assert return_columns("MATCH (a) RETURN a.x AS x ORDER BY x SKIP 1") == ["x"]


def test_a_query_without_the_restriction_filters_is_rejected_naming_the_line(tmp_path: Path) -> None:
    broken(tmp_path, "  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT "
                     "coalesce(r.opt_out, false))\n", "")
    e = error_of(tmp_path)
    assert e.line == 15 and "matches a Resident but never uses $access_sealed or $access_opt_out" in str(e)
    assert str(e).startswith(f"{tmp_path / 'people.cypher'}:15:")
    broken(tmp_path, "($access_opt_out OR NOT coalesce(r.opt_out, false))", "true")
    assert "never uses $access_opt_out" in str(error_of(tmp_path))


def test_an_address_query_must_test_protected(tmp_path: Path) -> None:
    broken(tmp_path, "MATCH (r:Resident)\n", "MATCH (r:Resident)-[:LIVES_AT]->(a:Address)\n")
    e = error_of(tmp_path)
    assert e.line == 15 and "matches an Address but never tests protected" in str(e)
    broken(tmp_path, "MATCH (r:Resident)\n", "MATCH (r:Resident)-[:LIVES_AT]->(a:Address)\n"
                                               "WHERE NOT coalesce(a.protected, false)\n")
    assert load_library(tmp_path).get("people")


def test_restrictions_header_explains_an_exception(tmp_path: Path) -> None:
    text = GOOD.format(name="people").replace(
        "  AND ($access_sealed OR NOT coalesce(r.sealed, false)) AND ($access_opt_out OR NOT "
        "coalesce(r.opt_out, false))\n", "")
    write(tmp_path, "people", text.replace("// mode: read\n", "// mode: read\n// restrictions: handled by the caller\n"))
    assert load_library(tmp_path).get("people")
    write(tmp_path, "people", text.replace("// mode: read\n", "// mode: read\n// restrictions:\n"))
    assert "never uses $access_sealed" in str(error_of(tmp_path))  # an empty reason is no reason
