"""Checking an output before it is stored: is it there, a readable ROOT file, complete?

An application can exit 0 and still leave a bad file (a truncated write, a silent bug that
drops events). A file is accepted only when:

* it exists under the output's ``local_name``;
* uproot opens it and finds the data type's tree (``T`` for event files, ``output`` for
  ntuples, ``S`` for SOC files);
* every basket of every branch can be read and decompressed, which is what catches a
  truncated file: its directory (at the start) still opens and still claims all entries;
* it holds exactly ``expected_events`` entries when the specification knows that number
  (number and run_number modes); otherwise the count is recorded for the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gasp.runner.errors import OutputInvalid
from gasp.runner.spec import OutputSpec

TREES = {
    "ratds": "T",
    "other_ratds": "T",
    "ntuple": "output",
    "other_ntuple": "output",
    "soc": "S",
}


@dataclass(frozen=True)
class CheckedOutput:
    """An output that passed every check, with its event count."""

    spec: OutputSpec
    path: Path
    events: int


def check_output(output: OutputSpec, workdir: Path) -> CheckedOutput:
    """Accept the output or raise ``OutputInvalid`` saying what is wrong with it."""
    path = workdir / output.local_name
    label = f"output {output.local_name} ({output.data_type})"
    if not path.is_file():
        raise OutputInvalid(f"{label}: the application did not write it")
    events = count_entries(path, TREES[output.data_type], label)
    expected = output.expected_events
    if expected is not None and events != expected:
        raise OutputInvalid(f"{label}: {events} events, expected {expected}")
    return CheckedOutput(output, path, events)


def count_entries(path: Path, tree_name: str, label: str) -> int:
    """The entries of ``tree_name`` in a ROOT file, after reading every basket of it."""
    import uproot  # the heaviest import of the runner: only once there is a file to check

    try:
        with uproot.open(path) as root_file:
            if tree_name not in root_file:
                found = ", ".join(sorted(root_file.keys(cycle=False))) or "nothing"
                raise OutputInvalid(f"{label}: no tree {tree_name!r} (the file holds {found})")
            tree = root_file[tree_name]
            _read_every_basket(tree)
            return int(tree.num_entries)
    except OutputInvalid:
        raise
    except Exception as exc:  # whatever uproot raises, the file is unusable
        raise OutputInvalid(f"{label}: not a readable ROOT file: {exc}") from exc


def _read_every_basket(tree: Any) -> None:
    for branch in tree.itervalues(recursive=True):
        for index in range(branch.num_baskets):
            branch.basket(index)


__all__ = ["TREES", "CheckedOutput", "check_output", "count_entries"]
