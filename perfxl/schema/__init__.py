"""The JSON Schema (Draft 2020-12) of the data model, shipped with the package."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from perfxl import packaged

SCHEMA_FILE = "targets.schema.json"


@cache
def _text() -> str:
    return packaged.read_text(__name__, SCHEMA_FILE)


def schema_text() -> str:
    """The schema as published (the file's exact text)."""
    return _text()


def load_schema() -> dict[str, Any]:
    """A fresh copy of the schema as a dict (callers may adjust it, e.g. from the config)."""
    schema: dict[str, Any] = json.loads(_text())
    return schema
