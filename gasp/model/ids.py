"""Deterministic document ids, so that a retried write hits the same document."""

from __future__ import annotations

from gasp.model.documents import Kind


def job_id(module: str, run: int) -> str:
    """One job document per (module, run): every pass of the pair lives in it."""
    return f"job:{module}:{run}"


def data_id(module: str, run: int, pass_number: int, data_type: str) -> str:
    """One data document per (module, run, pass, data type)."""
    return f"data:{module}:{run}:{pass_number}:{data_type}"


def request_id(name: str) -> str:
    return f"request:{name}"


def catalogue_id(kind: Kind, rat_version: str) -> str:
    return f"modules:{kind}:{rat_version}"


def allocator_id(kind: Kind, module: str) -> str:
    """The document that hands out generic run numbers of one module."""
    return f"runs:{kind}:{module}"


def split_job_id(doc_id: str) -> tuple[str, int]:
    """``job:<module>:<run>`` -> (module, run)."""
    prefix, module, run = doc_id.split(":")
    if prefix != "job":
        raise ValueError(f"not a job id: {doc_id!r}")
    return module, int(run)
