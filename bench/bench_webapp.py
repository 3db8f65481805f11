"""Person-page latency of the web app on a generated borough (target: p95 under 300 ms at 30k residents).

    .venv/bin/python bench/bench_webapp.py --people 30000
    .venv/bin/python bench/bench_webapp.py --index DIR --data DIR   # an index already loaded into DATA

How it measures: the borough is generated, linked, given its facts and loaded once (cached under
bench/out/), then the app is served by werkzeug's threaded server on 127.0.0.1 and a logged-in client
fetches ``/residents/<id>`` over HTTP for a random sample of residents, one request at a time, after a
warm-up. Each figure is the wall time of the whole request as the browser would see it: session and
role check, the five saved queries of the page on the embedded FalkorDB, the match explanations, the
Jinja render and the audit-log write to SQLite. The same is done for the network view and search.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import random
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, borough, peak_rss_mib, report  # noqa: E402

PASSWORD = "bench password 123"


def _percentiles(ms: list[float]) -> dict[str, float]:
    s = sorted(ms)

    def pct(p: float) -> float:
        return round(s[min(len(s) - 1, int(round(p * (len(s) - 1))))], 1)

    return {"n": len(s), "median_ms": round(statistics.median(s), 1), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "max_ms": round(s[-1], 1)}


def _loaded_store(people: int, seed: int, index: Path | None, data: Path | None) -> tuple[object, Path, Path]:
    from graph.falkor import FalkorStore
    from graph.load import load_index

    if index is None:
        _, index = borough(people, seed)
    if data is None:
        data = OUT / f"webapp-{people}-{seed}" / "data"
        fresh = not (data / "residex.rdb").exists()
        store = FalkorStore(data)
        if fresh:
            t = time.perf_counter()
            load_index(store, index, key_dir=data)
            store.checkpoint()
            print(f"loaded in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        return store, index, data
    return FalkorStore(data), index, data


class Client:
    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = self.opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
        self.opener.open(base + "/login", data=body).read()

    def timed_get(self, path: str) -> float:
        t = time.perf_counter()
        with self.opener.open(self.base + path) as r:
            r.read()
            assert r.status == 200, (path, r.status)
        return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--index", type=Path, default=None, help="an index folder already linked (with facts)")
    ap.add_argument("--data", type=Path, default=None, help="a data folder where --index is already loaded")
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--role", default="ig_officer", help="ig_officer sees every source: the most work per page")
    args = ap.parse_args()

    import logging

    import webapp
    from webapp import accounts

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    from webapp.graphstore import get_store

    store, index, data = _loaded_store(args.people, args.seed, args.index, args.data)
    with tempfile.TemporaryDirectory() as tmp:
        app = webapp.create_app({"DATA_DIR": tmp, "STORE": store, "INDEX_DIR": index, "LOCALHOST": True})
        with app.app_context():
            accounts.create_user("bench", PASSWORD, args.role, "Bench", approved=True)
            residents = [r["id"] for r in get_store().read("MATCH (r:Resident) RETURN r.resident_id AS id")]
            t = time.perf_counter()
            app.extensions["residex_explanations"].for_resident(residents[0], frozenset())
            explain_load_s = time.perf_counter() - t
        rng = random.Random(args.seed)
        sample = rng.sample(residents, min(args.samples, len(residents)))
        from werkzeug.serving import make_server

        server = make_server("127.0.0.1", 0, app, threaded=True)
        import threading

        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            c = Client(f"http://127.0.0.1:{server.server_port}", "bench")
            for rid in sample[:20]:  # warm-up: template compilation, engine caches
                c.timed_get(f"/residents/{rid}")
            person = [c.timed_get(f"/residents/{rid}") for rid in sample]
            network = [c.timed_get(f"/network/resident/{rid}") for rid in sample[:100]]
            names = [r["n"] for r in store.read("MATCH (r:Resident) RETURN r.last_name AS n LIMIT 2000") if r["n"]]
            search = [c.timed_get("/search?" + urllib.parse.urlencode({"name": n})) for n in rng.sample(names, 100)]
        finally:
            server.shutdown()
    report("webapp", {
        "residents": len(residents), "role": args.role, "index": str(index),
        "person_page": _percentiles(person), "network_view_depth2": _percentiles(network),
        "search_by_surname": _percentiles(search),
        "match_explanations_first_load_s": round(explain_load_s, 2),
        "target": "person page p95 < 300 ms", "met": _percentiles(person)["p95_ms"] < 300,
        "peak_rss_mib": peak_rss_mib(),
    })
    store.close()


if __name__ == "__main__":
    main()
