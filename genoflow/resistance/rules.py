"""Expert rules as data (`data/expert_rules.toml`): region rules, loss-of-function rules, epistasis."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from genoflow.report import DRUGS

RULES_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "expert_rules.toml"
RULES_SCHEMA_VERSION = 1


class RulesError(ValueError):
    """The expert-rules file is malformed."""


@dataclass(frozen=True)
class RegionRule:
    id: str
    gene: str
    codons: tuple[int, int]
    drugs: tuple[str, ...]
    effects: frozenset[str]
    description: str


@dataclass(frozen=True)
class LossOfFunctionRule:
    id: str
    gene: str
    drugs: tuple[str, ...]


@dataclass(frozen=True)
class EpistasisRule:
    id: str
    suppressor: str
    target: str
    drugs: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class ExpertRules:
    lof_effects: frozenset[str]
    regions: tuple[RegionRule, ...]
    loss_of_function: tuple[LossOfFunctionRule, ...]
    epistasis: tuple[EpistasisRule, ...]


def _drugs(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or any(d not in DRUGS for d in raw):
        raise RulesError(f"{where}: 'drugs' must be a non-empty list of catalogue drugs, got {raw!r}")
    return tuple(raw)


def load_rules(path: Path = RULES_PATH) -> ExpertRules:
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RulesError(f"{path}: cannot read expert rules: {exc}") from exc
    if raw.get("schema_version") != RULES_SCHEMA_VERSION:
        raise RulesError(f"{path}: schema_version must be {RULES_SCHEMA_VERSION}, got {raw.get('schema_version')!r}")
    try:
        regions = tuple(
            RegionRule(r["id"], r["gene"], (int(r["codons"][0]), int(r["codons"][1])),
                       _drugs(r["drugs"], f"{path}: region {r['id']}"), frozenset(r["effects"]),
                       r.get("description", ""))
            for r in raw.get("region", []))
        lof = tuple(LossOfFunctionRule(r["id"], r["gene"], _drugs(r["drugs"], f"{path}: rule {r['id']}"))
                    for r in raw.get("loss_of_function", []))
        epi = tuple(EpistasisRule(r["id"], r["suppressor"], r["target"],
                                  _drugs(r["drugs"], f"{path}: rule {r['id']}"), r.get("description", ""))
                    for r in raw.get("epistasis", []))
        lof_effects = frozenset(raw["lof_effects"])
    except (KeyError, IndexError, TypeError) as exc:
        raise RulesError(f"{path}: malformed rule ({exc!r})") from exc
    ids = [r.id for r in (*regions, *lof, *epi)]
    if len(ids) != len(set(ids)):
        raise RulesError(f"{path}: duplicate rule ids")
    return ExpertRules(lof_effects, regions, lof, epi)


@cache
def default_rules() -> ExpertRules:
    """The repository's rules file, loaded once per process."""
    return load_rules(RULES_PATH)
