"""The operators' tools: the commands the person on shift uses on a running campaign.

One module per concept: who is acting (``operator``), how many passes are changed at once
in bulk (``apply``), then one module per command (``summary``, ``errors``, ``retry``,
``cancel``, ``unlock``, ``labels``, ``delete``, ``stats``, ``validate``, ``usage``,
``move``). Which passes a command means is ``gasp.passes.selection``, shared with
``gasp grab``. Every state change goes through the
transition table as an operator transition, with a history entry naming the operator.
Nothing here knows the command line: ``gasp.cli`` shows plans, asks for confirmation and
prints summaries.
"""
