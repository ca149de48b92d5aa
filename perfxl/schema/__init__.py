"""The JSON Schema (Draft 2020-12) of the data model, shipped with the package."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

SCHEMA_FILE = "targets.schema.json"


@cache
def _text() -> str:
    return resources.files(__package__).joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def schema_text() -> str:
    """The schema as published (the file's exact text)."""
    return _text()


def load_schema() -> dict[str, Any]:
    """A fresh copy of the schema as a dict (callers may adjust it, e.g. from the config)."""
    schema: dict[str, Any] = json.loads(_text())
    return schema
