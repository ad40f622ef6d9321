"""B3: the reuse-plan request of the bench procedure (setup_data.B3_PROCEDURE)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import setup_data


class NotAvailable(Exception):
    """B3 cannot run: the reason says why."""


@dataclass(frozen=True)
class Plan:
    path: str
    body: str
    registries: tuple[str, ...]
    describe: str


def pick(
    api_url: str,
    route: str,
    key: str,
    subjects: setup_data.Subjects,
    http: Callable[..., tuple[int, bytes]],
) -> Plan:
    """The plan request for the bench procedure, checked once against the running service."""
    path = route.replace("{code}", setup_data.B3_CODE)
    body = {
        "dossier_id": "BENCH-B3",
        "parties": {"applicant": {"scheme": "PIN", "value": subjects.pin}},
    }
    status, raw = http("POST", api_url + path, body, key)
    if status != 200:
        raise NotAvailable(f"{path} answered HTTP {status}: {raw[:200]!r}")
    plan: dict[str, Any] = json.loads(raw)
    items = plan.get("items") or plan.get("requirements") or []
    asked = [
        i
        for i in items
        if i.get("lookup") or i.get("verdict") in ("satisfied_by_data", "check_later")
    ]
    registries = ("DANCU", "CUTRU", "HOTICH", "BHXH")
    verdicts = ", ".join(sorted({str(i.get("verdict")) for i in items}))
    describe = (
        f"{setup_data.B3_CODE}: {len(items)} requirements, {len(asked)} answered by a "
        f"lookup, registries {'/'.join(registries)} at +50 ms; verdicts: {verdicts}"
    )
    return Plan(path, json.dumps(body, separators=(",", ":")), registries, describe)
