"""Grab benchmark: ``gasp grab`` of a catalogued campaign, beside ``xrdcp`` and a Rucio-like peer.

Run from the repository root (after the README's test command has installed everything,
including Debian's xrootd-server and xrootd-client):

    .venv/bin/python bench/grab.py                  # 400 files of 5 MB, 8 of 500 MB, 3 rounds
    .venv/bin/python bench/grab.py --quick          # 40 of 5 MB, 2 of 100 MB, 1 round
    .venv/bin/python bench/grab.py --small-files 100 --large-files 2 --rounds 2

The benchmark starts its own XRootD server on loopback (the test suite's, with adler32
checksums enabled), writes two datasets of random files into it (``--small-*``, ``--large-*``)
and catalogues each as a campaign label in an embedded (SQLite) gasp database: a toyrat
request submitted as gasp submits one, its passes then set ``completed``, each with a data
document listing its file (XRootD URL, size, adler32), as finalizing a job leaves them. It
first runs ``gasp grab --dry-run`` on the label (which checks the catalogue and builds the
views), then downloads every dataset's files several ways, one after the other, each into
an empty folder, and prints one line each:

* ``gasp grab``: the real command in a subprocess, ``gasp -c CONFIG grab --label L -o DIR
  -j 8``, as a user types it: start-up, catalogue read, the XRootD client's copy engine
  (plain reads, see below), then each whole local copy hashed with zlib-ng and compared
  with the catalogue's adler32, every file verified;
* ``xrdcp --parallel 8``: XRootD's own copy tool, all the files in one process, 8 at a
  time, no checksum at all (the ceiling);
* ``xrdcp --parallel 8 --cksum adler32``: the same, each copy's adler32 computed locally
  and compared with the server's (the fair peer: every file verified, as gasp does);
* ``rucio-like``: what Rucio's download client does with an XRootD replica, in a process
  of its own (``rucio download`` is one): at most 5 files at a time, each copied whole
  into a ``.part`` file by the XRootD client's copy engine without a checksum (what
  gfal2's xrootd plugin runs), then the local file read again for its adler32 (with
  gasp's own adler32, zlib-ng: the peer hashes as fast as gasp), compared with the
  catalogue's, and renamed into place;
* ``gasp grab`` and ``xrdcp --parallel 8`` again with ``XRD_CPUSEPGWRTRD=0``: the copy
  engine then reads with plain ``kXR_read`` instead of ``kXR_pgread`` (XRootD 5's default,
  which makes the server compute and the client check a CRC32C of every 4 kB page, and
  keeps the server from ``sendfile``). gasp checks each whole file's adler32 anyway, so
  the page checksums are redundant for it: since this benchmark measured what they cost,
  gasp turns them off itself (``gasp.storage.xrootd.CLIENT_SETTINGS``), and its two lines
  should agree; ``xrdcp`` with plain reads is the ceiling of this machine.

Goals (issue 13): gasp at least 0.9 of the plain ``xrdcp`` throughput, with every
checksum verified, and faster than the Rucio-like peer. There are several rounds
(``--rounds``), the sides starting in a different order each time, and each side's best
round counts, so that a busy moment of a shared machine does not decide the ratio. After
each side its folder is removed and the disk synced (untimed), so no side pays for the
previous one's write-back; the sources stay in the server's page cache throughout (the
server's checksums are computed once, before any timing, as a site's server has them).
Each line also shows the CPU seconds the side's processes and the server used: on a
small machine serving itself over loopback, CPU is what bounds the throughput. Every
side's output is checked: the sizes after every run, and in the first round every file's
adler32 against the catalogue; the exit status is 1 if anything does not match.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.campaign import prepare_production
from bench.ops import rewrite_all
from gasp.model.clock import utc_now
from gasp.model.data import file_entry, new_data_document
from gasp.model.ids import data_id
from gasp.model.naming import file_name, logical_path
from gasp.storage.adler32 import adler32_of, file_adler32
from gasp.store import open_server
from tests.services.xrootd_server import XRootDServer, running_xrootd_server

MB = 1024 * 1024
MODULE = "WaterGunElectron"
SE_FOLDER = "se"  # the storage element's folder on the server: root://host:port//se/<lfn>
RUCIO_THREADS = 5  # Rucio's download client runs at most 5 downloads at a time
GASP = Path(sys.executable).parent / "gasp"


@dataclass(frozen=True)
class Source:
    """One catalogued file on the server."""

    lfn: str
    name: str
    url: str
    size: int
    adler32: str


@dataclass(frozen=True)
class Dataset:
    """Files on the server, catalogued under one label in their own gasp database."""

    title: str
    label: str
    config: Path
    files: list[Source]

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)


# -- the datasets and their catalogue ----------------------------------------------------


def make_dataset(
    server: XRootDServer, folder: Path, title: str, label: str, count: int, size: int
) -> Dataset:
    """``count`` files of ``size`` random bytes on the server, each the output of one
    completed pass of a request labelled ``label``, catalogued as finalizing does."""
    url = prepare_production(
        folder / title,
        {
            "module": MODULE,
            "n_ev": count,
            "ev_per_run": 1,
            "template": {"energy": 2},
            "label": label,
        },
    )
    config = folder / f"{title}.toml"
    config.write_text(f"[database]\nurl = {json.dumps(url)}\n")
    block = os.urandom(size)  # one urandom, each file a different rotation of it
    files: list[Source] = []
    catalogued = utc_now()

    def complete(doc: dict[str, Any]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for pass_doc in doc["passes"]:
            module, run_number, number = doc["module"], doc["run"], pass_doc["pass"]
            name = file_name(module, run_number, 0, number, "ntuple")
            lfn = logical_path("production", module, run_number, name)
            shift = (len(files) * 7919) % size
            data = block[shift:] + block[:shift]
            path = server.data / SE_FOLDER / lfn
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            source = Source(
                lfn, name, server.url_for(f"/{SE_FOLDER}/{lfn}"), size, adler32_of(data)
            )
            files.append(source)
            data_doc = new_data_document(
                kind="production",
                module=module,
                run=run_number,
                pass_number=number,
                data_type="ntuple",
                rat_version="1.0.0",
                labels=[label],
            )
            data_doc["files"].append(
                file_entry(
                    subrun=0,
                    name=name,
                    lfn=lfn,
                    size=size,
                    adler32=source.adler32,
                    events=1,
                    se="bench-se",
                    url=source.url,
                    at=catalogued,
                )
            )
            out.append(dict(data_doc))
            pass_doc["status"] = "completed"
            pass_doc["site"] = "bench"
            for subjob in pass_doc["subjobs"]:
                subjob.update(
                    status="completed", outputs=[data_id(module, run_number, number, "ntuple")]
                )
        return out

    store = open_server(url)
    rewrite_all(store.database("production"), complete)
    store.close()
    if len(files) != count:
        raise SystemExit(f"{title}: the request made {len(files)} passes, not {count}")
    hand_to_server(server)
    warm_server_checksums(files)
    return Dataset(title, label, config, files)


def hand_to_server(server: XRootDServer) -> None:
    """Files written here directly belong to the server's user (as uploads would), so the
    server can keep its checksums with them."""
    owner = server.data.stat()
    for path in (server.data / SE_FOLDER).rglob("*"):
        os.chown(path, owner.st_uid, owner.st_gid)


def warm_server_checksums(files: list[Source]) -> None:
    """Ask the server for every file's adler32 once, untimed, and check it: a site's
    server has it from the upload, so ``xrdcp --cksum`` should not pay for computing it."""
    from XRootD import client
    from XRootD.client.flags import QueryCode

    from gasp.storage.xrootd import parse_checksum_reply

    host = files[0].url.split("//")[1]
    fs = client.FileSystem(f"root://{host}")
    for source in files:
        path = "/" + source.url.split("//", 2)[2]
        status, reply = fs.query(QueryCode.CHECKSUM, path)
        if not status.ok or parse_checksum_reply(reply) != source.adler32:
            raise SystemExit(f"server checksum of {source.url}: {status.message} {reply!r}")


# -- the sides ---------------------------------------------------------------------------


PLAIN_READS = {"XRD_CPUSEPGWRTRD": "0"}  # the copy engine's kXR_read instead of kXR_pgread


@dataclass(frozen=True)
class Side:
    """A way to download a dataset into an empty folder, and where each file lands."""

    name: str
    download: Callable[[Path], None]
    place: Callable[[Source], str]  # a file's path below the output folder


def by_lfn(source: Source) -> str:
    return source.lfn


def by_name(source: Source) -> str:
    return source.name


def gasp_command(dataset: Dataset, dest: Path, streams: int, *extra: str) -> list[str]:
    return [
        str(GASP),
        "-c",
        str(dataset.config),
        "grab",
        "--label",
        dataset.label,
        "-o",
        str(dest),
        "-j",
        str(streams),
        *extra,
    ]


def run(command: list[str], what: str, env: dict[str, str] | None = None) -> str:
    """Run a side's process: the XRootD client's defaults unless ``env`` says otherwise."""
    environment = {k: v for k, v in os.environ.items() if k not in PLAIN_READS}
    environment.update(COLUMNS="200", **(env or {}))  # gasp's summary lines unwrapped
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-2000:]
        raise SystemExit(f"{what} exited {done.returncode}: {shlex.join(command)}\n{tail}")
    return done.stdout


def gasp_side(dataset: Dataset, streams: int, env: dict[str, str] | None = None) -> Side:
    def download(dest: Path) -> None:
        out = run(gasp_command(dataset, dest, streams), "gasp grab", env)
        if "every file is here and matches the catalogue" not in out:
            raise SystemExit(f"gasp grab did not verify every file:\n{out[-2000:]}")

    name = f"gasp grab -j {streams}"
    return Side(f"{name}, {shown(env)}" if env else f"{name} (adler32 verified)", download, by_lfn)


def xrdcp_side(
    dataset: Dataset, folder: Path, streams: int, *options: str, env: dict[str, str] | None = None
) -> Side:
    xrdcp = shutil.which("xrdcp")
    if xrdcp is None:
        raise SystemExit("xrdcp is not installed: apt-get install -y xrootd-client")
    listing = folder / f"{dataset.title}.list"
    listing.write_text("".join(f"{f.url}\n" for f in dataset.files))

    def download(dest: Path) -> None:
        dest.mkdir(parents=True)
        command = [xrdcp, "--nopbar", "--parallel", str(streams), *options]
        run([*command, "--infiles", str(listing), f"{dest}/"], "xrdcp", env)

    name = " ".join(["xrdcp", "--parallel", str(streams), *options])
    if env:
        name += f", {shown(env)}"
    return Side(name if options or env else f"{name} (no checksum)", download, by_name)


def shown(env: dict[str, str] | None) -> str:
    return " ".join(f"{k}={v}" for k, v in (env or {}).items())


def rucio_side(dataset: Dataset, folder: Path) -> Side:
    """The Rucio-like download, as its own process (``rucio download`` is one too)."""
    listing = folder / f"{dataset.title}.json"
    listing.write_text(json.dumps([vars(f) for f in dataset.files]))
    script = Path(__file__).resolve()

    def download(dest: Path) -> None:
        run([sys.executable, str(script), "--rucio-like", str(listing), str(dest)], "rucio-like")

    return Side(f"rucio-like ({RUCIO_THREADS} at a time, adler32 after)", download, by_name)


def rucio_like(listing: Path, dest: Path) -> None:
    """The Rucio-like peer's process: the files listed (a catalogue's reply), at most 5 at
    a time, each copied whole into a ``.part`` file, then read again for its adler32,
    compared with the catalogue's, and renamed into place."""
    from XRootD import client

    files = [Source(**f) for f in json.loads(listing.read_text())]
    dest.mkdir(parents=True)

    def one(source: Source) -> None:
        part = dest / f"{source.name}.part"
        process = client.CopyProcess()  # what gfal2's xrootd plugin runs: a whole-file copy
        process.add_job(source.url, str(part), force=True)
        process.prepare()
        _status, results = process.run()
        status = results[0]["status"] if results else None
        if status is None or not status.ok:
            raise SystemExit(f"rucio-like: copy of {source.url} failed: {status}")
        _size, adler32 = file_adler32(part)
        if adler32 != source.adler32:
            raise SystemExit(f"rucio-like: {source.name} has adler32 {adler32}")
        part.rename(dest / source.name)

    with ThreadPoolExecutor(max_workers=RUCIO_THREADS) as pool:
        for future in [pool.submit(one, f) for f in files]:
            future.result()


# -- measuring ---------------------------------------------------------------------------


def check_output(side: Side, dataset: Dataset, dest: Path, checksums: bool) -> None:
    """Every file at its place with its size (and, if asked, its adler32); nothing else."""
    problems = []
    for source in dataset.files:
        path = dest / side.place(source)
        if not path.is_file() or path.stat().st_size != source.size:
            problems.append(f"{path}: missing or of the wrong size")
        elif checksums and file_adler32(path)[1] != source.adler32:
            problems.append(f"{path}: adler32 differs from the catalogue")
    extra = sum(1 for p in dest.rglob("*") if p.is_file()) - len(dataset.files)
    if extra > 0:
        problems.append(f"{extra} files more than the catalogue lists")
    if problems:
        shown = "\n  ".join(problems[:10])
        raise SystemExit(f"{side.name}: output does not verify ({len(problems)}):\n  {shown}")


@dataclass(frozen=True)
class Timing:
    """One side's run: wall seconds, and the CPU seconds its processes and the server used."""

    seconds: float
    client_cpu: float
    server_cpu: float


def server_cpu(server: XRootDServer) -> float:
    """CPU seconds the server's processes used so far (the daemon, or runuser and it)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(entry.name) == server.pid or int(fields[1]) == server.pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_round(
    server: XRootDServer,
    dataset: Dataset,
    sides: list[Side],
    folder: Path,
    first: int,
    checksums: bool,
) -> dict[str, Timing]:
    """One run of every side; the sides take turns, from a different one each round; each
    writes into an empty folder, removed (and the disk synced) afterwards."""
    timings = {}
    for side in sides[first % len(sides) :] + sides[: first % len(sides)]:
        dest = folder / "out"
        os.sync()
        client, served = children_cpu(), server_cpu(server)
        started = time.perf_counter()
        side.download(dest)
        seconds = time.perf_counter() - started
        timings[side.name] = Timing(seconds, children_cpu() - client, server_cpu(server) - served)
        check_output(side, dataset, dest, checksums)
        shutil.rmtree(dest)
    os.sync()
    return timings


def line(name: str, dataset: Dataset, timing: Timing) -> None:
    mb = dataset.total / MB
    print(
        f"{name:<48} {mb:>6.0f} MB {timing.seconds:>6.2f} s {mb / timing.seconds:>7.1f} MB/s"
        f"   cpu: client {timing.client_cpu:5.2f} s, server {timing.server_cpu:5.2f} s",
        flush=True,
    )


def ratio(name: str, ours: Timing, theirs: Timing, goal: str = "") -> None:
    value = theirs.seconds / ours.seconds
    verdict = f"  (goal {goal})" if goal else ""
    print(f"{name:<48} {value:>6.2f}{verdict}", flush=True)


def bench_dataset(
    server: XRootDServer, dataset: Dataset, folder: Path, streams: int, rounds: int
) -> None:
    """All the rounds of one dataset; prints each side's best round and the ratios."""
    mb = dataset.total / MB
    print(
        f"# {dataset.title}: {len(dataset.files)} files of {dataset.files[0].size / MB:.0f} MB "
        f"({mb:.0f} MB), label {dataset.label}",
        flush=True,
    )
    print(f"# {shlex.join(gasp_command(dataset, folder / 'out', streams))}", flush=True)
    dry_run = gasp_command(dataset, folder / "out", streams, "--dry-run")
    started = time.perf_counter()
    out = run(dry_run, "gasp grab --dry-run")
    first_dry = time.perf_counter() - started
    if f"grab: {len(dataset.files)} files" not in out:
        raise SystemExit(f"gasp grab --dry-run does not find the catalogue:\n{out}")
    dry = min(timed(lambda: run(dry_run, "gasp grab --dry-run")) for _ in range(3))
    print(
        f"# gasp grab --dry-run: {out.splitlines()[0].split(' -> ')[0]}; "
        f"{dry:.2f} s (start-up and catalogue read; the first, building the views, {first_dry:.2f} s)",
        flush=True,
    )
    gasp, plain, cksum, rucio, gasp_plain_reads, plain_reads = sides = [
        gasp_side(dataset, streams),
        xrdcp_side(dataset, folder, streams),
        xrdcp_side(dataset, folder, streams, "--cksum", "adler32"),
        rucio_side(dataset, folder),
        gasp_side(dataset, streams, PLAIN_READS),
        xrdcp_side(dataset, folder, streams, env=PLAIN_READS),
    ]
    best: dict[str, Timing] = {}
    for round_ in range(rounds):
        timings = run_round(server, dataset, sides, folder, round_, checksums=round_ == 0)
        shown = ", ".join(f"{name.split(' (')[0]} {t.seconds:.2f}" for name, t in timings.items())
        print(f"# round {round_ + 1} (s): {shown}", flush=True)
        for name, timing in timings.items():
            if name not in best or timing.seconds < best[name].seconds:
                best[name] = timing
    for side in sides:
        line(side.name, dataset, best[side.name])
    ratio("gasp / xrdcp (throughput)", best[gasp.name], best[plain.name], ">= 0.9")
    ratio("gasp / xrdcp --cksum adler32", best[gasp.name], best[cksum.name])
    ratio("gasp / rucio-like", best[gasp.name], best[rucio.name], "> 1")
    plain_name = "gasp with plain reads"
    ratio(f"{plain_name} / xrdcp", best[gasp_plain_reads.name], best[plain.name], ">= 0.9")
    ratio(
        f"{plain_name} / xrdcp with plain reads",
        best[gasp_plain_reads.name],
        best[plain_reads.name],
    )
    ratio(f"{plain_name} / rucio-like", best[gasp_plain_reads.name], best[rucio.name], "> 1")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def machine() -> Iterator[str]:
    cpu = next(
        (
            text.split(":", 1)[1].strip()
            for text in Path("/proc/cpuinfo").read_text().splitlines()
            if text.startswith("model name")
        ),
        platform.processor(),
    )
    from XRootD import client

    xrootd = subprocess.run(["xrootd", "-v"], capture_output=True, text=True, check=False)
    xrdcp = subprocess.run(["xrdcp", "--version"], capture_output=True, text=True, check=False)
    yield f"# machine: {os.cpu_count()} cores ({cpu}), {platform.platform()}"
    yield (
        f"# python {platform.python_version()}, XRootD python client "
        f"{client.__version__} (gasp), xrdcp {(xrdcp.stdout + xrdcp.stderr).strip()}, "
        f"xrootd server {(xrootd.stdout + xrootd.stderr).strip()}"
    )
    yield f"# command: {shlex.join([sys.executable, *sys.argv])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small-files", type=int, default=400)
    parser.add_argument("--small-mb", type=int, default=5)
    parser.add_argument("--large-files", type=int, default=8)
    parser.add_argument("--large-mb", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="repeat; each side's best counts")
    parser.add_argument(
        "-j", "--streams", type=int, default=8, help="gasp's -j, xrdcp's --parallel"
    )
    parser.add_argument("--quick", action="store_true", help="40 x 5 MB, 2 x 100 MB, 1 round")
    parser.add_argument("--rucio-like", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rucio_like:
        rucio_like(*args.rucio_like)
        return
    if args.quick:
        args.small_files, args.small_mb, args.large_files, args.large_mb = 40, 5, 2, 100
        args.rounds = 1
    counts = (args.small_files, args.small_mb, args.large_files, args.large_mb)
    if min(counts) < 1 or args.rounds < 1 or args.streams < 1:
        parser.error("every count, size, --rounds and --streams must be at least 1")
    for text in machine():
        print(text, flush=True)
    with tempfile.TemporaryDirectory(prefix="gasp-bench-grab-") as tmp:
        folder = Path(tmp)
        with running_xrootd_server() as server:
            print(f"# xrootd at {server.url}, data in {server.data}", flush=True)
            for title, label, count, size in (
                ("small", "GrabSmall", args.small_files, args.small_mb),
                ("large", "GrabLarge", args.large_files, args.large_mb),
            ):
                dataset = make_dataset(server, folder, title, label, count, size * MB)
                bench_dataset(server, dataset, folder, args.streams, args.rounds)
                shutil.rmtree(server.data / SE_FOLDER)  # this dataset's sources


if __name__ == "__main__":
    main()
