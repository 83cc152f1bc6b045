"""The PKCS#11 key store against a real SoftHSM2 token made in a temporary directory.

Skipped only when /usr/lib/softhsm/libsofthsm2.so is absent and PELANGGAN_REQUIRE_SOFTHSM is
not set; CI installs softhsm2 and sets it, and then a missing library fails the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pelanggan.platform import clock
from pelanggan.platform.models import AuditEvent
from pelanggan.prepaid.keystore import (
    DecoderKeySpec,
    KeyStoreError,
    MeterIdentity,
    VendingKeyExists,
    VendingKeyMissing,
    VendingKeyRef,
)
from pelanggan.prepaid.sts import BaseDate, EncryptionAlgorithm, MeterState, MeterVerdict
from pelanggan.prepaid.tests.conftest import (
    ACTOR,
    DK02_EXAMPLE_HEX,
    DK04_EXAMPLE_HEX,
    VK02_HEX,
    VK04_HEX,
)

SOFTHSM_LIBRARY = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN_LABEL = "pelanggan-test"
USER_PIN = "4821-test-pin"

if not Path(SOFTHSM_LIBRARY).is_file():
    if os.environ.get("PELANGGAN_REQUIRE_SOFTHSM"):
        pytest.fail(
            f"PELANGGAN_REQUIRE_SOFTHSM is set but {SOFTHSM_LIBRARY} is missing "
            "(apt-get install softhsm2)",
            pytrace=False,
        )
    pytest.skip(
        f"SoftHSM2 library {SOFTHSM_LIBRARY} not installed (apt-get install softhsm2)",
        allow_module_level=True,
    )

try:
    import pkcs11  # noqa: F401 - python-pkcs11, the binding the store uses
except ImportError:
    if os.environ.get("PELANGGAN_REQUIRE_SOFTHSM"):
        raise
    pytest.skip(
        "python-pkcs11 is not installed (pip install python-pkcs11)", allow_module_level=True
    )


@pytest.fixture(scope="module")
def token_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SoftHSM2 configuration and an initialised token in a temporary directory. The
    library reads SOFTHSM2_CONF once per process (C_Initialize), so one token serves the
    module; tests use distinct supply group codes."""
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = shutil.which("softhsm2-util")
    assert util is not None, "softhsm2-util is missing"
    subprocess.run(  # noqa: S603 - fixed arguments
        [util, "--init-token", "--free", "--label", TOKEN_LABEL, "--pin", USER_PIN,
         "--so-pin", "so-9731-test"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    yield base
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture
def hsm(token_dir: Path) -> Iterator[Any]:
    from pelanggan.prepaid.keystore.pkcs11 import Pkcs11KeyStore

    store = Pkcs11KeyStore(library_path=SOFTHSM_LIBRARY, token_label=TOKEN_LABEL, user_pin=USER_PIN)
    yield store
    store.close()


@pytest.fixture
def hsm_dkga02(token_dir: Path) -> Iterator[Any]:
    from pelanggan.prepaid.keystore.pkcs11 import Pkcs11KeyStore

    store = Pkcs11KeyStore(
        library_path=SOFTHSM_LIBRARY,
        token_label=TOKEN_LABEL,
        user_pin=USER_PIN,
        allow_dkga02_key_read=True,
    )
    yield store
    store.close()


def _spec(sgc: str, dkga: str, algorithm: EncryptionAlgorithm, *, krn: int = 1) -> DecoderKeySpec:
    return DecoderKeySpec(
        supply_group_code=sgc,
        key_revision_number=krn,
        key_type=2,
        tariff_index="01",
        meter=MeterIdentity(iin="600727", drn="00000000000"),
        base_date=BaseDate.Y1993,
        dkga=dkga,
        algorithm=algorithm,
    )


def _ref(sgc: str, dkga: str, krn: int = 1) -> VendingKeyRef:
    return VendingKeyRef(supply_group_code=sgc, key_revision_number=krn, dkga=dkga)


NOW = clock.wib(2026, 3, 1, 9, 0)


def test_dkga04_derives_inside_the_hsm_and_the_key_stays_there(hsm: Any) -> None:
    from pkcs11 import Attribute, ObjectClass
    from pkcs11.exceptions import AttributeSensitive

    hsm.add_key(
        ref=_ref("123457", "04"), key_material=bytes.fromhex(VK04_HEX), is_development=False,
        now=NOW,
    )  # fmt: skip
    key = hsm.derive_decoder_key(spec=_spec("123457", "04", EncryptionAlgorithm.MISTY1))
    sta = hsm.derive_decoder_key(spec=_spec("123457", "04", EncryptionAlgorithm.STA))

    assert key.key.hex() == DK04_EXAMPLE_HEX
    assert len(sta.key) == 8
    session = hsm._open()
    (stored,) = session.get_objects(
        {Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.LABEL: "sts-vk-123457-1-dkga04"}
    )
    assert (stored[Attribute.SENSITIVE], stored[Attribute.EXTRACTABLE]) == (True, False)
    assert (stored[Attribute.SIGN], stored[Attribute.ENCRYPT], stored[Attribute.WRAP]) == (
        True,
        False,
        False,
    )
    with pytest.raises(AttributeSensitive):
        stored[Attribute.VALUE]


def test_dkga02_is_refused_unless_reading_the_key_is_allowed(hsm: Any, hsm_dkga02: Any) -> None:
    with pytest.raises(KeyStoreError) as refused:
        hsm.add_key(ref=_ref("123456", "02"), key_material=None, is_development=True, now=NOW)
    assert refused.value.code == "mechanism_unavailable"
    assert "no mechanism for the XOR" in refused.value.message

    hsm_dkga02.add_key(
        ref=_ref("123456", "02"), key_material=bytes.fromhex(VK02_HEX), is_development=False,
        now=NOW,
    )  # fmt: skip
    spec = _spec("123456", "02", EncryptionAlgorithm.STA)
    assert hsm_dkga02.derive_decoder_key(spec=spec).key.hex() == DK02_EXAMPLE_HEX
    with pytest.raises(KeyStoreError, match="DKGA02"):
        hsm.derive_decoder_key(spec=spec)


def test_generate_list_retire_exists_missing(hsm: Any) -> None:
    retired_at = clock.wib(2026, 4, 2, 10, 0)
    hsm.add_key(ref=_ref("555001", "04"), key_material=None, is_development=True, now=NOW)
    hsm.add_key(ref=_ref("555001", "04", krn=2), key_material=None, is_development=False, now=NOW)
    with pytest.raises(VendingKeyExists):
        hsm.add_key(ref=_ref("555001", "04"), key_material=None, is_development=True, now=NOW)
    hsm.retire_key(ref=_ref("555001", "04"), now=retired_at)
    listed = [i for i in hsm.list_keys() if i.ref.supply_group_code == "555001"]

    assert [(i.ref.label, i.is_development, i.is_active, i.retired_at) for i in listed] == [
        ("sts-vk-555001-1-dkga04", True, False, retired_at),
        ("sts-vk-555001-2-dkga04", False, True, None),
    ]
    assert [i.created_at for i in listed] == [NOW, NOW]
    assert {i.backend for i in listed} == {"pkcs11"}
    one = hsm.derive_decoder_key(spec=_spec("555001", "04", EncryptionAlgorithm.MISTY1))
    two = hsm.derive_decoder_key(spec=_spec("555001", "04", EncryptionAlgorithm.MISTY1, krn=2))
    assert len(one.key) == 16
    assert one.key != two.key
    assert hsm.derive_decoder_key(spec=_spec("555001", "04", EncryptionAlgorithm.MISTY1)) == one
    with pytest.raises(VendingKeyMissing):
        hsm.derive_decoder_key(spec=_spec("555002", "04", EncryptionAlgorithm.MISTY1))
    assert USER_PIN not in repr(hsm)


@pytest.mark.django_db
def test_services_plan_a_key_change_through_the_hsm(hsm: Any) -> None:
    from pelanggan.prepaid.services import (
        KeyChangeTarget,
        add_vending_key,
        decoder_key_for,
        plan_key_change,
        register_meter_key_data,
    )

    for krn in (1, 2):
        add_vending_key(
            supply_group_code="555100", key_revision_number=krn, dkga="04", key_material=None,
            actor=ACTOR, store=hsm,
        )  # fmt: skip
    register_meter_key_data(
        meter_number="00000000000", supply_group_code="555100", tariff_index="01",
        key_revision_number=1, base_date=BaseDate.Y2014, dkga="04",
        algorithm=EncryptionAlgorithm.MISTY1, actor=ACTOR, store=hsm,
    )  # fmt: skip
    old_key = decoder_key_for(meter_number="00000000000", store=hsm)
    tokens = plan_key_change(
        meter_number="00000000000", target=KeyChangeTarget(key_revision_number=2), actor=ACTOR,
        store=hsm,
    )  # fmt: skip
    meter = MeterState(decoder_key=old_key, supply_group_code="555100", base_date=BaseDate.Y2014)
    verdicts = []
    for token in tokens:
        outcome = meter.enter(token)
        verdicts.append(outcome.verdict)
        meter = outcome.state
    new_spec = _spec("555100", "04", EncryptionAlgorithm.MISTY1, krn=2)
    new_spec = DecoderKeySpec(
        **{**{n: getattr(new_spec, n) for n in new_spec.__dataclass_fields__},
           "base_date": BaseDate.Y2014},
    )  # fmt: skip

    assert verdicts == [MeterVerdict.KEY_SECTION_STORED] * 3 + [MeterVerdict.ACCEPTED]
    assert meter.decoder_key == hsm.derive_decoder_key(spec=new_spec)
    assert meter.key_revision_number == 2
    added = AuditEvent.objects.filter(event_type="prepaid.vending_key.added")
    assert [e.changes["backend"] for e in added] == ["pkcs11", "pkcs11"]
