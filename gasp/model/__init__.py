"""The domain's documents: ids, file naming, states and their transitions, and how job,
data and run documents are built.

This layer knows the shape of documents and the rules every writer must keep
(deterministic ids, the transition tables); it does not know how they are stored (that is
``gasp.store``) or who writes them (submission, the site client, and the operators' tools
still to come). So every writer shares one set of rules, testable without a database.
"""
