"""Claim benchmark: passes claimed and recorded per second by the site client, beside
huey's SQLite queue doing enqueue + dequeue of the same number of tasks.

    .venv/bin/python bench/claim.py                 # 20,000 passes
    .venv/bin/python bench/claim.py --passes 5000

The client uses the ``noop`` backend (nothing runs), so what is measured is gasp's own
path: read the queue view, claim in bulk on the exact revisions read (conflict-checked),
write each subjob's job specification, submit, and record the backend ids in bulk. One
client, then four clients as four sites (four processes) on the same embedded database.
Peer, same machine, same run: huey (a task queue on SQLite) enqueueing and dequeueing the
same number of tasks. Goal (issue 4): at least 5,000 subjobs/s for one client, and
faster than huey.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.campaign import prepare_production
from gasp.backends.noop import NoopBackend
from gasp.client.context import ClientContext
from gasp.client.cycle import Client
from gasp.config import parse_config
from gasp.store import open_server

SITES = 4


def prepare(folder: Path, passes: int) -> str:
    entry = {
        "module": "WaterGunElectron",
        "n_ev": passes,
        "ev_per_run": 1,
        "template": {"energy": 2},
    }
    return prepare_production(folder, entry)


def site_config(folder: Path, url: str, site: str) -> dict[str, object]:
    return {
        "site": {"name": site},
        "database": {"url": url},
        "backend": {"name": "noop", "workdir": str(folder / site)},
        "limits": {"max_submitted": 10**9, "jobs_per_cycle": 10**9, "claim_batch": 500},
    }


def one_client(folder: Path, passes: int) -> float:
    url = prepare(folder / "one", passes)
    raw = site_config(folder / "one", url, "solo")
    config = parse_config(raw, folder / "solo.toml")
    server = open_server(url)
    client = Client(
        ClientContext(config=config, db=server.database("production"), backend=NoopBackend()),
        submit_only=True,
    )
    start = time.perf_counter()
    report = client.cycle()
    elapsed = time.perf_counter() - start
    assert report.claimed == passes and report.submitted == passes, report.line()
    server.close()
    return elapsed


def four_clients(folder: Path, passes: int) -> tuple[float, int]:
    url = prepare(folder / "four", passes)
    processes = []
    for index in range(SITES):
        site = f"site{index}"
        config = folder / f"{site}.toml"
        raw = site_config(folder / "four", url, site)
        config.write_text(
            "\n".join(
                f"[{section}]\n" + "\n".join(f"{k} = {json.dumps(v)}" for k, v in values.items())  # type: ignore[attr-defined]
                for section, values in raw.items()
            )
        )
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gasp",
                    "-c",
                    str(config),
                    "client",
                    "--nomon",
                    "--loop",
                    "--interval",
                    "0",
                    "--max-cycles",
                    "3",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    start = time.perf_counter()
    outputs = [p.communicate() for p in processes]
    elapsed = time.perf_counter() - start
    claimed = 0
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        claimed += sum(
            int(line.split("claimed ")[1].split(",")[0])
            for line in out.splitlines()
            if "claimed " in line
        )
    assert claimed == passes, claimed
    return elapsed, claimed


def huey_peer(folder: Path, tasks: int) -> float:
    from huey import SqliteHuey

    huey = SqliteHuey(filename=str(folder / "huey.db"))

    @huey.task()
    def work(n: int) -> int:
        return n

    start = time.perf_counter()
    for n in range(tasks):
        work(n)
    dequeued = 0
    while huey.dequeue() is not None:
        dequeued += 1
    elapsed = time.perf_counter() - start
    assert dequeued == tasks, dequeued
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=20_000)
    args = parser.parse_args()
    n = args.passes
    with tempfile.TemporaryDirectory(prefix="gasp-bench-") as tmp:
        folder = Path(tmp)
        huey_s = huey_peer(folder, n)
        print(
            f"huey (SqliteHuey) enqueue+dequeue: {n} tasks in {huey_s:.2f} s = {n / huey_s:,.0f} tasks/s",
            flush=True,
        )
        one_s = one_client(folder, n)
        print(
            f"gasp, one client: {n} subjobs claimed and recorded in {one_s:.2f} s = {n / one_s:,.0f} subjobs/s"
            f"   (goal 5,000/s)   ratio to huey {(n / one_s) / (n / huey_s):.2f}",
            flush=True,
        )
        four_s, claimed = four_clients(folder, n)
        print(
            f"gasp, four clients (4 processes, one database): {claimed} subjobs in {four_s:.2f} s "
            f"= {claimed / four_s:,.0f} subjobs/s (process start-up included)   ratio to huey "
            f"{(claimed / four_s) / (n / huey_s):.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
