"""Label text compared loosely (`normalize_label`): what the readers and the layout use to
recognise a label whatever its white space and bracket widths. A module of its own so that
the compiled build compiles it (pyproject's ``[tool.perfxl.compiled]``): the readers call it
for every label cell."""

from __future__ import annotations

from functools import lru_cache


def normalize_label(text: object) -> str:
    """Label text compared loosely: no white space, half-width brackets, colon and percent."""
    if text is None:
        return ""
    return normalize_text(text if isinstance(text, str) else str(text))


def normalize_text(text: str) -> str:
    """`normalize_label` of a value known to be text."""
    if len(text) <= _CACHED_LEN:
        return _normalize(text)
    return "".join(text.split()).translate(_LABEL_FOLD)


_CACHED_LEN = 200  # a label is short; a long cell text is not kept (the cache stays small)


@lru_cache(maxsize=16384)  # labels and the cells compared with them repeat across sheets
def _normalize(text: str) -> str:
    return "".join(text.split()).translate(_LABEL_FOLD)


_LABEL_FOLD = str.maketrans({"（": "(", "）": ")", "：": ":", "％": "%"})
