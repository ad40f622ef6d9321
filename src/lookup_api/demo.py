"""Demo data: the demo clients, their keys and the demo procedure backend's grants.

- `demo-procedure-backend` holds the demo key (SHARED_DATA_DEMO_API_KEY) and two roles: ops
  (it reads the ops endpoints) and procedure backend (it looks up). Its grants follow each
  procedure's requirements, one grant per document type a requirement names (alternatives
  included), with that type's catalog fields; nothing else, so the demo shows refusals too
  (KHAI_SINH for P02, which does not need it, is refused with a 403).
  One grant restricts fields, so minimisation shows: P07 (judicial record certificate) gets the
  identity card without `place_of_residence`: the procedure takes the residence from its own
  CT07 requirement, so the card's copy of it is not needed.
- `demo-citizen-portal` (citizen_portal role) and `demo-admin` (admin role) hold keys derived
  from the demo key, so they are the same at every start; `demo()` prints them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from shared_data.catalog import Catalog, load_catalog
from shared_data.clients import ClientRole
from shared_data.grants import GrantRequest
from shared_data.persistence.db import create_engine_for
from shared_data.persistence.grants_repository import GrantRepository
from shared_data.persistence.repositories import ClientRepository
from shared_data.settings import Settings

DEMO_AGENCY = "UBND Phường Mẫu Một (demo)"
# (procedure, document type) -> fields withheld from the demo grant.
RESTRICTED = {("P07", "CCCD"): frozenset({"place_of_residence"})}


@dataclass(frozen=True)
class DemoKeys:
    """The demo clients' API keys (all of them demo secrets, printed by `shared-data demo`)."""

    procedure_backend: str
    citizen_portal: str
    admin: str


def derived_key(demo_key: str, purpose: str) -> str:
    """A key for another demo client, derived from the demo key (stable across starts)."""
    digest = hmac.new(demo_key.encode(), purpose.encode(), hashlib.sha256).digest()
    prefix = hashlib.sha256(digest).hexdigest()[:8]
    return f"sdk_{prefix}_{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"


# Abolished papers are required by no procedure (the catalog refuses that), yet a backend still
# written against them should learn from a lookup that the paper is gone: these two named
# grants let the demo show that answer (found, not reusable: abolished).
ABOLISHED_PAPER_GRANTS = (("P06", "SO_HO_KHAU"), ("P08", "MST_CA_NHAN"))


def demo_grants(catalog: Catalog) -> list[GrantRequest]:
    """One grant per (procedure, document type its requirements name), catalog fields; plus
    the named grants for abolished papers."""
    grants: dict[tuple[str, str], GrantRequest] = {}
    for code, doc_id in ABOLISHED_PAPER_GRANTS:
        if code in catalog.procedures and doc_id in catalog.document_types:
            doc = catalog.document_types[doc_id]
            grants[(code, doc_id)] = GrantRequest(
                procedure_code=code,
                document_type=doc_id,
                allowed_fields=tuple(doc.fields),
                legal_basis=doc.legal_ref or "demo: abolished paper",
            )
    for procedure in catalog.procedures.values():
        for requirement in procedure.requirements:
            named = [requirement.document_type, *requirement.alternatives]
            for doc_id in filter(None, named):
                doc = catalog.document_types[doc_id]
                withheld = RESTRICTED.get((procedure.code, doc_id), frozenset())
                basis = requirement.basis or procedure.legal_basis or doc.legal_ref or "demo"
                grants.setdefault(
                    (procedure.code, doc_id),
                    GrantRequest(
                        procedure_code=procedure.code,
                        document_type=doc_id,
                        allowed_fields=tuple(f for f in doc.fields if f not in withheld),
                        legal_basis=basis,
                    ),
                )
    return list(grants.values())


def load_demo_data(settings: Settings, demo_key: str) -> DemoKeys:
    """Register the demo clients with their keys and the backend's grants (idempotent)."""
    keys = DemoKeys(
        procedure_backend=demo_key,
        citizen_portal=derived_key(demo_key, "citizen-portal"),
        admin=derived_key(demo_key, "admin"),
    )
    engine = create_engine_for(settings.database_url)
    try:
        clients = ClientRepository(engine)
        backend = clients.ensure_client_with_key(
            name="demo-procedure-backend",
            role=ClientRole.PROCEDURE_BACKEND,
            agency=DEMO_AGENCY,
            plaintext_key=demo_key,
            roles=[ClientRole.OPS],
        )
        clients.ensure_client_with_key(
            "demo-citizen-portal", ClientRole.CITIZEN_PORTAL, "Cổng DVC (demo)", keys.citizen_portal
        )
        clients.ensure_client_with_key("demo-admin", ClientRole.ADMIN, DEMO_AGENCY, keys.admin)
        GrantRepository(engine).ensure_grants(
            backend.id, demo_grants(load_catalog(settings.catalog_dir))
        )
    finally:
        engine.dispose()
    return keys


def describe_demo_access(origin: str, keys: DemoKeys) -> str:
    """The banner lines about grants, minimisation, refusals and the access log."""
    json_header = "-H 'Content-Type: application/json'"
    portal = f"-H 'Authorization: Bearer {keys.citizen_portal}'"
    backend = f"-H 'Authorization: Bearer {keys.procedure_backend}'"
    return f"""\
Access control (grants follow each procedure's requirements):
  refused (P02 does not need a birth certificate) -> 403:
  curl -s {origin}/v1/lookups {backend} {json_header} \\
    -d '{{"document_type": "KHAI_SINH", "subject": {{"scheme": "PIN", "value": "001225956789"}},
         "purpose": {{"procedure_code": "P02"}}}}'
  minimised (P07's identity-card grant leaves out place_of_residence):
  curl -s {origin}/v1/lookups {backend} {json_header} \\
    -d '{{"document_type": "CCCD", "subject": {{"scheme": "PIN", "value": "001090912345"}},
         "purpose": {{"procedure_code": "P07"}}}}'
  citizen portal key: {keys.citizen_portal}
  who looked at this citizen's data:
  curl -s {origin}/v1/access-log/search {portal} {json_header} \\
    -d '{{"subject": {{"scheme": "PIN", "value": "001225956789"}}, "authentication_ref": "demo"}}'
  admin key: {keys.admin}   (GET {origin}/v1/admin/clients, /v1/admin/grants)
"""
