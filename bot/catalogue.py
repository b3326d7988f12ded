"""The operator's catalogue (data/catalogue.yml): plans, services, rates and data packs.

One source for the figures that both the mock account service (its seed) and the assistant's
reasoning over the plans use, so no figure is typed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_FILE = Path(__file__).resolve().parents[1] / "data" / "catalogue.yml"
MB_PER_GB = 1024


@cache
def catalogue_data() -> dict[str, Any]:
    """The file as it is (the account service seeds its tables from it)."""
    return yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    fee_fen: int
    voice_minutes: int | None  # None: calls are all paid at the standard rate
    data_mb: int | None  # None: data is all paid at the GPRS rate
    includes_cailing: bool
    includes_caller_id: bool
    position: int

    @property
    def brand(self) -> str:
        return next(
            brand for brand in ("全球通", "神州行", "动感地带") if self.name.startswith(brand)
        )

    @property
    def data_gb(self) -> int | None:
        return None if self.data_mb is None else self.data_mb // MB_PER_GB

    def includes(self, service_code: str) -> bool:
        """Whether the plan's fee covers this service (only 彩铃 and 来电显示 can be)."""
        return {"cailing": self.includes_cailing, "caller_id": self.includes_caller_id}.get(
            service_code, False
        )

    @classmethod
    def from_record(cls, record: Mapping[str, Any], position: int) -> Plan:
        """A plan from the catalogue file's entry or the account service's row (same names)."""
        return cls(
            code=record["code"],
            name=record["name"],
            fee_fen=record["monthly_fee_fen"],
            voice_minutes=record["voice_minutes"],
            data_mb=record["data_mb"],
            includes_cailing=bool(record["includes_cailing"]),
            includes_caller_id=bool(record["includes_caller_id"]),
            position=position,
        )


@dataclass(frozen=True)
class DataPack:
    code: str
    kind: str  # "month" or "day"
    fee_fen: int
    data_mb: int


@dataclass(frozen=True)
class Catalogue:
    plans: tuple[Plan, ...]
    voice_fen_per_minute: int
    data_fen_per_mb: int
    cailing_fee_fen: int
    data_packs: tuple[DataPack, ...]

    def plan(self, code: str) -> Plan:
        return next(plan for plan in self.plans if plan.code == code)

    def monthly_cost_fen(self, plan: Plan, minutes: int, data_mb: int, cailing: bool) -> int:
        """What a month of this usage costs on the plan at the standard rates (KB A2, C2)."""
        extra_minutes = max(0, minutes - (plan.voice_minutes or 0))
        extra_mb = max(0, data_mb - (plan.data_mb or 0))
        cost = plan.fee_fen + extra_minutes * self.voice_fen_per_minute
        cost += extra_mb * self.data_fen_per_mb
        if cailing and not plan.includes_cailing:
            cost += self.cailing_fee_fen
        return cost

    def cheapest_month_packs_fen(self, data_mb: int) -> int:
        """The cheapest month packs that cover this much data beyond a plan (0 for none)."""
        packs = [pack for pack in self.data_packs if pack.kind == "month"]
        best = [0] + [0] * data_mb
        for needed in range(1, data_mb + 1):
            best[needed] = min(pack.fee_fen + best[max(0, needed - pack.data_mb)] for pack in packs)
        return best[data_mb]


@cache
def catalogue() -> Catalogue:
    data = catalogue_data()
    fees = {service["code"]: service["monthly_fee_fen"] for service in data["services"]}
    return Catalogue(
        plans=tuple(
            Plan.from_record(plan, position) for position, plan in enumerate(data["plans"])
        ),
        voice_fen_per_minute=data["rates"]["voice_fen_per_minute"],
        data_fen_per_mb=data["rates"]["data_fen_per_mb"],
        cailing_fee_fen=fees["cailing"],
        data_packs=tuple(DataPack(**pack) for pack in data["data_packs"]),
    )


def yuan(fen: int) -> str:
    """Amounts said to customers: 7700 → "77", 15050 → "150.50"."""
    value = Decimal(fen) / 100
    return f"{value:.0f}" if value == value.to_integral() else f"{value:.2f}"
