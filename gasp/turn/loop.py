"""One site's ``gasp enqueue``: join, beat, lead when it falls to us, run our turns, leave.

Each heartbeat (``tick``) this site writes its heartbeat document, reads the turn's
documents, judges the others by watching their heartbeats change (``staleness.py``),
stands for leader if there is no live one (``election.py``), moves the turn if it leads
(``rotation.py``), and starts or stops its command according to the turn. Between
heartbeats it waits on its command. Everything runs in one thread: the command is a child
process, and the loop polls it, so nothing needs guarding between threads and the enqueue
process can ask the kernel to take the command down with it (``command.py``).

Exclusivity rests on two rules kept by every site about itself, on its own clock:

* **the lease**: a running command is stopped once ``stale - delay`` has passed since the
  site's last successful beat began. No other site can judge it inactive before ``stale``
  has passed since then, so its command has ended before the turn can move.
* **after a gap, give the turn back**: if two successful beats are further apart than the
  lease (the process was frozen, cut off, or the store was down), others may already be
  moving its turn on a judgement made during the gap. The site then never starts a
  command under the turn it held, and stops one still running under it (the read that
  followed the gap may have come just before the leader's write); it reports the turn
  done and waits for a new one.

Every log line about a gap gives the gap as measured on our monotonic clock since the
last successful beat began (after a freeze, about how long the machine was gone), not
the lease it went past. The heartbeat's ``state`` is written again as soon as the command
starts or is stopped, so ``--status`` shows who is executing without waiting a delay.

When the turn is lost while the command runs (possible only after such a gap: a frozen
site wakes up), the command is terminated (SIGTERM, then SIGKILL after a grace of half a
delay, at most 10 s): COMMAND runs only while SITE holds the turn. A ``gasp client``
command does not wait for that: it sees its token is stale before its next claim batch.

The clock, the sleep and the way a command is started are injectable, so tests drive the
loop with a clock and commands of their own instead of patching time.
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from gasp.errors import Conflict, GaspError, InputError, StoreError
from gasp.model.clock import format_time
from gasp.store import Database
from gasp.turn.clock import Clock, SystemClock
from gasp.turn.command import Launcher, ProcessLauncher, Running
from gasp.turn.documents import HeartbeatDoc, LeaderDoc, SiteState, TurnDocuments, parse_document
from gasp.turn.election import resign, stand, why_stand
from gasp.turn.fence import turn_environment
from gasp.turn.rotation import SiteView, plan_turn
from gasp.turn.staleness import Observer
from gasp.turn.state import TurnState, join_sites, put_leader, read_state
from gasp.turn.timing import Timing

EXIT_TURN_LOST = 75  # EX_TEMPFAIL: the turn passed before the command finished; run again
EXIT_CANNOT_START = 127
RUNNING_POLL_S = 0.1  # how soon the end of the command is noticed
IDLE_POLL_S = 0.5  # how soon a stop request is noticed between heartbeats
LEAVE_ATTEMPTS = 5

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Enqueue:
    """One site's part in the turn; ``run`` is ``gasp enqueue SITE -- COMMAND``."""

    db: Database
    site: str
    command: Sequence[str]
    timing: Timing
    names: TurnDocuments = field(default_factory=TurnDocuments)
    repeat: bool = False
    clock: Clock = field(default_factory=SystemClock)
    launcher: Launcher = field(default_factory=ProcessLauncher)
    log: Log = _stderr
    new_token: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    stop_signal: int | None = None  # set (by a signal handler) to stop at the next chance

    def __post_init__(self) -> None:
        self.instance = uuid.uuid4().hex
        self.observer = Observer(self.timing.stale_s)
        self.heartbeat: HeartbeatDoc | None = None
        self.last_beat: float | None = None  # elapsed clock when the last good beat began
        self.running: Running | None = None
        self.running_turn: tuple[str, int] | None = None  # (token, turn number)
        self.finished = False  # without --repeat: our one turn has been taken
        self.exit_code = 0
        self.turns_run = 0
        self.lost_race = False
        self.leading = False  # whether our last write made or kept us leader
        self._warned: set[str] = set()
        self._gap = 0.0  # between the last two successful beats: what a gap is measured by

    # -- joining and leaving ---------------------------------------------------------

    def check(self) -> TurnState:
        """Read and validate the turn's documents, writing nothing (bad input stops here)."""
        state = read_state(self.db, self.names, also=(self.site,))
        if self.site in state.corrupt:
            raise InputError(state.corrupt[self.site])
        return state

    def join(self) -> None:
        """Start beating and list this site; a turn it held before a restart is given back."""
        state = self.check()
        previous = state.heartbeats.get(self.site)
        done = previous.done if previous else None
        leader = state.leader
        if leader is not None and leader.executing == self.site and leader.token != done:
            # Whatever ran under that turn belonged to an earlier process: never reuse it.
            self.log(
                self._line(f"turn {leader.turn} was this site's before it started: given back")
            )
            done = leader.token
        self.heartbeat = HeartbeatDoc(
            id=self.names.heartbeat_id(self.site),
            rev=previous.rev if previous else None,
            site=self.site,
            beat=previous.beat if previous else 0,
            at=format_time(self.clock.wall()),
            state="waiting",
            done=done,
            instance=self.instance,
            host=socket.gethostname(),
            pid=os.getpid(),
            delay_s=self.timing.delay_s,
            stale_s=self.timing.stale_s,
        )
        self.last_beat = self._beat()  # the first beat of an unbroken run
        join_sites(self.db, self.names, self.site)

    def leave(self) -> None:
        """Stop taking turns: end our command, beat ``stopped``, hand over what we lead."""
        if self.running is not None:
            self._stop_command("enqueue is stopping")
        if self.heartbeat is None:
            return
        self.finished = True
        try:
            self._beat()
            for _attempt in range(LEAVE_ATTEMPTS):
                state = read_state(self.db, self.names)
                doc = state.leader
                if doc is None or doc.leader != self.site:
                    return
                planned, note = plan_turn(
                    doc,
                    self._views(state, self.clock.elapsed()),
                    new_token=self.new_token,
                    now=format_time(self.clock.wall()),
                )
                if put_leader(self.db, resign(planned)) is not None:
                    self.log(self._line("resigned as leader" + (f"; {note}" if note else "")))
                    return
        except GaspError as exc:
            self.log(self._line(f"could not sign off cleanly: {exc}"))

    # -- the loop ----------------------------------------------------------------------

    def run(self) -> int:
        """Take turns until done (one turn, or until stopped with ``repeat``)."""
        try:
            self.join()
            while not self.finished and self.stop_signal is None:
                try:
                    self.tick()
                except StoreError as exc:
                    self.log(self._line(f"store error: {exc}; trying again"))
                if self.finished or self.stop_signal is not None:
                    break
                self.pause()
        finally:
            self.leave()
        if self.stop_signal is not None:
            return 128 + self.stop_signal
        return self.exit_code

    def tick(self) -> None:
        """One heartbeat: beat, read, judge, lead if it falls to us, follow the turn."""
        self.lost_race = False
        if self.running is not None and self._lease_left() <= 0:
            self._stop_command(f"{self._gap_text()}: lease expired")
        began = self._beat()
        state = read_state(self.db, self.names, also=(self.site,))
        now = self.clock.elapsed()
        unbroken = self._unbroken(began, now)
        self._warn_corrupt(state)
        self.observer.observe(
            {s: (h.rev if (h := state.heartbeats.get(s)) else None) for s in state.site_names},
            now,
        )
        leader = self._lead(state, now)
        if not self.lost_race:
            self._follow(leader, unbroken)

    def pause(self) -> None:
        """Wait until the next heartbeat, the end of our command, or a stop request."""
        delay = self.timing.conflict_delay_s if self.lost_race else self.timing.delay_s
        deadline = self.clock.elapsed() + delay
        while self.stop_signal is None:
            now = self.clock.elapsed()
            step = IDLE_POLL_S
            if self.running is not None:
                if self.reap():
                    return
                lease_left = self._lease_left()
                if lease_left <= 0:
                    return  # the next tick stops the command
                step = min(RUNNING_POLL_S, lease_left)
            if now >= deadline:
                return
            self.clock.sleep(min(step, deadline - now))

    def reap(self) -> bool:
        """Notice that our command has ended, and record its turn done; whether it had."""
        if self.running is None:
            return False
        status = self.running.poll()
        if status is None:
            return False
        self._command_ended(status)
        return True

    # -- heartbeats ----------------------------------------------------------------------

    def _state(self) -> SiteState:
        if self.running is not None:
            return "executing"
        if self.finished or self.stop_signal is not None:
            return "stopped"
        return "waiting"

    def _beat(self) -> float:
        """Write our heartbeat (a new revision is what others watch); when it began."""
        assert self.heartbeat is not None
        began = self.clock.elapsed()
        beat = self.heartbeat.model_copy(
            update={
                "beat": self.heartbeat.beat + 1,
                "at": format_time(self.clock.wall()),
                "state": self._state(),
                "running": self.running_turn[0] if self.running_turn else None,
            }
        )
        raw = beat.to_document()
        try:
            self.db.put(raw)
        except Conflict:
            raw = self._after_conflict(beat)
        self.heartbeat = beat.model_copy(update={"rev": raw["_rev"]})
        return began

    def _after_conflict(self, beat: HeartbeatDoc) -> dict[str, object]:
        """Our heartbeat changed under us: our own write that timed out, or an impostor."""
        current = self.db.get_many([beat.id])[0]
        if current is not None:
            found = parse_document(HeartbeatDoc, current)
            if found.instance == self.instance:  # an earlier write of ours did land
                raw = beat.model_copy(update={"rev": found.rev}).to_document()
                self.db.put(raw)
                return raw
            raise InputError(
                f"another gasp enqueue is running as site {self.site} "
                f"(host {found.host}, pid {found.pid}): run one per site"
            )
        raw = beat.model_copy(update={"rev": None}).to_document()
        self.db.put(raw)
        return raw

    def _unbroken(self, began: float, now: float) -> bool:
        """Whether this beat continues an unbroken run (see the module docstring)."""
        previous, self.last_beat = self.last_beat, began
        self._gap = now - previous if previous is not None else 0.0
        return previous is not None and self._gap <= self.timing.lease_s

    def _gap_text(self) -> str:
        """How long since our last successful beat began, as measured (not the lease).

        After a freeze this is the real gap, which people compare with how long the
        machine was gone; the lease is only the limit it went past.
        """
        since = self.clock.elapsed() - self.last_beat if self.last_beat is not None else 0.0
        return f"no heartbeat for {since:.1f} s (lease {self.timing.lease_s:g} s)"

    def _lease_left(self) -> float:
        if self.last_beat is None:
            return 0.0
        return self.last_beat + self.timing.lease_s - self.clock.elapsed()

    # -- leading ---------------------------------------------------------------------------

    def _views(self, state: TurnState, now: float) -> dict[str, SiteView]:
        sites = set(state.site_names) | {self.site}
        return {
            site: SiteView(
                active=site == self.site or self.observer.active(site, now),
                heartbeat=self.heartbeat if site == self.site else state.heartbeats.get(site),
            )
            for site in sites
        }

    def _lead(self, state: TurnState, now: float) -> LeaderDoc | None:
        """Stand for leader, or move the turn as leader; the leader document to follow."""
        doc = state.leader
        views = self._views(state, now)
        wall = format_time(self.clock.wall())
        elected: str | None = None
        if self.leading and (doc is None or doc.leader != self.site):
            self.leading = False  # deposed while we were frozen or slow
            self.log(self._line(f"no longer leader: {doc.leader if doc else 'nobody'} leads now"))
        if doc is not None and doc.leader == self.site:
            base = doc
        else:
            reason = why_stand(doc, self.site, lambda s: s in views and views[s].active)
            if reason is None:
                return doc
            base = stand(doc, self.names, self.site, wall)
            elected = f"elected leader, term {base.term} ({reason})"
        planned, note = plan_turn(base, views, new_token=self.new_token, now=wall)
        if planned is doc:
            return doc
        written = put_leader(self.db, planned)
        if written is None:
            self.lost_race = True  # someone else wrote first: read again after a pause
            return None
        self.leading = True
        for line in (elected, note):
            if line:
                self.log(self._line(line))
        return written

    # -- following the turn -------------------------------------------------------------------

    def _follow(self, leader: LeaderDoc | None, unbroken: bool) -> None:
        assert self.heartbeat is not None
        ours = leader is not None and leader.executing == self.site
        token = leader.token if leader is not None and ours else None
        if self.running is not None and self.running_turn is not None:
            if token != self.running_turn[0]:
                holder = leader.executing if leader is not None else None
                self._stop_command(f"turn lost ({holder or 'nobody'} holds the turn now)")
                self._beat()  # no longer executing: say so now, not a delay later
            elif not unbroken:
                # Frozen between the lease check and the beat: the turn may be moving on
                # a judgement made during the gap that our read came too early to see.
                self._stop_command(f"heartbeat gap of {self._gap:.1f} s: turn given back")
                self._beat()
            return
        if leader is None or token is None or token == self.heartbeat.done:
            return
        if not unbroken:
            self.log(
                self._line(
                    f"heartbeat gap of {self._gap:.1f} s: turn {leader.turn} given back, not used"
                )
            )
            self._mark_done(token)
            self._beat()  # tell the leader now, so the turn moves on without waiting
            return
        if self.stop_signal is None and not self.finished:
            self._start_command(token, leader.turn)

    def _start_command(self, token: str, number: int) -> None:
        env = turn_environment(
            token=token,
            site=self.site,
            leader_doc=self.names.leader_doc,
            database=self.db.name,
            number=number,
        )
        try:
            running = self.launcher.start(self.command, env)
        except OSError as exc:
            self.log(self._line(f"turn {number}: cannot start {self.command[0]}: {exc}"))
            self._finish_turn(token, EXIT_CANNOT_START)
            return
        self.running, self.running_turn = running, (token, number)
        self.log(
            self._line(f"turn {number}: started pid {running.pid}: {shlex.join(self.command)}")
        )
        # The beat of this tick was written before the command started and said "waiting":
        # publish "executing" now, or --status would show it only a whole delay later.
        self._beat()

    def _command_ended(self, status: int) -> None:
        assert self.running_turn is not None
        token, number = self.running_turn
        late = ""
        if self._lease_left() <= 0:  # we were frozen or cut off while it ran
            late = (
                f", after this site's lease had expired ({self._gap_text()}; "
                "the turn may have passed meanwhile)"
            )
        self.log(self._line(f"turn {number}: command ended with exit status {status}{late}"))
        self._finish_turn(token, status)

    def _stop_command(self, why: str) -> None:
        assert self.running is not None and self.running_turn is not None
        token, number = self.running_turn
        status = self.running.terminate(self.timing.grace_s)
        self.log(self._line(f"turn {number}: {why}; command stopped (exit status {status})"))
        self._finish_turn(token, EXIT_TURN_LOST)

    def _finish_turn(self, token: str, status: int) -> None:
        self.running, self.running_turn = None, None
        self._mark_done(token)
        self.exit_code = status
        self.turns_run += 1
        if not self.repeat:
            self.finished = True

    def _mark_done(self, token: str) -> None:
        """Report the turn finished (published by the next beat): the leader moves it on."""
        assert self.heartbeat is not None
        self.heartbeat = self.heartbeat.model_copy(update={"done": token})

    # -- messages ------------------------------------------------------------------------------

    def _line(self, text: str) -> str:
        return f"{format_time(self.clock.wall())[:19]}Z enqueue {self.site}: {text}"

    def _warn_corrupt(self, state: TurnState) -> None:
        for site, why in state.corrupt.items():
            if why not in self._warned:
                self._warned.add(why)
                self.log(self._line(f"ignoring site {site}: {why}"))
