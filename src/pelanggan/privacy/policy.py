"""The privacy figures as data: request deadlines, the breach-notice clock, retention rules.

Loaded from `data/policy.json` beside this module, or from the file named by the setting
`PELANGGAN_PRIVACY_POLICY_FILE`. Figures marked U (unconfirmed) or S (single source) in
`domain-rules.md` section 8 live here, not in code, so they change without a release.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "policy.json"
REQUEST_KINDS = (
    "access",
    "correction",
    "deletion",
    "consent_withdrawal",
    "objection",
    "restriction",
)
RETENTION_ACTIONS = frozenset(
    {"anonymise_owner", "erase_details", "delete", "unlink_subjects", "keep"}
)


class PolicyInvalid(ValueError):
    """The policy file is missing a figure or has one of the wrong type."""


@dataclass(frozen=True)
class Deadline:
    hours: int
    basis: str
    confidence: str

    @property
    def delta(self) -> dt.timedelta:
        return dt.timedelta(hours=self.hours)


@dataclass(frozen=True)
class RetentionRule:
    rule: str
    record_kind: str
    after: str
    years: int | None
    action: str
    basis: str
    confidence: str

    def cutoff(self, today: dt.date) -> dt.date | None:
        """Records whose clock started before this date are past retention (None: never)."""
        if self.years is None:
            return None
        try:
            return today.replace(year=today.year - self.years)
        except ValueError:  # 29 February
            return today.replace(year=today.year - self.years, day=28)


@dataclass(frozen=True)
class Policy:
    request_deadlines: dict[str, Deadline]
    breach_notice: Deadline
    controller_contact: str
    retention: tuple[RetentionRule, ...]

    def rule(self, name: str) -> RetentionRule:
        for rule in self.retention:
            if rule.rule == name:
                return rule
        raise PolicyInvalid(f"retention rule {name!r} is not in the policy")


def _deadline(raw: Any, where: str) -> Deadline:
    if not isinstance(raw, dict):
        raise PolicyInvalid(f"{where} must be an object")
    hours = raw.get("hours")
    if not isinstance(hours, int) or isinstance(hours, bool) or not 1 <= hours <= 24 * 90:
        raise PolicyInvalid(f"{where}.hours must be a whole number of hours (1 to 2160)")
    if raw.get("confidence") not in ("C", "S", "U"):
        raise PolicyInvalid(f"{where}.confidence must be C, S or U")
    return Deadline(hours, str(raw.get("basis", "")), raw["confidence"])


def _rule(raw: Any, index: int) -> RetentionRule:
    where = f"retention[{index}]"
    if not isinstance(raw, dict):
        raise PolicyInvalid(f"{where} must be an object")
    for name in ("rule", "record_kind", "after", "action"):
        if not isinstance(raw.get(name), str) or not raw[name]:
            raise PolicyInvalid(f"{where}.{name} is required")
    if raw["action"] not in RETENTION_ACTIONS:
        raise PolicyInvalid(f"{where}.action must be one of {sorted(RETENTION_ACTIONS)}")
    years = raw.get("years")
    if years is not None and (not isinstance(years, int) or isinstance(years, bool) or years < 1):
        raise PolicyInvalid(f"{where}.years must be a positive whole number or null")
    if (years is None) != (raw["action"] == "keep"):
        raise PolicyInvalid(f"{where}: only the action 'keep' goes without years")
    return RetentionRule(
        raw["rule"],
        raw["record_kind"],
        raw["after"],
        years,
        raw["action"],
        str(raw.get("basis", "")),
        str(raw.get("confidence", "U")),
    )


def parse_policy(raw: Any) -> Policy:
    """Validate a policy document; raises PolicyInvalid naming the first bad figure."""
    if not isinstance(raw, dict):
        raise PolicyInvalid("the policy must be a JSON object")
    deadlines = raw.get("request_deadlines")
    if not isinstance(deadlines, dict):
        raise PolicyInvalid("request_deadlines is required")
    missing = [kind for kind in REQUEST_KINDS if kind not in deadlines]
    if missing:
        raise PolicyInvalid(f"request_deadlines lacks {missing}")
    rules = raw.get("retention")
    if not isinstance(rules, list):
        raise PolicyInvalid("retention must be a list")
    parsed = tuple(_rule(r, i) for i, r in enumerate(rules))
    names = [r.rule for r in parsed]
    if len(set(names)) != len(names):
        raise PolicyInvalid("retention rule names must be unique")
    return Policy(
        {k: _deadline(deadlines[k], f"request_deadlines.{k}") for k in REQUEST_KINDS},
        _deadline(raw.get("breach_notice"), "breach_notice"),
        str(raw.get("controller_contact", "")),
        parsed,
    )


@cache
def _load(path: str) -> Policy:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PolicyInvalid(f"cannot read the privacy policy {path}: {exc}") from exc
    return parse_policy(raw)


def policy() -> Policy:
    return _load(str(getattr(settings, "PELANGGAN_PRIVACY_POLICY_FILE", None) or DEFAULT_FILE))
