"""The city's agencies as the demo catalog sees them, read from `data/demo_agencies.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml


@dataclass(frozen=True, slots=True)
class AgencyProfile:
    """What one agency's procedures look like (see the YAML file's header)."""

    name: str
    level: str
    # Procedures of this agency in the 2,149, the hand-written ones included.
    count: int
    subjects: tuple[str, ...]
    forms: tuple[tuple[str, str], ...]
    # document type id -> weight (internal confirmations are drawn apart, see p_confirmation).
    documents: dict[str, int]
    papers: tuple[tuple[str, str], ...]
    p_identity: float
    p_confirmation: float
    p_paper: float

    @classmethod
    def from_yaml(cls, data: dict[str, Any]) -> AgencyProfile:
        """One entry of the `agencies` list."""
        pairs = ("forms", "papers")
        return cls(
            **{
                **data,
                "subjects": tuple(data["subjects"]),
                **{name: tuple((code, text) for code, text in data[name]) for name in pairs},
                "documents": dict(data["documents"]),
            }
        )


@dataclass(frozen=True, slots=True)
class DemoAgencies:
    """Name parts and agency profiles of the demo catalog."""

    actions: tuple[str, ...]
    qualifiers: tuple[str, ...]
    profiles: tuple[AgencyProfile, ...]


def load_demo_agencies() -> DemoAgencies:
    """Read `data/demo_agencies.yaml`."""
    text = (
        resources.files("shared_data.catalog")
        .joinpath("data/demo_agencies.yaml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    return DemoAgencies(
        actions=tuple(data["actions"]),
        qualifiers=tuple(data["qualifiers"]),
        profiles=tuple(AgencyProfile.from_yaml(entry) for entry in data["agencies"]),
    )
