"""Who is acting: the name an operator command writes into a pass's history.

``$GASP_OPERATOR`` wins (a shared shift account can still say who is behind it), then the
configuration's ``[ops] operator``, then ``user@host`` of the process, so that a history
entry always says who moved a pass, never just "an operator".
"""

from __future__ import annotations

import getpass
import os
import socket

from gasp.errors import InputError
from gasp.values import check_line

OPERATOR_ENV = "GASP_OPERATOR"


def operator_name(configured: str | None = None) -> str:
    """The operator's name as history entries record it."""
    from_env = os.environ.get(OPERATOR_ENV)
    if from_env is not None:
        try:
            return check_line(from_env)
        except ValueError as exc:
            raise InputError(f"${OPERATOR_ENV}: {exc}") from None
    if configured:
        return configured
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return f"{user}@{socket.gethostname()}"


__all__ = ["OPERATOR_ENV", "operator_name"]
