"""Organisation names to IRIs: minted by rule, reused from earlier sources."""

from __future__ import annotations

import pytest

from idmgraph.base.errors import SourceError
from idmgraph.importer.model import Name
from idmgraph.importer.registry import Registry, study_period


def _registry(known: dict[str, str] | None = None) -> Registry:
    return Registry(where="r.txt", period="2022-2024", known=known or {})


@pytest.mark.parametrize(
    ("written", "prefix", "path", "label"),
    [
        ("SG 16", "", "group/itu-t/2022-2024/sg16", "ITU-T SG16"),
        ("SG11", "ITU-T", "group/itu-t/2022-2024/sg11", "ITU-T SG11"),
        ("Q10/17", "ITU-T", "group/itu-t/2022-2024/sg17/q10", "Q10/17"),
        ("Question 11/17", "", "group/itu-t/2022-2024/sg17/q11", "Q11/17"),
        ("Q3/2", "ITU-D", "group/itu-d/sg2/q3", "ITU-D Q3/2"),
        ("JCA-DCC", "", "group/itu-t/jca-dcc", "JCA-DCC"),
        ("ISO/IEC JTC1/SC27/WG5", "", "group/iso-iec-jtc1/sc27/wg5", "ISO/IEC JTC 1/SC 27/WG 5"),
        ("ISO/TC 307/JWG4", "", "group/iso/tc307/jwg4", "ISO/TC 307/JWG 4"),
        ("W3C DID WG", "", "group/w3c/did-wg", "W3C DID WG"),
        ("SIA \u2013 Secure Identity Alliance", "", "org/sia", "Secure Identity Alliance"),
        ("Kantara Initiative", "", "org/kantara-initiative", "Kantara Initiative"),
    ],
)
def test_minted(written: str, prefix: str, path: str, label: str) -> None:
    org = _registry().resolve(Name(line=1, written=written, prefix=prefix))
    assert (org.path, org.label) == (path, label)


def test_parents_are_registered_with_their_forms() -> None:
    registry = _registry()
    registry.resolve(Name(line=1, written="ISO/TC307/JWG4"))
    registry.resolve(Name(line=2, written="ISO/TC 307/JWG4"))
    jwg4 = registry.orgs["group/iso/tc307/jwg4"]
    assert sorted(jwg4.alt_labels) == ["ISO/TC 307/JWG4", "ISO/TC307/JWG4"]
    assert registry.orgs["group/iso/tc307"].alt_labels == ["ISO/TC307"]
    assert registry.orgs["org/iso"].kind == "org:Organization"


def test_earlier_iri_is_reused() -> None:
    registry = _registry({"ETSI TC ESI": "group/etsi/esi"})
    assert registry.resolve(Name(line=1, written="ETSI TC ESI")).path == "group/etsi/esi"


def test_unreadable_name_names_the_line() -> None:
    with pytest.raises(SourceError) as caught:
        _registry().resolve(Name(line=9, written="ISO/IEC JTC/SC27"))
    assert caught.value.line == 9


def test_study_periods() -> None:
    assert study_period(2023) == "2022-2024"
    assert study_period(2021) == "2017-2020"
    assert study_period(2026) == "2025-2028"
