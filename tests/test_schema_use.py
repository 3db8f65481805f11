"""Each lookup index the model asks for is one a saved query starts from: an index costs load time on
every node of its label, so one nobody uses is dropped rather than kept "just in case"."""

from __future__ import annotations

import re

from graph.library import load_library
from graph.model import load_model


def test_every_lookup_index_is_used_by_a_saved_query() -> None:
    texts = [q.text for q in load_library()]
    for spec in load_model().schema():
        if spec.unique:
            continue  # node keys: MERGE and every lookup by key
        if spec.relationship:  # a start from the relationship itself, its ends named after it
            rel = re.compile(rf"MATCH \(\)-\[(\w+):{spec.label}\]->\(\)\s+WHERE \1\.{spec.property} (=|IN) ")
            assert any(rel.search(t) for t in texts), f"no saved query starts from {spec.label} by {spec.property}"
            continue
        start = re.compile(rf"\(\w+:{spec.label} \{{{spec.property}: \$")
        equal = re.compile(rf"\b\w+\.{spec.property} = \w+\.{spec.property}\b")
        assert any(start.search(t) or equal.search(t) for t in texts), \
            f"no saved query looks {spec.label} nodes up by {spec.property}"
