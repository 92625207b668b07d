"""How much one submission may create, as the site's ``[submit]`` section allows.

The figures are computed by arithmetic before any job list is built or anything written,
so a typo of a few digits in ``n_ev`` or ``n_runs`` is refused in a second with the figure
it came to, instead of filling memory or the database.
"""

from __future__ import annotations

from gasp.config import SubmitSection


def size_problems(what: str, jobs: int, subjobs: int, limits: SubmitSection) -> list[str]:
    """What exceeds the site's bounds, each naming the figure and the key that raises it.

    ``what`` leads the sentence up to the figure: ``"req.json: the request makes"``.
    """
    problems = []
    for count, unit, bound, key in (
        (jobs, "jobs", limits.max_jobs, "max_jobs"),
        (subjobs, "subjobs", limits.max_subjobs, "max_subjobs"),
    ):
        if count > bound:
            problems.append(
                f"{what} {count} {unit}, more than the {bound} this site allows in one "
                f"submission (raise [submit] {key} in the site configuration if you mean it)"
            )
    return problems


__all__ = ["SubmitSection", "size_problems"]
