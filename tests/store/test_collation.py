"""The byte encoding of keys orders exactly as CouchDB's collation rules say.

The reference below is written from the rules (type order, then value; arrays and objects
element by element, shorter first), independently of the encoder under test.
"""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gasp.store.collation import collate, sort_key


def _rank(value: Any) -> int:
    if value is None:
        return 0
    if value is False:
        return 1
    if value is True:
        return 2
    if isinstance(value, int | float):
        return 3
    if isinstance(value, str):
        return 4
    if isinstance(value, list):
        return 5
    return 6


def reference(a: Any, b: Any) -> int:
    ra, rb = _rank(a), _rank(b)
    if ra != rb:
        return -1 if ra < rb else 1
    if ra in {3, 4}:
        return (a > b) - (a < b)
    if ra == 5:
        for x, y in zip(a, b, strict=False):
            c = reference(x, y)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    if ra == 6:
        for (ka, va), (kb, vb) in zip(a.items(), b.items(), strict=False):
            c = reference(ka, kb) or reference(va, vb)
            if c:
                return c
        return (len(a) > len(b)) - (len(a) < len(b))
    return 0


scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False, width=64)
    | st.text(max_size=5)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(values, values)
def test_bytes_order_matches_the_rules(a: Any, b: Any) -> None:
    assert collate(a, b) == reference(a, b)


@given(st.lists(values, max_size=12))
def test_sorting_by_bytes_is_sorting_by_rules(items: list[Any]) -> None:
    by_bytes = sorted(items, key=sort_key)
    by_rules = sorted(items, key=functools.cmp_to_key(reference))
    assert [sort_key(v) for v in by_bytes] == [sort_key(v) for v in by_rules]


def test_edge_cases() -> None:
    assert collate(0, -0.0) == 0
    assert collate(1, 1.0) == 0
    assert collate("a", "a\x00") == -1
    assert collate("a\x00", "a\x01") == -1
    assert collate(["a"], ["a", None]) == -1
    assert collate([], None) == 1
    assert collate({}, []) == 1
    assert collate(-1e300, -1) == -1
    assert collate(2**53, 2**53 + 2) == -1
