"""Execution backends: where subjobs run (``local`` worker processes, ``slurm``).

A backend knows how to start, follow and stop ``gasp run-job`` on its batch system. It
knows nothing of the document store: the client hands it job folders and names, and reads
the reports the runner leaves in them.
"""
