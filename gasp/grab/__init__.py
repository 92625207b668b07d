"""``gasp grab``: a selection's catalogued files, downloaded in parallel and verified.

``wanted`` reads what to fetch from the catalogue (the selection's passes and their data
documents, in pages); ``local`` decides what a file already on disk is worth (skip it,
resume it, or replace it); ``fetch`` gets one file from the first replica that works;
``download`` runs many of those at once and sums up what happened.

Every byte that arrives is hashed (adler32) and the whole file compared with the
catalogue before it gets its final name, so a file under its final name is always a
verified copy. A partial copy (``.<name>.part``) is continued from the byte it reached.
A bad replica (missing, corrupt, unreachable) costs seconds, not minutes, and the next
one is tried.
"""
