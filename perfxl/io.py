"""Loading the JSON data file and checking it against the schema (no workbook libraries)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perfxl.errors import DataError
from perfxl.problems import Problem
from perfxl.rules.catalogue import make
from perfxl.schema import load_schema


def load_json(path: Path | str) -> Any:
    """Read a JSON data file ("-" for standard input is handled by the caller).

    Raises:
        DataError: the file is missing, not UTF-8 or not JSON.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise DataError("文件不存在。", path=str(p)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"无法读取文件（需为 UTF-8 编码的 JSON）：{exc}", path=str(p)) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}", path=str(p)
        ) from exc


def schema_problems(data: Any, *, file: str | None = None) -> list[Problem]:
    """Every place where ``data`` breaks the packaged schema, as ``fill.schema`` problems."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema())
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        pointer = "/" + "/".join(str(p) for p in err.absolute_path)
        out.append(
            make(
                "fill.schema",
                file=file,
                pointer=pointer,
                value=err.instance if _small(err.instance) else None,
                detail=err.message,
            )
        )
    return out


def _small(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def dump_json(data: Any) -> str:
    """The data as perfxl writes it: UTF-8, indented, Chinese kept readable."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
