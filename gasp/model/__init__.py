"""The domain's documents: ids, file naming, the clock, states and their transitions, the
shapes of job, pass, subjob, site and data documents, and how they are built.

This layer knows the shape of documents (``documents.py``, typed for mypy) and the rules
every writer must keep (deterministic ids, the transition tables, the time format, the
history cap); it does not know how they are stored (that is ``gasp.store``, and the rules
that read and write through it are ``gasp.passes``) or who writes them (submission, the
site client, and the operators' tools still to come). So every writer shares one set of
rules, testable without a database.
"""
