"""The meter side: what a meter does with a token it is given (sts.md 5), as an immutable state
value that the meter simulator keeps per virtual meter.

`MeterState.enter(token)` never raises for a bad token; it returns a `MeterOutcome` with the
verdict (named as in the spec / NectarAPI: CRCError, Old, Used, KeyExpired, DDTK, ...) and the
next state. Checks run before any change, so a rejected token changes nothing.

Choices where the sources are silent (documented so the simulator's behaviour is predictable):
* TID memory keeps the `tid_memory_depth` largest accepted TIDs. *Used*: the TID is in memory.
  *Old*: the memory is full and the TID is below its smallest entry, or the TID is below
  `min_tid` (the manufacture time the memory was pre-filled with, sts.md 2).
* Key expiry (TID bits 23..16 > KEN) is not applied to an initialisation key (KT 0), following
  "key expiry applies to the DDTK/DUTK/DCTK keys".
* Roll-over (RO = 1) clears the TID memory, resets `min_tid` to 0 and moves `base_date` to the
  next base date.
* Class 1 is accepted when its manufacturer code equals the meter's (no wildcard code).
* Currency credit (class 0, subclass 4..7) is answered *Function*: PLN meters take kWh.
"""

from __future__ import annotations

import bisect
import enum
from dataclasses import dataclass, field, replace
from decimal import Decimal

from pelanggan.prepaid.sts.ciphers import DecoderKey
from pelanggan.prepaid.sts.codec import DecodedToken, decode_token
from pelanggan.prepaid.sts.errors import StsError
from pelanggan.prepaid.sts.keychange import assemble_key
from pelanggan.prepaid.sts.tid import BaseDate
from pelanggan.prepaid.sts.tokens import (
    ClearCredit,
    ClearTamperCondition,
    CurrencyCredit,
    InitiateMeterTest,
    KeyChangeSection,
    Service,
    Set1stSectionDecoderKey,
    Set2ndSectionDecoderKey,
    Set3rdSectionDecoderKey,
    Set4thSectionDecoderKey,
    SetMaximumPhasePowerUnbalanceLimit,
    SetMaximumPowerLimit,
    SetTariffRate,
    SetWaterMeterFactor,
    TokenPayload,
    TransferCredit,
)

DEFAULT_TID_MEMORY_DEPTH = 50  # PLN: a token "expires" after 50 later purchases
KEY_TYPE_INITIALISATION = 0
KEY_TYPE_DEFAULT = 1
ZERO = Decimal("0.0")


class MeterVerdict(enum.Enum):
    """The meter's answer to a token."""

    ACCEPTED = "Accepted"
    KEY_SECTION_STORED = "KeySectionStored"  # accepted; waiting for the other section(s)
    FORMAT = "Format"
    CRC_ERROR = "CRCError"
    AUTHENTICATION = "Authentication"
    FUNCTION = "Function"
    DDTK = "DDTK"
    KEY_EXPIRED = "KeyExpired"
    USED = "Used"
    OLD = "Old"
    OVERFLOW = "Overflow"

    @property
    def accepted(self) -> bool:
        """Whether the meter took the token."""
        return self in (MeterVerdict.ACCEPTED, MeterVerdict.KEY_SECTION_STORED)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterState:
    """One meter's STS state. Credit registers are `Decimal` in the service's unit."""

    decoder_key: DecoderKey
    key_type: int = 2
    key_revision_number: int = 1
    tariff_index: int = 1
    key_expiry_number: int = 255
    supply_group_code: str | None = None
    base_date: BaseDate = BaseDate.Y1993
    manufacturer_code: int = 0
    tid_memory: tuple[int, ...] = ()  # ascending
    tid_memory_depth: int = DEFAULT_TID_MEMORY_DEPTH
    min_tid: int = 0
    credit: tuple[Decimal, Decimal, Decimal, Decimal] = (ZERO, ZERO, ZERO, ZERO)
    credit_limit: Decimal | None = None  # per register; None = no overflow check
    power_limit_watts: int | None = None
    phase_unbalance_limit_watts: int | None = None
    tariff_rate: int | None = None
    water_meter_factor: int | None = None
    tampered: bool = False
    pending_key_sections: tuple[KeyChangeSection, ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if self.tid_memory_depth < 1:
            raise StsError("tid_memory_depth must be at least 1")
        if list(self.tid_memory) != sorted(set(self.tid_memory)):
            raise StsError("tid_memory must be strictly ascending")
        if len(self.tid_memory) > self.tid_memory_depth:
            raise StsError("tid_memory holds more TIDs than tid_memory_depth")
        if not 0 <= self.key_expiry_number <= 255:
            raise StsError("key_expiry_number must be 0..255")

    def credit_of(self, service: Service) -> Decimal:
        """The credit register of `service`."""
        return self.credit[service.value]

    def enter(self, token: str) -> MeterOutcome:
        """Process a token typed on the keypad; never raises for a bad token."""
        try:
            decoded = decode_token(token, self.decoder_key)
        except StsError:
            return MeterOutcome(MeterVerdict.FORMAT, self, None)
        if not decoded.crc_ok:
            return MeterOutcome(MeterVerdict.CRC_ERROR, self, decoded)
        payload = decoded.payload
        if payload is None or isinstance(payload, CurrencyCredit):
            return MeterOutcome(MeterVerdict.FUNCTION, self, decoded)
        if isinstance(payload, InitiateMeterTest):
            verdict = (
                MeterVerdict.ACCEPTED
                if payload.manufacturer_code == self.manufacturer_code
                else MeterVerdict.AUTHENTICATION
            )
            return MeterOutcome(verdict, self, decoded)
        if isinstance(
            payload,
            Set1stSectionDecoderKey
            | Set2ndSectionDecoderKey
            | Set3rdSectionDecoderKey
            | Set4thSectionDecoderKey,
        ):
            return self._key_section(payload, decoded)
        return self._tid_token(payload, decoded)

    def _tid_token(self, payload: TokenPayload, decoded: DecodedToken) -> MeterOutcome:
        if isinstance(payload, TransferCredit) and self.key_type == KEY_TYPE_DEFAULT:
            return MeterOutcome(MeterVerdict.DDTK, self, decoded)
        tid: int = getattr(payload, "tid")  # noqa: B009 - every remaining payload has a TID
        if self.key_type != KEY_TYPE_INITIALISATION and tid >> 16 > self.key_expiry_number:
            return MeterOutcome(MeterVerdict.KEY_EXPIRED, self, decoded)
        memory = self.tid_memory
        index = bisect.bisect_left(memory, tid)
        if index < len(memory) and memory[index] == tid:
            return MeterOutcome(MeterVerdict.USED, self, decoded)
        if tid < self.min_tid or (len(memory) >= self.tid_memory_depth and index == 0):
            return MeterOutcome(MeterVerdict.OLD, self, decoded)
        changed = self._action(payload)
        if changed is None:
            return MeterOutcome(MeterVerdict.OVERFLOW, self, decoded)
        remembered = (*memory[:index], tid, *memory[index:])[-self.tid_memory_depth :]
        return MeterOutcome(MeterVerdict.ACCEPTED, replace(changed, tid_memory=remembered), decoded)

    def _action(self, payload: TokenPayload) -> MeterState | None:
        """The state after what a TID token does; None when a register would overflow."""
        if isinstance(payload, TransferCredit):
            registers = list(self.credit)
            total = registers[payload.service.value] + payload.amount
            if self.credit_limit is not None and total > self.credit_limit:
                return None
            registers[payload.service.value] = total
            return replace(self, credit=_four(registers))
        if isinstance(payload, SetMaximumPowerLimit):
            return replace(self, power_limit_watts=payload.watts)
        if isinstance(payload, SetMaximumPhasePowerUnbalanceLimit):
            return replace(self, phase_unbalance_limit_watts=payload.watts)
        if isinstance(payload, ClearCredit):
            registers = list(self.credit)
            for service in Service:
                if payload.register in (service.value, ClearCredit.ALL_REGISTERS):
                    registers[service.value] = ZERO
            return replace(self, credit=_four(registers))
        if isinstance(payload, ClearTamperCondition):
            return replace(self, tampered=False)
        if isinstance(payload, SetTariffRate):
            return replace(self, tariff_rate=payload.value_field)
        if isinstance(payload, SetWaterMeterFactor):
            return replace(self, water_meter_factor=payload.value_field)
        return self

    def _key_section(self, payload: KeyChangeSection, decoded: DecodedToken) -> MeterOutcome:
        sections: dict[int, KeyChangeSection] = {
            section.subclass: section for section in self.pending_key_sections
        }
        sections[payload.subclass] = payload
        key_length = self.decoder_key.algorithm.key_length
        new_key = assemble_key(sections, key_length)
        if new_key is None:
            pending = tuple(sections[s] for s in sorted(sections))
            stored = replace(self, pending_key_sections=pending)
            return MeterOutcome(MeterVerdict.KEY_SECTION_STORED, stored, decoded)
        first = sections[3]
        second = sections[4]
        assert isinstance(first, Set1stSectionDecoderKey)  # noqa: S101 - keyed by subclass
        assert isinstance(second, Set2ndSectionDecoderKey)  # noqa: S101
        supply_group_code = self.supply_group_code
        if key_length == 16:
            third, fourth = sections[8], sections[9]
            assert isinstance(third, Set3rdSectionDecoderKey)  # noqa: S101
            assert isinstance(fourth, Set4thSectionDecoderKey)  # noqa: S101
            supply_group_code = f"{(fourth.sgc_part << 12) | third.sgc_part:06d}"
        installed = replace(
            self,
            decoder_key=DecoderKey(new_key, self.decoder_key.algorithm),
            key_type=first.key_type,
            key_revision_number=first.key_revision_number,
            key_expiry_number=(first.ken_high << 4) | second.ken_low,
            tariff_index=second.tariff_index,
            supply_group_code=supply_group_code,
            pending_key_sections=(),
        )
        if first.rollover:
            following = self.base_date.following or self.base_date
            installed = replace(installed, tid_memory=(), min_tid=0, base_date=following)
        return MeterOutcome(MeterVerdict.ACCEPTED, installed, decoded)


def _four(registers: list[Decimal]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (registers[0], registers[1], registers[2], registers[3])


@dataclass(frozen=True, slots=True)
class MeterOutcome:
    """The verdict on one token, the meter's state after it, and the decoded token (None when
    the digits could not even be parsed)."""

    verdict: MeterVerdict
    state: MeterState
    decoded: DecodedToken | None
