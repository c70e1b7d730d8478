"""A frame prepared for drawing: case references in order, strata as integer codes.

Its own module because preparing a frame is the slow part of a draw on a million cases (the
string sort, the stratum codes) and is done once per frame, however many draws follow; the
draw itself is then a handful of vectorised passes over these arrays.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from sampling.draw_record import Key

IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class Units:
    """A frame ready to draw from: case references ascending, stratum codes aligned to them.

    `keys[codes[i]]` is the stratum of `case_refs[i]`; keys are in ascending order. Build it
    once per frame (a frame never changes) with one of the constructors. Key values are
    strings: give missing values a label ("Not recorded") first, so they sort and display.
    """

    case_refs: npt.NDArray[np.str_]
    codes: IntArray
    keys: tuple[Key, ...]
    sort_by: npt.NDArray[Any] | None = None

    def __len__(self) -> int:
        return int(self.case_refs.shape[0])

    @classmethod
    def from_pairs(
        cls,
        units: Iterable[tuple[str, Key]],
        sort_by: Sequence[Any] | npt.NDArray[Any] | None = None,
    ) -> Units:
        """From (case_ref, stratum key) pairs in any order."""
        refs: list[str] = []
        index: dict[Key, int] = {}
        codes: list[int] = []
        for case_ref, key in units:
            refs.append(case_ref)
            codes.append(index.setdefault(tuple(key), len(index)))
        return cls._build(refs, np.asarray(codes, dtype=np.intp), list(index), sort_by)

    @classmethod
    def from_columns(
        cls,
        case_refs: Sequence[str] | npt.NDArray[np.str_],
        fields: Sequence[Sequence[str] | npt.NDArray[np.str_]],
        sort_by: Sequence[Any] | npt.NDArray[Any] | None = None,
    ) -> Units:
        """From a column of case references and one column per stratification field."""
        size = len(case_refs)
        combined = np.zeros(size, dtype=np.intp)
        values_per_field: list[list[str]] = []
        for column in fields:
            if len(column) != size:
                raise ValueError("every stratification column must have one value per case")
            # Python strings hash far faster than numpy's string scalars: go through a list.
            plain = column.tolist() if isinstance(column, np.ndarray) else list(column)
            values = sorted(set(plain))
            lookup = {value: code for code, value in enumerate(values)}
            codes = np.fromiter(map(lookup.__getitem__, plain), dtype=np.intp, count=size)
            combined = combined * len(values) + codes
            values_per_field.append(values)
        present, compact = _compact(combined, math.prod(len(v) for v in values_per_field))
        keys: list[Key] = []
        for code in present.tolist():
            parts: list[str] = []
            for values in reversed(values_per_field):
                code, digit = divmod(code, len(values))
                parts.append(values[digit])
            keys.append(tuple(reversed(parts)))
        return cls._build(case_refs, compact, keys, sort_by)

    @classmethod
    def from_codes(
        cls,
        case_refs: Sequence[str] | npt.NDArray[np.str_],
        codes: Sequence[int] | npt.NDArray[np.integer[Any]],
        keys: Sequence[Key],
        sort_by: Sequence[Any] | npt.NDArray[Any] | None = None,
    ) -> Units:
        """From case references with stratum codes already worked out (e.g. by the database)."""
        code_array = np.asarray(codes, dtype=np.intp)
        if code_array.size and (code_array.min() < 0 or code_array.max() >= len(keys)):
            raise ValueError("a stratum code does not point at one of the keys")
        return cls._build(case_refs, code_array, [tuple(k) for k in keys], sort_by)

    @classmethod
    def _build(
        cls,
        case_refs: Sequence[str] | npt.NDArray[np.str_],
        codes: IntArray,
        keys: list[Key],
        sort_by: Sequence[Any] | npt.NDArray[Any] | None,
    ) -> Units:
        refs = np.asarray(case_refs, dtype=np.str_)
        if refs.ndim != 1 or codes.shape != refs.shape:
            raise ValueError("case references and strata must be one value per case")
        if len(set(keys)) != len(keys):
            raise ValueError("the same stratum key is given twice")
        order_keys = sorted(range(len(keys)), key=keys.__getitem__)
        if order_keys != list(range(len(keys))):
            renumber = np.empty(len(keys), dtype=np.intp)
            renumber[order_keys] = np.arange(len(keys), dtype=np.intp)
            codes = renumber[codes]
            keys = [keys[i] for i in order_keys]
        sort_values = None if sort_by is None else np.asarray(sort_by)
        if sort_values is not None and sort_values.shape != refs.shape:
            raise ValueError("sort_by must have one value per case")
        # A frame read with ORDER BY case_ref is already in order: checking costs one pass.
        if refs.size > 1 and not bool(np.all(refs[1:] > refs[:-1])):
            order = _ascending(refs)
            refs, codes = refs[order], codes[order]
            if sort_values is not None:
                sort_values = sort_values[order]
            repeated = np.flatnonzero(refs[1:] == refs[:-1])
            if repeated.size:
                shown = ", ".join(sorted({str(refs[i]) for i in repeated[:10]}))
                raise ValueError(f"case references must be unique; repeated: {shown}")
        return cls(refs, codes, tuple(keys), sort_values)


def _ascending(refs: npt.NDArray[np.str_]) -> IntArray:
    """The order that sorts the case references, as numpy's string sort would, but faster.

    Sorting a million strings is the slowest step of preparing a frame. References are short
    and almost always Latin-1 (C0012345, 123456), so they are packed eight characters to a
    64-bit integer, code point by code point, and integers sort several times faster. Shorter
    references are padded with code point 0, which sorts first, exactly as a string prefix
    does. Anything else falls back to the plain string sort.
    """
    width = refs.dtype.itemsize // 4
    if refs.size == 0 or width == 0 or width > 32:
        return np.argsort(refs, kind="stable")
    points = refs.view(np.uint32).reshape(refs.size, width)
    if int(points.max()) >= 256:
        return np.argsort(refs, kind="stable")
    words: list[npt.NDArray[np.uint64]] = []
    for start in range(0, width, 8):
        word = np.zeros(refs.size, dtype=np.uint64)
        for column in range(start, start + 8):
            word <<= np.uint64(8)
            if column < width:
                word |= points[:, column].astype(np.uint64)
        words.append(word)
    # lexsort sorts by its last key first, and stably: ties (repeats) keep their order.
    return np.lexsort(words[::-1]).astype(np.intp)


def _compact(codes: IntArray, limit: int) -> tuple[IntArray, IntArray]:
    """The distinct codes present, ascending, and every code renumbered 0.. among them.

    A count per possible code is one fast pass when the combinations are few (as they are for
    up to three stratification fields); np.unique, which sorts, covers the rest.
    """
    if limit <= 10_000_000:
        present = np.flatnonzero(np.bincount(codes, minlength=limit))
        renumber = np.zeros(limit, dtype=np.intp)
        renumber[present] = np.arange(present.size, dtype=np.intp)
        return present.astype(np.intp), renumber[codes]
    found, inverse = np.unique(codes, return_inverse=True)
    return found.astype(np.intp), inverse.astype(np.intp).reshape(-1)


def frame_strata_sizes(units: Units) -> dict[Key, int]:
    """N_h for every stratum of a prepared frame, to build `Stratum` rows for allocation."""
    counts = np.bincount(units.codes, minlength=len(units.keys))
    return {key: int(count) for key, count in zip(units.keys, counts.tolist(), strict=True)}
