"""Database names, checked by the same rule on both backends.

CouchDB refuses names outside ``^[a-z][a-z0-9_$()+/-]*$``; the embedded backend applies the
same rule so that a configuration that works on one backend works on the other.
"""

from __future__ import annotations

import re

from gasp.errors import StoreRefused

_VALID_NAME = re.compile(r"^[a-z][a-z0-9_$()+/-]*$")


def check_database_name(name: str) -> str:
    """Return ``name`` if CouchDB would accept it as a database name, else raise."""
    if not _VALID_NAME.match(name):
        raise StoreRefused(
            f"illegal database name {name!r}: it must start with a lower-case letter and "
            "contain only a-z, 0-9 and _$()+-/"
        )
    return name
