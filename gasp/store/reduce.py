"""CouchDB's built-in reduces (``_count``, ``_sum``, ``_stats``) and group levels.

Only the built-ins are supported, on purpose: CouchDB runs them natively (JavaScript
reduces are slow there and a classic cause of view-build stalls), and they are all gasp
needs for status counts and usage sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from gasp.errors import StoreRefused

BUILTIN_REDUCES = ("_count", "_sum", "_stats")


def check_reduce(ddoc_id: str, view: str, source: str) -> str:
    """Return the reduce name if it is a supported built-in."""
    name = source.strip()
    if name not in BUILTIN_REDUCES:
        raise StoreRefused(
            f"{ddoc_id}/{view}: reduce {name[:40]!r} is not supported; "
            f"use one of {', '.join(BUILTIN_REDUCES)}"
        )
    return name


def _count(values: list[Any]) -> Any:
    return len(values)


def _add(total: Any, value: Any) -> Any:
    if isinstance(total, list) or isinstance(value, list):
        left = total if isinstance(total, list) else [total]
        right = value if isinstance(value, list) else [value]
        width = max(len(left), len(right))
        left = left + [0] * (width - len(left))
        right = right + [0] * (width - len(right))
        return [_add(a, b) for a, b in zip(left, right, strict=True)]
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise StoreRefused(f"_sum cannot add the value {value!r}: only numbers and lists")
    return total + value


def _sum(values: list[Any]) -> Any:
    total: Any = 0
    for value in values:
        total = _add(total, value)
    return total


def _stats(values: list[Any]) -> Any:
    parts: list[dict[str, float]] = []
    for value in values:
        if isinstance(value, dict) and {"sum", "count", "min", "max", "sumsqr"} <= value.keys():
            parts.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            parts.append(
                {"sum": value, "count": 1, "min": value, "max": value, "sumsqr": value * value}
            )
        else:
            raise StoreRefused(f"_stats cannot use the value {value!r}: only numbers")
    if not parts:
        return {"sum": 0, "count": 0, "min": 0, "max": 0, "sumsqr": 0}
    return {
        "sum": sum(p["sum"] for p in parts),
        "count": sum(p["count"] for p in parts),
        "min": min(p["min"] for p in parts),
        "max": max(p["max"] for p in parts),
        "sumsqr": sum(p["sumsqr"] for p in parts),
    }


_REDUCERS: dict[str, Callable[[list[Any]], Any]] = {
    "_count": _count,
    "_sum": _sum,
    "_stats": _stats,
}


def group_key(key: Any, group_level: int) -> Any:
    """The key a row is grouped under: arrays are cut to ``group_level`` elements."""
    if group_level == 0:
        return None
    if isinstance(key, list):
        return key[:group_level]
    return key


def reduce_values(reduce_name: str, values: list[Any]) -> Any:
    """Reduce the values of rows (first pass)."""
    return _REDUCERS[reduce_name](values)


def rereduce(reduce_name: str, partials: list[Any]) -> Any:
    """Combine already reduced values, as CouchDB's rereduce does."""
    if reduce_name == "_count":
        return sum(partials)
    return _REDUCERS[reduce_name](partials)


def group_partials(
    partials: Iterable[tuple[Any, bytes, Any]],
    reduce_name: str,
    group_level: int | None,
    sort_key: Callable[[Any], bytes],
) -> Iterator[tuple[Any, Any]]:
    """Group ``(key, key sort bytes, partial)`` triples, one per distinct key in view order.

    The partials are each the reduce of every row with that exact key (done in SQL for
    ``_count``); this only merges neighbouring keys that share a group, holding one group's
    partials at a time.
    """
    level = 0 if group_level is None else group_level
    current: Any = None
    current_sort: bytes | None = None
    pending: list[Any] = []
    for key, key_sort, partial in partials:
        grouped = group_key(key, level)
        grouped_sort = key_sort if grouped is key else sort_key(grouped)
        if current_sort is not None and grouped_sort != current_sort:
            yield current, rereduce(reduce_name, pending)
            pending = []
        current, current_sort = grouped, grouped_sort
        pending.append(partial)
    if current_sort is not None:
        yield current, rereduce(reduce_name, pending)
