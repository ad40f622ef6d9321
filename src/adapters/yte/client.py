"""YTE protocol: FHIR-style searches answered with a `Bundle`, bearer-token authentication.

Wire format (synthetic, shaped like a FHIR REST server in front of the health data exchange):

    GET /fhir/GiayChungSinh?identifier={doc_no} | ?mother={PIN}      -> CHUNG_SINH
    GET /fhir/GiayBaoTu?subject={PIN}                                -> BAO_TU
    GET /fhir/GiayKhamSucKhoeLaiXe?subject={PIN} | ?identifier={no}  -> GKSK_LAI_XE
        &_sort=-date&_count=1       (newest first; one is all we read)
    Authorization: Bearer <token>   Accept: application/fhir+json
    -> 200 {"resourceType": "Bundle", "type": "searchset", "total": n,
            "entry": [{"fullUrl": "...", "resource": {...}}]}
    GET /fhir/metadata              -> 200 CapabilityStatement (probe)

`total: 0` is the authoritative "no record". Errors are HTTP statuses with an
`OperationOutcome` body, read by the shared transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.mapping_helpers import WireFormatError

REGISTRY_ID = "YTE"
MEDIA_TYPE = "application/fhir+json"
BASE_PATH = "/fhir"
METADATA_PATH = "/fhir/metadata"
NEWEST_FIRST = "-date"
HEADERS: Mapping[str, str] = {"Accept": MEDIA_TYPE}


class Entry(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    full_url: str = Field(alias="fullUrl")
    resource: dict[str, Any]


class Bundle(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)

    resource_type: Literal["Bundle"] = Field(alias="resourceType")
    type: Literal["searchset"]
    total: Annotated[int, Field(ge=0)]
    entry: list[Entry] = Field(default_factory=list)


def auth_headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def bundle(resource_type: str, resources: list[dict[str, Any]], total: int) -> dict[str, Any]:
    entries = [{"fullUrl": f"urn:yte:{resource_type}/{r['id']}", "resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "entry": entries}


def decode_bundle(body: bytes) -> Bundle:
    try:
        found = Bundle.model_validate_json(body)
    except ValidationError as exc:
        raise WireFormatError("not a searchset Bundle") from exc
    if len(found.entry) > found.total or (found.total and not found.entry):
        raise WireFormatError("Bundle entries disagree with its total")
    return found


def outcome(code: str, text: str) -> dict[str, Any]:
    """A FHIR OperationOutcome, the body of every error."""
    issue = {"severity": "error", "code": code, "diagnostics": text}
    return {"resourceType": "OperationOutcome", "issue": [issue]}
