"""Downloading catalogued data: by label (and later by module/version/runs or .exactly).

Everything downloaded is checked against the catalogue's size and adler32; a file already
present and matching is skipped, a partial one resumed, and another replica tried when one
fails.
"""
