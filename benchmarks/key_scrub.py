"""What scrubbing the API key from every reply costs: per page of 500 instances and over a
whole list, against decoding the same pages.

Run: .venv/bin/python benchmarks/key_scrub.py [--instances 100000] [--repeat 5]

The simulator (page cap 500, real HTTP on loopback) serves the list; every page is fetched
once as raw bytes, then each way of finding the key is timed over all of them (best of
`--repeat`), with a 64-character hex key of the shape real keys have:

- `json_loads`: decoding the pages (what a load costs anyway, for scale);
- `scans`: one `bytes.__contains__` per 8-character window of the key (57 windows);
- `regex_walk`: the error scrubber's expression over every string of the decoded pages;
- `check`: the raw check `scrub_reply` runs on every reply (one Aho-Corasick pass);
- `suspect_walk`: the walk a suspect reply gets (every string through the second automaton).

Prints one JSON object: milliseconds per page of 500 and seconds for the whole list.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from cca_tui.api.errors import _scrub
from cca_tui.api.key_scrub import key_scrubber
from cca_tui.sim.options import SimOptions
from cca_tui.sim.server import SimServer

KEY = "3f9c0a7e5b1d4f2a8c6e0b9d7a5f3c1e2b4d6f8a0c2e4b6d8f0a1c3e5b7d9f1a"


def fetch_pages(instances: int) -> list[bytes]:
    server = SimServer(SimOptions(task_delay=0, instances=instances, page_cap=500, api_key=KEY)).start()
    try:
        base = server.url.rstrip("/")
        with httpx.Client(headers={"MC-Api-Key": KEY}, timeout=60) as http:
            env = http.get(f"{base}/environments").json()["data"][0]
            path = f"{base}/services/{env['serviceConnection']['serviceCode']}/{env['name']}/instances"
            pages = []
            for number in range(1, instances // 500 + 2):
                reply = http.get(path, params={"page_number": number, "page_size": 500})
                if not reply.json()["data"]:
                    break
                pages.append(reply.content)
            return pages
    finally:
        server.stop()


def best(repeat: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    pages = fetch_pages(args.instances)
    decoded = [json.loads(page) for page in pages]
    scrubber = key_scrubber(KEY)
    windows = [KEY[i : i + 8].encode() for i in range(len(KEY) - 7)]
    assert not any(scrubber.suspect(page) for page in pages)
    ways: dict[str, Callable[[], Any]] = {
        "json_loads": lambda: [json.loads(page) for page in pages],
        "scans": lambda: [any(w in page.lower() for w in windows) for page in pages],
        "check": lambda: [scrubber.suspect(page) for page in pages],
        "suspect_walk": lambda: [scrubber.value(payload) for payload in decoded],
        "regex_walk": lambda: [_scrub(payload, KEY) for payload in decoded],
    }
    result: dict[str, Any] = {"instances": sum(len(p["data"]) for p in decoded), "pages": len(pages)}
    for name, work in ways.items():
        repeat = 1 if name == "regex_walk" else args.repeat
        seconds = best(repeat, work)
        result[f"{name}_ms_per_page"] = round(seconds * 1000 / len(pages), 3)
        result[f"{name}_s_total"] = round(seconds, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
