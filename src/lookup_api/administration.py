"""Admin changes shared by the CLI and the admin endpoints: grants and embargoes, checked.

Each function takes names as people type them (a client's name, a procedure code, a date) and
raises core errors: UnknownRecordError for what does not exist, InvalidAdminRequestError for
what the catalog or the rules refuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone

from shared_data.access_log import Embargo
from shared_data.catalog.models import Catalog
from shared_data.clients import Client
from shared_data.errors import InvalidAdminRequestError, UnknownRecordError
from shared_data.grants import Grant, checked_grant_request
from shared_data.identifiers import validate_identifier
from shared_data.persistence.access_log_repository import AccessLogRepository
from shared_data.persistence.grants_repository import GrantRepository
from shared_data.persistence.repositories import ClientRepository

# Vietnam keeps UTC+7 all year: an embargo "until 2026-12-31" ends at that day's start there.
VIETNAM = timezone(timedelta(hours=7), "ICT")


def client_named(clients: ClientRepository, name: str) -> Client:
    """Return the client with this name, or raise UnknownRecordError."""
    client = clients.find_client_by_name(name)
    if client is None:
        raise UnknownRecordError(f"No client named '{name}'.")
    return client


def give_grant(
    clients: ClientRepository,
    grants: GrantRepository,
    catalog: Catalog,
    client_name: str,
    procedure_code: str,
    document_type: str,
    allowed_fields: Sequence[str],
    legal_basis: str,
) -> Grant:
    """Check a grant against the catalog and store it for the named client."""
    client = client_named(clients, client_name)
    try:
        request = checked_grant_request(
            catalog, procedure_code, document_type, allowed_fields, legal_basis
        )
        return grants.add_grant(client.id, request)
    except ValueError as exc:
        raise InvalidAdminRequestError(str(exc)) from exc


def end_of_embargo(until: date) -> datetime:
    """The instant an embargo "until <date>" ends: the start of that day in Vietnam."""
    return datetime.combine(until, time(0, 0), tzinfo=VIETNAM)


def place_embargo(
    store: AccessLogRepository,
    clients: ClientRepository,
    *,
    until: date,
    reason: str,
    created_by: str,
    subject: tuple[str, str] | None = None,
    lookup_id: str | None = None,
    dossier_id: str | None = None,
    client_name: str | None = None,
) -> Embargo:
    """Withhold matching audit records from the access log until `until` (a date)."""
    client_id = client_named(clients, client_name).id if client_name else None
    subject_ref = None if subject is None else _subject_ref(store, *subject)
    try:
        return store.add_embargo(
            reason=reason,
            until=end_of_embargo(until),
            created_by=created_by,
            subject_ref=subject_ref,
            lookup_id=lookup_id,
            dossier_id=dossier_id,
            client_id=client_id,
        )
    except ValueError as exc:
        raise InvalidAdminRequestError(str(exc)) from exc


def _subject_ref(store: AccessLogRepository, scheme: str, value: str) -> str:
    # The audit log keeps subjects in canonical form: refer to them the same way.
    canonical = validate_identifier(scheme, value)
    return store.subject_ref(canonical.scheme, canonical.value)
