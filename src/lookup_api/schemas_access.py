"""Bodies of the access-log and admin endpoints."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from lookup_api.schemas import SubjectIn
from shared_data.access_log import AccessLogEntry
from shared_data.clients import ApiKeyInfo, Client


class AccessLogSearch(BaseModel):
    """Who looked at this subject's data? Asked by a citizen portal for a citizen it logged in."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": {"scheme": "PIN", "value": "001225956789"},
                    "authentication_ref": "vneid-session-7f3a9c",
                }
            ]
        },
    )

    subject: SubjectIn
    authentication_ref: str = Field(
        min_length=1,
        max_length=128,
        description="The portal's reference of the VNeID authentication of this citizen; "
        "kept in the audit record of this read",
    )
    limit: int = Field(default=100, ge=1, le=500, description="Most recent lookups, at most")


class AccessLogEntryOut(BaseModel):
    lookup_id: str
    occurred_at: datetime
    agency: str | None = Field(description="Agency of the client that looked")
    client_name: str | None
    procedure_code: str
    dossier_id: str | None
    document_type: str
    outcome: str = Field(
        description="found, not_found, unavailable or denied; pending or abandoned if the "
        "lookup never completed",
        examples=["found"],
    )

    @classmethod
    def from_entry(cls, entry: AccessLogEntry) -> AccessLogEntryOut:
        return cls.model_validate(entry.model_dump())


class AccessLogResponse(BaseModel):
    """The subject's lookups, newest first. Records under embargo are not listed until it ends."""

    entries: list[AccessLogEntryOut]


class ApiKeyOut(BaseModel):
    prefix: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @classmethod
    def from_info(cls, info: ApiKeyInfo) -> ApiKeyOut:
        return cls.model_validate(info.model_dump(exclude={"id", "client_id"}))


class ClientOut(BaseModel):
    """A client and what may be shown of its keys (never a secret)."""

    id: str
    name: str
    agency: str
    roles: list[str]
    disabled_at: datetime | None = None
    keys: list[ApiKeyOut]

    @classmethod
    def from_client(cls, client: Client, keys: list[ApiKeyInfo]) -> ClientOut:
        return cls(
            id=client.id,
            name=client.name,
            agency=client.agency,
            roles=sorted(role.value for role in client.roles),
            disabled_at=client.disabled_at,
            keys=[ApiKeyOut.from_info(key) for key in keys],
        )


class GrantIn(BaseModel):
    """A grant to give: `document_type` "*" means any document type the procedure needs."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client": "ubnd-phuong-mau-mot",
                    "procedure_code": "P07",
                    "document_type": "CCCD",
                    "allowed_fields": ["pin", "full_name", "dob"],
                    "legal_basis": "Luật Cư trú 68/2020/QH14",
                }
            ]
        },
    )

    client: str = Field(min_length=1, max_length=200, description="The client's name")
    procedure_code: str = Field(min_length=1, max_length=64)
    document_type: str = Field(min_length=1, max_length=64)
    allowed_fields: list[str] = Field(min_length=1, max_length=200)
    legal_basis: str = Field(min_length=1, max_length=500)


class EmbargoIn(BaseModel):
    """Withhold matching audit records from the access log until `until` (start of that day,
    Vietnam time). Every scope given must match; at least one is needed."""

    model_config = ConfigDict(extra="forbid")

    subject: SubjectIn | None = None
    lookup_id: str | None = Field(default=None, max_length=64)
    dossier_id: str | None = Field(default=None, max_length=128)
    client: str | None = Field(default=None, max_length=200, description="A client's name")
    reason: str = Field(min_length=1, max_length=500)
    until: date
    created_by: str = Field(min_length=1, max_length=200, description="Who ordered it")
