"""The rules of writing passes that every writer shares: edits under a claim's token, and
prerequisite promotion, and which passes a command means.

``update.py``: ``update_passes`` reads job documents, applies an edit to each pass,
writes them back in one bulk request and re-reads and re-applies whatever conflicted; an
edit made for a claim carries its token and is refused once the token is no longer the
pass's (fencing). ``prerequisites.py``: dependants move to ``waiting`` or
``unsatisfied`` when their prerequisite passes end. ``selection.py``: the one selection
(label, request, list, modules, version, runs, status, pass) that every operator's command,
``gasp grab`` and ``gasp move`` take, resolved from views; ``outputs.py``: a selection's
passes and their data documents, read a page at a time in bulk.

A layer of its own, not part of ``gasp.model``: these rules read and write through the
store, which the model must not know (the model builds and checks dictionaries and stays
testable without a database). It sits below every writer of passes (``gasp.submit``,
``gasp.client`` and the operators' tools to come), so that none of them reaches into
another for the rules; it imports only ``gasp.model``, ``gasp.store`` and the foundation,
and knows nothing of sites, backends or requests.
"""
