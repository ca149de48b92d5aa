"""perfxl import of documents saved by LibreOffice: the python-docx seed document converted
to .docx and to PDF by soffice, and perfxl publish's own output (the round trip)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLE_JSON, EXAMPLE_XLSX, convert
from importdocs import build

from perfxl.importer import import_document

pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE_JSON.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed document (merged and plain) as LibreOffice PDFs, and re-saved as .docx."""
    src = tmp_path_factory.mktemp("src")
    merged = build(src / "merged.docx", merged=True)
    plain = build(src / "plain.docx", merged=False)
    pdfs = convert([merged, plain], "pdf", tmp_path_factory.mktemp("pdf"))
    (resaved,) = convert([merged], "docx", tmp_path_factory.mktemp("lo"))
    return {"merged.pdf": pdfs[0], "plain.pdf": pdfs[1], "libreoffice.docx": resaved}


@pytest.mark.parametrize("name", ["merged.pdf", "plain.pdf", "libreoffice.docx"])
def test_libreoffice_files_import_every_project_budget_and_indicator(
    converted: dict[str, Path], example: dict[str, Any], name: str
) -> None:
    result = import_document(converted[name])
    assert result.problems == []
    got = result.targets.to_dict()
    for g, want in zip(got["projects"], example["projects"], strict=True):
        assert (g["code"], g["name"]) == (want["code"], want["name"])
        assert [g[k] for k in ("budget", "fiscal_funds", "other_funds")] == [
            want[k] for k in ("budget", "fiscal_funds", "other_funds")
        ]
        assert g["plan"] == want["plan"] and g["goals"] == want["goals"]
        assert g["indicators"] == want["indicators"]
    # Part one too, and the rest: nothing of the example is lost on this document.
    assert got == example


def test_publish_then_import_returns_the_example(tmp_path: Path, example: dict[str, Any]) -> None:
    from perfxl.services import publish

    result = publish([EXAMPLE_XLSX], tmp_path / "公开.docx", pdf=True, title=None)
    assert result.pdf is not None
    for doc in (result.docx, result.pdf):
        imported = import_document(doc)
        assert imported.problems == [], doc
        assert imported.targets.to_dict() == example, doc
