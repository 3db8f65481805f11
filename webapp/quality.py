"""The data-quality report per source system, read from the linkage stage's output in the index folder
(``data_quality.json`` written by loaders/quality.py, and ``quarantine.csv``), for data owners to
correct their systems.

Counts and rates only: the JSON also holds examples (record IDs, resident IDs, names and dates of
birth that disagree), and quarantine.csv holds each bad row's raw text; none of that is personal data
this page may show, so examples are dropped here and only the reason and field columns of the
quarantine file are read. Small counts are about records, not people, and are not suppressed.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DISAGREE_FIELDS = (("dob", "Date of birth"), ("first_name", "First name"), ("last_name", "Surname"),
                   ("postcode", "Postcode / address"))


class QualityError(ValueError):
    """The report file exists but cannot be read; the message names the file."""


@dataclass
class SourceQuality:
    source_system: str
    file: str
    rows_read: int
    accepted: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    quarantined_by_field: dict[str, int]
    duplicate_residents: int
    duplicate_records: int
    disagrees: dict[str, int]
    missing_rate: dict[str, float]

    @staticmethod
    def rate(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    @property
    def quarantine_rate(self) -> float | None:
        return self.rate(self.quarantined, self.rows_read)

    @property
    def duplicate_rate(self) -> float | None:
        return self.rate(self.duplicate_records, self.accepted)

    def disagree_rate(self, f: str) -> float | None:
        return self.rate(self.disagrees.get(f, 0), self.accepted)


@dataclass
class QualityReport:
    path: Path
    sources: list[SourceQuality] = field(default_factory=list)
    generated: str = ""

    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(s, k) for s in self.sources)
                for k in ("rows_read", "accepted", "quarantined", "duplicate_records")}

    def as_counts(self) -> dict[str, Any]:
        """What the page shows, as plain data (for the audit entry and tests)."""
        return {s.source_system: {"rows_read": s.rows_read, "accepted": s.accepted, "quarantined": s.quarantined,
                                  "quarantined_by_reason": s.quarantined_by_reason,
                                  "within_source_duplicates": s.duplicate_records, "disagrees": s.disagrees,
                                  "missing_rate": s.missing_rate} for s in self.sources}


def _int(v: Any) -> int:
    try:
        return int(v or 0)
    except (TypeError, ValueError):
        return 0


def _quarantine_fields(index: Path) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    path = index / "quarantine.csv"
    if not path.exists():
        return out
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):  # only these two columns are read; `raw` never leaves the file
            out.setdefault(row.get("source_system") or "", Counter())[row.get("field") or "(row)"] += 1
    return out


def load(index_dir: str | Path | None) -> QualityReport | None:
    """The report for the index in ``index_dir``; None when there is no index or no report in it."""
    if not index_dir:
        return None
    index = Path(index_dir)
    path = index / "data_quality.json"
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise QualityError(f"{path}: cannot be read ({e})") from None
    if not isinstance(raw, dict):
        raise QualityError(f"{path}: expected one entry per source system")
    by_field = _quarantine_fields(index)
    import datetime as dt

    rep = QualityReport(path, generated=dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
                        .isoformat(timespec="minutes"))
    for system, d in sorted(raw.items()):
        if not isinstance(d, dict):
            continue
        dup = d.get("within_source_duplicates") or {}
        dis = d.get("disagrees_with_golden") or {}
        rep.sources.append(SourceQuality(
            source_system=system, file=str(d.get("file") or ""), rows_read=_int(d.get("rows_read")),
            accepted=_int(d.get("accepted")), quarantined=_int(d.get("quarantined")),
            quarantined_by_reason={str(k): _int(v) for k, v in sorted((d.get("quarantined_by_reason") or {}).items())},
            quarantined_by_field=dict(sorted(by_field.get(system, Counter()).items())),
            duplicate_residents=_int(dup.get("residents")), duplicate_records=_int(dup.get("records")),
            disagrees={f: _int((dis.get(f) or {}).get("records")) for f, _ in DISAGREE_FIELDS if f in dis},
            missing_rate={str(k): float(v) for k, v in (d.get("missing_rate") or {}).items()}))
    return rep
