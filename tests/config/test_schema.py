"""The dataclass-driven schema, on small classes of its own."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from edigate.config import (
    Map,
    Scalar,
    SecretRef,
    build,
    did_you_mean,
    parse_yaml,
    setting,
)
from edigate.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class Inner:
    size: int = setting(1, minimum=1)


@dataclass(frozen=True, kw_only=True)
class Cat:
    type: Literal["cat"] = "cat"
    lives: int = 9


@dataclass(frozen=True, kw_only=True)
class Dog:
    type: Literal["dog"] = "dog"
    good: bool = True


@dataclass(frozen=True, kw_only=True)
class Sample:
    name: str
    ratio: float = 1.0
    inner: Inner = setting(Inner)
    tags: tuple[str, ...] = setting(
        (), one_or_many=True, pattern=r"[a-z]+", hint="lower-case letters"
    )
    limits: Mapping[str, int] = setting(factory=dict, keys=("low", "high"))
    pet: Cat | Dog | None = None
    token: SecretRef | None = None
    raw: Map | Scalar | None = None
    low: int = 0
    high: int = 10

    def config_problems(self) -> Iterator[tuple[str, str]]:
        if self.low > self.high:
            yield "low", "must not exceed high"


def load(text: str) -> Sample:
    return build(Sample, parse_yaml(text, "s.yaml"), base=Path("/ws")).value


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(text)
    return [str(p) for p in caught.value.problems]


def test_values_and_defaults() -> None:
    sample = load("name: 0012\nratio: 2\ntags: abc\nlimits: {low: 3}\npet: {type: dog}\n")
    assert sample.name == "0012" and sample.ratio == 2.0 and sample.tags == ("abc",)
    assert dict(sample.limits) == {"low": 3} and sample.pet == Dog()
    assert sample.inner == Inner() and sample.token is None


def test_null_means_default() -> None:
    assert load("name: x\nratio:\ninner:\n").ratio == 1.0


def test_secret_reference_keeps_its_origin() -> None:
    token = load("name: x\ntoken: file:tok\n").token
    assert token is not None and (token.file, token.line, token.path) == ("s.yaml", 2, "token")
    assert token.location == Path("/ws/tok")


def test_raw_nodes_are_kept() -> None:
    raw = load("name: x\nraw: {a: 1}\n").raw
    assert isinstance(raw, Map) and raw.line == 2


def test_problems_in_lists_maps_unions_and_checks() -> None:
    text = (
        "name: x\n"
        "ratio: lots\n"
        "tags: [ok, Not-OK]\n"
        "limits: {low: 1, middle: 2}\n"
        "pet: {type: dog, lives: 3}\n"
        "inner: {size: 0}\n"
        "low: 11\n"  # not reported: rules across fields wait until every field is valid
    )
    assert problems(text) == [
        "s.yaml:2: ratio: expected a number, got 'lots'",
        "s.yaml:3: tags[1]: expected lower-case letters, got 'Not-OK'",
        "s.yaml:4: limits.middle: unknown key; expected one of: low, high",
        "s.yaml:5: pet.lives: unknown key",
        "s.yaml:6: inner.size: expected an integer of at least 1, got 0",
    ]


def test_rules_across_fields() -> None:
    assert problems("name: x\nhigh: 3\nlow: 11\n") == ["s.yaml:3: low: must not exceed high"]


def test_booleans_are_not_integers() -> None:
    assert problems("name: x\nlow: true\n") == ["s.yaml:2: low: expected an integer, got 'true'"]


def test_did_you_mean() -> None:
    assert did_you_mean("prot", ["port", "host"]) == " (did you mean 'port'?)"
    assert did_you_mean("info", ["INFO", "DEBUG"]) == " (did you mean 'INFO'?)"
    assert did_you_mean("zzz", ["port"]) == ""
