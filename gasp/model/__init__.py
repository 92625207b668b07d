"""The domain's documents: ids, file naming, states, and how documents are built.

This layer knows the shape of job, data, request and catalogue documents; it does not know
how they are stored (that is ``gasp.store``) or who writes them (submit, client, ops).
"""
