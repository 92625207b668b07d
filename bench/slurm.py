"""Slurm benchmark: 500 jobs submitted and followed to completion by one site client.

    .venv/bin/python bench/slurm.py              # 500 jobs
    .venv/bin/python bench/slurm.py --jobs 100

Starts its own single-node Slurm cluster (the one the tests use, tests/services/
slurm_cluster.py: needs Debian's slurm-wlm and munge, as root), submits a number-mode
request of N one-event jobs, and runs ``gasp client`` cycles (the real runner and toyrat in
every Slurm job, a ``file://`` storage element) until every pass is completed. Every
process the client starts is counted from the interpreter's audit events, nothing patched.

Figures:

* Slurm commands per cycle, split into status queries (squeue/sacct for live jobs) and
  submissions: status queries must stay O(1) per cycle however many jobs are live;
  sbatch is once per job (Slurm has no bulk submission of distinct jobs).
* client overhead per job: the client's own wall time inside cycles (sleeps excluded) and
  its CPU time, divided by the jobs.
* peer, same cluster, same run: following the same N jobs the way a per-job script does,
  one ``squeue -j ID`` per live job, timed against gasp's one batched query (ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.campaign import prepare_production
from gasp.backends.factory import make_backend
from gasp.client.context import ClientContext
from gasp.client.cycle import Client, CycleReport
from gasp.config import parse_config
from gasp.store import open_server
from tests.services.slurm_cluster import (
    SlurmCluster,
    missing_reason,
    running_slurm_cluster,
    started_commands,
)

STATUS_PROGRAMS = ("squeue", "sacct")


def follow(folder: Path, cluster: SlurmCluster, jobs: int) -> None:
    url = prepare_production(
        folder / "db", {"module": "WaterGunElectron", "n_ev": jobs, "ev_per_run": 1,
                        "template": {"energy": 2}},
    )  # fmt: skip
    raw = {
        "site": {"name": "bench"},
        "database": {"url": url},
        "backend": {
            "name": "slurm",
            "workdir": str(folder / "jobs"),
            "options": {"accounting": "jobcomp", "slurm_conf": str(cluster.conf)},
        },
        "storage": {"primary": "se", "elements": {"se": {"url": str(folder / "se")}}},
        "limits": {"max_submitted": jobs, "jobs_per_cycle": jobs},
        "retry": {"backoff_s": 0},
    }
    config = parse_config(raw, folder / "bench.toml")
    server = open_server(url)
    backend = make_backend(
        "slurm", {**config.backend.options, "spool": str(folder / "jobs" / "spool")}
    )
    client = Client(ClientContext(config=config, db=server.database("production"), backend=backend))

    per_cycle: list[list[list[str]]] = []
    reports: list[CycleReport] = []
    slept = 0.0
    live_most = 0
    cpu_start, wall_start = time.process_time(), time.monotonic()
    with started_commands() as started:
        while True:
            mark = len(started)
            report = client.cycle()
            reports.append(report)
            per_cycle.append(started[mark:])
            live_most = max(live_most, report.live)
            if report.idle:
                break
            if len(reports) % 10 == 0:
                print(f"  cycle {len(reports)}: {report.line()}", flush=True)
            time.sleep(1.0)
            slept += 1.0
    wall = time.monotonic() - wall_start - slept
    cpu = time.process_time() - cpu_start
    completed = sum(r.completed for r in reports)
    assert completed == jobs, f"{completed} of {jobs} passes completed"

    status_counts = [sum(1 for c in cmds if c[0] in STATUS_PROGRAMS) for cmds in per_cycle]
    all_programs = Counter(c[0] for cmds in per_cycle for c in cmds)
    print(
        f"gasp client: {jobs} jobs completed in {len(reports)} cycles; at most {live_most} "
        f"live at once",
        flush=True,
    )
    print(
        f"Slurm status queries per cycle (squeue+sacct, incl. name reconciliation): "
        f"max {max(status_counts)}, mean {sum(status_counts) / len(status_counts):.1f} "
        f"(O(1): the same with {live_most} live jobs as with 1)",
        flush=True,
    )
    print(
        f"Slurm commands over the run: {dict(all_programs)}; sbatch per job "
        f"{all_programs['sbatch'] / jobs:.2f}",
        flush=True,
    )
    print(
        f"client overhead per job: {1000 * wall / jobs:.1f} ms wall inside cycles (sleeps "
        f"excluded), {1000 * cpu / jobs:.1f} ms CPU",
        flush=True,
    )
    server.close()


def peer_per_job_queries(cluster: SlurmCluster, jobs: int) -> None:
    """N held jobs; one batched squeue (gasp) against one squeue per job (a per-job script)."""
    env = {**os.environ, **cluster.env}
    ids = []
    for n in range(jobs):
        out = subprocess.run(
            ["sbatch", "--parsable", "--hold", f"--job-name=peer{n}", "--output=/dev/null",
             "--wrap=true"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        ids.append(out.strip().split(";")[0])
    try:
        start = time.perf_counter()
        batched = subprocess.run(
            ["squeue", "--noheader", "--format=%i|%T", f"--jobs={','.join(ids)}"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        one_s = time.perf_counter() - start
        assert len(batched.splitlines()) == jobs, batched
        start = time.perf_counter()
        for job_id in ids:
            subprocess.run(
                ["squeue", "--noheader", "--format=%i|%T", f"--jobs={job_id}"],
                env=env, capture_output=True, text=True, check=True,
            )  # fmt: skip
        each_s = time.perf_counter() - start
    finally:
        subprocess.run(["scancel", *ids], env=env, check=False)
    print(
        f"following {jobs} live jobs for one cycle: gasp's one squeue {1000 * one_s:.0f} ms, "
        f"per-job squeue (peer) {1000 * each_s:.0f} ms   ratio {each_s / one_s:.0f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=500)
    args = parser.parse_args()
    reason = missing_reason()
    if reason is not None:
        sys.exit(f"bench/slurm.py needs a Slurm installation: {reason}")
    os.environ["TOYRAT_MS_PER_EVENT"] = "0"  # sbatch passes the environment to the jobs
    with tempfile.TemporaryDirectory(prefix="gasp-bench-slurm-") as tmp:
        folder = Path(tmp)
        os.chmod(folder, 0o755)
        with running_slurm_cluster(folder / "cluster") as cluster:
            print(f"cluster: {json.dumps(str(cluster.conf))} node {cluster.node}", flush=True)
            follow(folder / "run", cluster, args.jobs)
            peer_per_job_queries(cluster, args.jobs)


if __name__ == "__main__":
    main()
