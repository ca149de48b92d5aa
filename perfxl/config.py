"""County-level validation settings: defaults shipped as TOML, overridden by a TOML/JSON file.

The shipped ``perfxl/data/default-config.toml`` documents every key. A county file needs only
the keys it changes; tables are merged key by key over the defaults.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfxl import packaged
from perfxl.errors import PerfxlError, os_reason
from perfxl.framework import FRAMEWORKS
from perfxl.model import PLAN_KEYS

DEFAULT_CONFIG = "default-config.toml"
SEVERITIES = ("error", "warning", "info")


class ConfigError(PerfxlError):
    """The configuration file cannot be used (missing, not TOML/JSON, wrong keys or values)."""


@dataclass(frozen=True)
class Config:
    """Validation settings. See ``default-config.toml`` for the meaning of each.

    Attributes:
        framework: framework used when a workbook does not name one (``2015`` or ``2021``).
        project_code: regular expression for 项目编码.
        project_year: regular expression finding the year digits of a 项目编码 (its group
            ``year``: two or four digits); empty: codes carry no year.
        unit_code: regular expression for 单位编码.
        checkpoints: plan key (mar, jun, oct, dec) -> month the checkpoint ends.
        calendar: ``months`` or ``days``: how the share of the year elapsed is counted.
        max_lag: percentage points a checkpoint may trail the calendar before a warning.
        tolerance: 万元 allowed between funds, 12月底 and 预算数.
        cost_tolerance: 万元 allowed between the 成本指标 value and 预算数.
        accepted_basis: accepted 指标值确定依据 (contained in the basis).
        vague_words: words of a vague 指标值.
        not_applicable: 指标值 that say nothing (不涉及, 无 …).
        placeholder_min_rows: rows needed before "every 指标值 the same" is reported.
        boilerplate_level2: 二级指标 whose rows must not repeat across projects.
        boilerplate_min_projects: how many projects sharing a row make it boilerplate.
        goals_min_projects: how many projects sharing all 绩效目标 lines make them boilerplate.
        yellow_gap: monitoring: points below 序时进度 a project's 执行率 may be and stay green.
        red_gap: monitoring: points below 序时进度 beyond which a project's light is red.
        evaluation_profile: self-evaluation: the name of the scoring profile
            (``perfxl.scoring.PROFILES``: ``default`` or ``ratio-reverse``).
        disabled: rule ids switched off.
        severity: rule id -> severity override.
        source: the file the settings came from (None: the shipped defaults).
    """

    framework: str = "2015"
    project_code: str = r"^[0-9]{6}[0-9]{2}P[0-9]{11}[0-9A-Z]$"
    project_year: str = r"^[0-9]{6}(?P<year>[0-9]{2})P"
    unit_code: str = r"^[0-9]{6}$"
    checkpoints: dict[str, int] = field(
        default_factory=lambda: {"mar": 3, "jun": 6, "oct": 10, "dec": 12}
    )
    calendar: str = "months"
    max_lag: float = 30.0
    tolerance: float = 0.005
    cost_tolerance: float = 0.005
    accepted_basis: tuple[str, ...] = ()
    vague_words: tuple[str, ...] = ()
    not_applicable: tuple[str, ...] = ()
    placeholder_min_rows: int = 3
    boilerplate_level2: tuple[str, ...] = ("数量指标",)
    boilerplate_min_projects: int = 3
    goals_min_projects: int = 3
    yellow_gap: float = 10.0
    red_gap: float = 30.0
    evaluation_profile: str = "default"
    disabled: frozenset[str] = frozenset()
    severity: dict[str, str] = field(default_factory=dict)
    source: str | None = None


def load_config(path: str | Path | None = None) -> Config:
    """The shipped defaults, overridden by the file at ``path`` (TOML, or JSON by suffix).

    Raises:
        ConfigError: the file is missing, unparsable, or has unknown keys or bad values.
    """
    raw = _defaults()
    if path is not None:
        raw = _merge(raw, _read(Path(path)), "", str(path))
    return _build(raw, None if path is None else str(path))


def default_config() -> Config:
    """The shipped defaults."""
    return load_config(None)


def _defaults() -> dict[str, Any]:
    text = packaged.read_text("perfxl", f"data/{DEFAULT_CONFIG}")
    return tomllib.loads(text)


def _read(p: Path) -> dict[str, Any]:
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件：{os_reason(exc)}。", path=str(p)) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"配置文件不是 UTF-8 编码（第 {exc.start + 1} 个字节无法解码），"
            "请用 UTF-8 编码另存后重试。",
            path=str(p),
        ) from exc
    try:
        data = json.loads(text) if p.suffix.lower() == ".json" else tomllib.loads(text)
    except json.JSONDecodeError as exc:
        from perfxl.io import json_syntax  # a data file's words for the same slips

        where, what = json_syntax(text, exc)
        raise ConfigError(f"配置文件不是有效的 JSON：{where}：{what}。", path=str(p)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件不是有效的 TOML：{_toml_syntax(exc)}。", path=str(p)) from exc
    if not isinstance(data, dict):
        raise ConfigError("配置文件应为键值表（TOML 表或 JSON 对象）。", path=str(p))
    return data


# tomllib's messages (before " (at line L, column C)"), with what they mean for a person
# editing the file; the first that starts the message is used.
_TOML_ERRORS: tuple[tuple[str, str], ...] = (
    ("Expected ']' at the end of a table declaration", "表头缺少结尾的 ]"),
    ("Expected ']]' at the end of an array declaration", "数组表头缺少结尾的 ]]"),
    (
        "Expected '=' after a key in a key/value pair",
        "键名后面缺少等号 =（文本值须用英文双引号括起）",
    ),
    (
        "Invalid initial character for a key part",
        "键名开头的字符无效（键名只能含字母、数字、_ 和 -，其他须用英文双引号括起）",
    ),
    ("Invalid value", "值无效（文本须用英文双引号括起，列表用 [ ]）"),
    ("Invalid statement", "这一行既不是“键 = 值”，也不是 [表头]"),
    ("Unclosed array", "列表缺少结尾的 ]（或元素之间缺少英文逗号）"),
    ("Unclosed inline table", "内联表缺少结尾的 }（或键值对之间缺少英文逗号）"),
    ("Unterminated string", "文本缺少结尾的引号"),
    ("Illegal character '\\n'", "文本缺少结尾的引号（一行文本中不能换行）"),
    ("Illegal character", "文本中有不允许的字符（如未转义的控制字符）"),
    (
        "Unescaped '\\' in a string",
        "文本中的反斜杠 \\ 未转义（写作 \\\\，或把正则表达式用英文单引号括起）",
    ),
    (
        "Expected newline or end of document after a statement",
        "一行只能写一个“键 = 值”（值后面多了内容；注释须以 # 开头）",
    ),
    ("Cannot declare", "同一个表声明了两次"),
    ("Cannot overwrite a value", "同一个键赋值了两次"),
    ("Duplicate inline table key", "内联表中同一个键写了两次"),
    ("Cannot mutate immutable namespace", "改动了已经整体写出的表或列表"),
    ("Cannot redefine namespace", "重复定义了已有的表"),
    ("Escaped character is not a Unicode scalar value", "\\U 转义不是有效的字符"),
    ("Invalid date or datetime", "日期或时间无效"),
    ("Invalid hex value", "\\u 转义无效"),
    ("Found invalid character", "此处有无效的字符"),
)
_TOML_AT = re.compile(r"\s*\(at (?:line (\d+), column (\d+)|end of document)\)$")


def _toml_syntax(exc: tomllib.TOMLDecodeError) -> str:
    """Where and what, in Chinese, from tomllib's English message, which ends ``(at line L,
    column C)`` or ``(at end of document)``; an unknown message becomes a general sentence
    (never the English text: the clerk editing the file reads Chinese)."""
    text = str(exc)
    at = _TOML_AT.search(text)
    msg = text[: at.start()] if at else text
    what = next(
        (zh for en, zh in _TOML_ERRORS if msg.startswith(en)),
        "格式有误，请对照 default-config.toml 检查这一处",
    )
    if at is None:
        return what
    if at.group(1) is None:
        return f"文件末尾：{what}"
    return f"第 {at.group(1)} 行第 {at.group(2)} 列：{what}"


def _merge(
    base: dict[str, Any], over: dict[str, Any], where: str, source: str | None = None
) -> dict[str, Any]:
    """``base`` with the keys of ``over`` (the file ``source``) replacing its own.

    Raises:
        ConfigError: a key ``base`` does not have, naming the file.
    """
    out = dict(base)
    for k, v in over.items():
        key = f"{where}.{k}" if where else k
        if k not in base:
            raise ConfigError(
                f"未知的配置项“{key}”。可用的配置项见 default-config.toml。", path=source
            )
        # rules.severity and plan.checkpoints are replaced/merged as tables of their own.
        if isinstance(base[k], dict) and isinstance(v, dict) and key != "rules.severity":
            out[k] = _merge(base[k], v, key, source)
        else:
            out[k] = v
    return out


def _build(raw: dict[str, Any], source: str | None) -> Config:
    try:
        cfg = Config(
            framework=str(raw["framework"]),
            project_code=str(raw["codes"]["project"]),
            project_year=str(raw["codes"]["project_year"]),
            unit_code=str(raw["codes"]["unit"]),
            checkpoints={k: int(v) for k, v in raw["plan"]["checkpoints"].items()},
            calendar=str(raw["plan"]["calendar"]),
            max_lag=float(raw["plan"]["max_lag"]),
            tolerance=float(raw["amounts"]["tolerance"]),
            cost_tolerance=float(raw["amounts"]["cost_tolerance"]),
            accepted_basis=tuple(map(str, raw["basis"]["accepted"])),
            vague_words=tuple(map(str, raw["targets"]["vague_words"])),
            not_applicable=tuple(map(str, raw["targets"]["not_applicable"])),
            placeholder_min_rows=int(raw["targets"]["placeholder_min_rows"]),
            boilerplate_level2=tuple(map(str, raw["boilerplate"]["level2"])),
            boilerplate_min_projects=int(raw["boilerplate"]["min_projects"]),
            goals_min_projects=int(raw["boilerplate"]["goals_min_projects"]),
            yellow_gap=float(raw["monitoring"]["yellow_gap"]),
            red_gap=float(raw["monitoring"]["red_gap"]),
            evaluation_profile=str(raw["evaluation"]["profile"]),
            disabled=frozenset(map(str, raw["rules"]["disabled"])),
            severity={str(k): str(v) for k, v in raw["rules"]["severity"].items()},
            source=source,
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"配置值类型有误：{exc}", path=source) from exc
    _check(cfg)
    return cfg


# The shipped config's 评分方案, `perfxl.scoring.DEFAULT`'s name (tests/test_scoring.py holds
# them equal): a config naming it is valid without importing the scoring module, which a
# targets workbook's `perfxl validate` needs for nothing else (~9 ms of its 300 ms budget).
SHIPPED_PROFILE = "default"


def _check(cfg: Config) -> None:
    def bad(msg: str) -> ConfigError:
        return ConfigError(msg, path=cfg.source)

    if cfg.framework not in FRAMEWORKS:
        raise bad(f"framework 应为 {' 或 '.join(FRAMEWORKS)}，实际为“{cfg.framework}”。")
    for name, pattern in (
        ("codes.project", cfg.project_code),
        ("codes.project_year", cfg.project_year),
        ("codes.unit", cfg.unit_code),
    ):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise bad(f"{name} 不是有效的正则表达式：{exc}") from exc
    if cfg.project_year and "year" not in re.compile(cfg.project_year).groupindex:
        raise bad("codes.project_year 应含命名分组 (?P<year>…)，标出编码中年度的数字。")
    if set(cfg.checkpoints) != set(PLAN_KEYS):
        raise bad(f"plan.checkpoints 应恰好包含 {', '.join(PLAN_KEYS)}。")
    months = [cfg.checkpoints[k] for k in PLAN_KEYS]
    if months != sorted(months) or not all(1 <= m <= 12 for m in months):
        raise bad("plan.checkpoints 的月份应在 1–12 之间且依次递增。")
    if cfg.calendar not in ("months", "days"):
        raise bad("plan.calendar 应为 months 或 days。")
    if cfg.max_lag < 0 or cfg.tolerance < 0 or cfg.cost_tolerance < 0:
        raise bad("plan.max_lag 和 amounts 中的容差不能为负数。")
    if not 0 <= cfg.yellow_gap <= cfg.red_gap:
        raise bad("monitoring.yellow_gap 和 red_gap 应满足 0 ≤ yellow_gap ≤ red_gap。")
    if cfg.evaluation_profile != SHIPPED_PROFILE:  # another profile: checked by its module
        from perfxl.scoring import get_profile

        try:
            get_profile(cfg.evaluation_profile)
        except PerfxlError as exc:
            raise bad(f"evaluation.profile：{exc.message}") from exc
    from perfxl.rules.catalogue import CATALOGUE

    for rid in (*cfg.disabled, *cfg.severity):
        if rid not in CATALOGUE:
            raise bad(f"未知的规则编号“{rid}”。可用的编号见 perfxl validate --help 或文档。")
    for rid, sev in cfg.severity.items():
        if sev not in SEVERITIES:
            raise bad(f"规则 {rid} 的级别应为 error、warning 或 info，实际为“{sev}”。")
