"""What ``/proc`` says of a process: is it alive, and is it still the one we started?

A pid alone identifies nothing: the kernel hands the same number out again once a process
is gone, and ``pid_max`` can be as low as 32768. A worker is therefore identified by the
triple (pid, start time in clock ticks since boot, boot id), recorded when it starts and
compared on every question. Two processes cannot share that triple: the kernel would have
to cycle through every pid within one clock tick, in the same boot.

Everything here is one or two small reads per process and no subprocess, so the local
backend can answer for a thousand jobs in one pass. Linux only (``/proc``).
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")
DEAD_STATES = frozenset({"Z", "X", "x"})  # zombie, dead: the process has ended


@dataclass(frozen=True)
class ProcessIdentity:
    """A process as it was when it started: enough to tell it from a later one."""

    pid: int
    start_ticks: int  # field 22 of /proc/<pid>/stat
    boot_id: str


def parse_stat(text: str) -> tuple[str, int]:
    """The state letter and the start time (ticks since boot) in a ``/proc/<pid>/stat`` line."""
    # Field 2, the command name, may hold spaces and parentheses: the fixed fields start
    # after its last ")". In what follows, index 0 is field 3 (state), index 19 is field 22.
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[19])


def read_stat(pid: int) -> tuple[str, int] | None:
    """State and start time of the process ``pid`` now, or None if there is none."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except (FileNotFoundError, ProcessLookupError):  # ESRCH if it exits while we read
        return None
    return parse_stat(text)


def current_boot_id() -> str:
    """The kernel's id of this boot: start times of an earlier boot mean nothing now."""
    return BOOT_ID_FILE.read_text(encoding="ascii").strip()


def is_alive(identity: ProcessIdentity, boot_id: str) -> bool:
    """True while the very process of ``identity`` exists and has not ended (zombies have)."""
    if identity.boot_id != boot_id:
        return False
    stat = read_stat(identity.pid)
    return stat is not None and stat[1] == identity.start_ticks and stat[0] not in DEAD_STATES


def signal_group(identity: ProcessIdentity, signum: signal.Signals, boot_id: str) -> bool:
    """Send ``signum`` to the process group the process of ``identity`` leads, if still ours.

    Workers are session (hence group) leaders, so the group id is the worker's pid and the
    group holds the worker and everything it started. The group is still ours when its
    leader is (alive or a zombie), or when no process has that pid at all: a pid still in
    use as a group id is never handed out again, so members left behind by a dead leader
    can only be ours. If another process now has that pid, the number was reused, which
    means our group had emptied: nothing is sent. Returns whether a signal was delivered.
    """
    if identity.boot_id != boot_id:
        return False
    stat = read_stat(identity.pid)
    if stat is not None and stat[1] != identity.start_ticks:
        return False
    try:
        os.killpg(identity.pid, signum)
    except (ProcessLookupError, PermissionError):
        return False
    return True
