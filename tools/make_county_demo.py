"""Generate a whole county's township workbooks (Julu County), deterministically.

Ten townships of Julu County, about twenty projects each, built from the seed's projects with
amounts varied per township; a few realistic mistakes are planted, one township does not
submit, and one submits twice (a first draft, then a corrected version three days later).

Every workbook records when it was last saved (``docProps/core.xml`` ``dcterms:modified``, as
Excel and WPS write it), each township on its own day and hour, the draft before the corrected
version: a fresh ``git clone`` gives every file the same modification time, and the saved time
is what tells the versions apart (`perfxl.versions`). The files' mtimes are set to the same
times, for a folder that was never copied.

Usage:
    .venv/bin/python tools/make_county_demo.py [OUT_DIR]   # default: examples/county

Writes OUT_DIR/<code>-<township>.xlsx (plus the two versions of one township) and
OUT_DIR/units.csv (the units expected to submit, header ``unit_code,unit_name``).
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import json
import os
import random
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "examples" / "suying-2023.json"

TOWNSHIPS: tuple[str, ...] = (
    "巨鹿镇",
    "王虎寨镇",
    "西郭城镇",
    "官亭镇",
    "阎疃镇",
    "小吕寨镇",
    "苏家营镇",
    "堤村乡",
    "张王疃乡",
    "观寨乡",
)
MISSING = "观寨乡"  # listed in units.csv, no workbook
TWICE = "小吕寨镇"  # a first draft and a corrected version
CHINA = dt.timezone(dt.timedelta(hours=8))
BASE_TIME = dt.datetime(2023, 1, 16, 9, 0, 0, tzinfo=CHINA)
DRAFT_EARLIER = dt.timedelta(days=3, hours=2, minutes=17)
CORE = "docProps/core.xml"
CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>巨鹿县财政局</dc:creator><cp:lastModifiedBy>{by}</cp:lastModifiedBy>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{modified}</dcterms:modified>'
    "</cp:coreProperties>"
)


def saved_at(i: int) -> dt.datetime:
    """When the i-th township saved its workbook: its own day, its own hour and minute."""
    rng = random.Random(2000 + i)
    return BASE_TIME + dt.timedelta(days=i, hours=rng.randrange(0, 8), minutes=rng.randrange(60))


def stamp(path: Path, saved: dt.datetime, by: str) -> None:
    """Record ``saved`` as the workbook's last-saved time (as Excel/WPS do on saving) and as
    the file's modification time. The zip is rewritten beside the file, then renamed; its
    entries are dated ``saved`` too, so that generating twice gives identical files."""
    utc = saved.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    created = (BASE_TIME - dt.timedelta(days=30)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    core = CORE_XML.format(by=by, created=created, modified=utc).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
            for info in src.infolist():
                data = core if info.filename == CORE else src.read(info)
                entry = copy.copy(info)
                entry.date_time = saved.timetuple()[:6]  # the same bytes on every run
                dst.writestr(entry, data, compress_type=info.compress_type)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    os.utime(path, (saved.timestamp(), saved.timestamp()))


def unit_code(i: int) -> str:
    """The 6-digit code of the i-th township (0-based)."""
    return f"{910001 + i}"


def unit_name(town: str) -> str:
    """The budget unit's full name, as in the seed."""
    return f"巨鹿县{town}人民政府本级"


def township_data(i: int, seed: dict[str, Any], n_projects: int = 20) -> dict[str, Any]:
    """One township's data (the JSON contract), without mistakes."""
    rng = random.Random(1000 + i)
    town = TOWNSHIPS[i]
    d = copy.deepcopy(seed)
    d["unit"] = {"code": unit_code(i), "name": unit_name(town)}
    projects = []
    base = seed["projects"]
    for k in range(n_projects):
        p = copy.deepcopy(base[k % len(base)])
        factor = rng.choice((0.5, 0.8, 1.0, 1.2, 1.5, 2.0, 3.0))
        cents = max(10, round(_cents(p["budget"]) * factor))
        shares = sorted(rng.choice((0, 20, 25, 30)) for _ in range(1))
        mar = cents * shares[0] // 100
        jun = max(mar, cents * rng.choice((40, 50, 60)) // 100)
        octo = max(jun, cents * rng.choice((70, 80, 90)) // 100)
        p["budget"] = cents / 100
        p["fiscal_funds"] = cents / 100
        p["other_funds"] = None
        p["plan"] = {
            "mar": (mar / 100) or None,
            "jun": jun / 100,
            "oct": octo / 100,
            "dec": cents / 100,
        }
        p["code"] = f"13052923P{i + 1:02d}{k + 1:09d}{'0123456789ABCDEFGHIJ'[k % 20]}"
        if k >= len(base):
            p["name"] = f"{p['name']}（二期）"
        projects.append(p)
    d["projects"] = projects
    return d


def _cents(v: Any) -> int:
    return round(float(v) * 100)


def plant_mistakes(town: str, d: dict[str, Any], codes: dict[str, str]) -> None:
    """Mistakes reviewers meet in real submissions, one or two per affected township."""
    ps = d["projects"]
    if town == "王虎寨镇":  # funds do not add up; 12月底 short of the budget
        ps[2]["fiscal_funds"] = round(ps[2]["budget"] - 1.0, 2)
        ps[5]["plan"]["dec"] = round(ps[5]["budget"] - 0.5, 2)
    elif town == "西郭城镇":  # amounts typed as text, one unreadable
        ps[1]["budget"] = f"{ps[1]['budget']}万元"
        ps[4]["other_funds"] = "无"
    elif town == "官亭镇":  # the plan goes down between checkpoints
        ps[3]["plan"]["oct"] = round(ps[3]["plan"]["jun"] / 2, 2)
    elif town == "阎疃镇":  # a project code copied from another township
        ps[0]["code"] = codes["巨鹿镇"]
    elif town == "堤村乡":  # an empty 指标值 and a rate above 100%
        ps[0]["indicators"][1]["target"] = None
        ps[6]["indicators"][5]["target"] = "≥120%"


def generate(out: Path, n_projects: int = 20) -> list[Path]:
    """Write the county's workbooks and units.csv into ``out``; returns the workbooks."""
    from perfxl.model import Targets
    from perfxl.write.fill import write_new

    seed = json.loads(SEED.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    datas = {t: township_data(i, seed, n_projects) for i, t in enumerate(TOWNSHIPS)}
    first_codes = {t: d["projects"][0]["code"] for t, d in datas.items()}
    written: list[Path] = []
    for i, town in enumerate(TOWNSHIPS):
        if town == MISSING:
            continue
        d = datas[town]
        plant_mistakes(town, d, first_codes)
        saved, by = saved_at(i), f"{town}财政所"
        if town == TWICE:
            draft = copy.deepcopy(d)
            draft["projects"][0]["fiscal_funds"] = round(draft["projects"][0]["budget"] + 3, 2)
            draft["projects"] = draft["projects"][:-1]  # the draft lacked the last project
            path = out / f"{unit_code(i)}-{town}-v1.xlsx"
            write_new(Targets.from_dict(draft), path)
            stamp(path, saved - DRAFT_EARLIER, by)
            written.append(path)
            path = out / f"{unit_code(i)}-{town}-v2.xlsx"
        else:
            path = out / f"{unit_code(i)}-{town}.xlsx"
        write_new(Targets.from_dict(d), path)
        stamp(path, saved, by)
        written.append(path)
    with (out / "units.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["unit_code", "unit_name"])
        for i, town in enumerate(TOWNSHIPS):
            w.writerow([unit_code(i), unit_name(town)])
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "examples" / "county"
    files = generate(out)
    size = sum(f.stat().st_size for f in files)
    print(
        f"已生成 {len(files)} 个工作簿（{size / 1024:.0f} KB）和 units.csv：{out}", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv))
