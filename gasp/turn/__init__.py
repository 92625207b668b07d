"""Cross-site turns: ``gasp enqueue SITE -- COMMAND``.

docs/architecture.md, "Cross-site turns", draws the whole protocol.

Any number of sites loop the same command against one database; the turn, handed from
site to site, lets exactly one of them run it at a time, and heals itself when a site dies
or freezes. It is built only on the store protocol (revision-guarded writes of three kinds
of document), so it works the same on the embedded and the CouchDB backends.

Parts, one concept each:

* ``documents``: ids and pydantic shapes of the leader, sites and heartbeat documents
* ``clock``: elapsed time for decisions, wall time for people; injectable
* ``timing``: delay, stale limit, conflict delay; the lease they imply
* ``staleness``: judging liveness by watching revisions change, never by timestamps
* ``election``: who leads (the one write that wins)
* ``rotation``: where the turn goes next (a pure decision)
* ``state``: reading the turn's documents in two round trips; the few writes
* ``command``: the child process, its process group, and its death with its parent
* ``fence``: the turn token a command receives, and the check that it is still current
* ``loop``: one site's enqueue loop, with injectable clock and launcher
* ``status``: what ``gasp enqueue --status`` prints

This layer knows nothing of jobs, passes or the site client: ``gasp client`` asks
``fence`` whether its turn still holds, not the other way round. The package exports
only what a command under a turn needs, so that the client does not load the loop.

A turn is not a lock: in gasp, "lock" is only the calibration lock (``gasp.calib``) and a
pass's ``lock`` field, which code calls its claim (docs/architecture.md, the vocabulary).
"""

from gasp.turn.documents import TurnDocuments
from gasp.turn.fence import TurnFence, turn_environment

__all__ = ["TurnDocuments", "TurnFence", "turn_environment"]
