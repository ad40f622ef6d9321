"""The core's error tree.

Exceptions are for the caller's mistakes and for our refusals; what a registry says is data
(see `domain.Outcome`). No HTTP status codes here: `lookup_api.errors` maps classes to them.
"""

from __future__ import annotations

from shared_data.domain import UnavailableReason


class SharedDataError(Exception):
    """Base of every error the service raises on purpose."""

    code = "shared_data_error"
    title = "Shared-data error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CallerError(SharedDataError):
    """The request itself is wrong; retrying it unchanged will fail again."""


class InvalidIdentifierError(CallerError):
    """An identifier broke one rule of its scheme."""

    code = "invalid_identifier"
    title = "Invalid identifier"

    def __init__(self, scheme: str, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.scheme = scheme
        self.rule = rule


class UnknownSchemeError(CallerError):
    """The identifier scheme is not in the catalog, or not accepted for this document type."""

    code = "unsupported_scheme"
    title = "Unsupported identifier scheme"


class QualifierError(CallerError):
    """A lookup's extra key (say a parcel's owner) is unexpected or of the wrong scheme."""

    code = "invalid_qualifier"
    title = "Invalid qualifier"

    def __init__(self, role: str, detail: str) -> None:
        super().__init__(detail)
        self.role = role


class MissingQualifierError(QualifierError):
    """The document type needs an extra key (e.g. GCN_QSDD: the owner) that was not given."""

    code = "missing_qualifier"
    title = "Missing qualifier"


class UnknownDocumentTypeError(CallerError):
    code = "unknown_document_type"
    title = "Unknown document type"


class UnknownProcedureError(CallerError):
    code = "unknown_procedure"
    title = "Unknown procedure"


class UnknownLookupError(CallerError):
    code = "unknown_lookup"
    title = "Unknown lookup"


class UnknownRecordError(CallerError):
    """An admin request names a client, grant or embargo that does not exist."""

    code = "unknown_record"
    title = "Unknown record"


class InvalidAdminRequestError(CallerError):
    """An admin change the catalog or the rules refuse (unknown field, duplicate grant, ...)."""

    code = "invalid_admin_request"
    title = "Invalid admin request"


class AuthenticationError(SharedDataError):
    """No credential, or one that is malformed, unknown, expired or revoked."""

    code = "unauthenticated"
    title = "Authentication required"


class PermissionDeniedError(SharedDataError):
    """The client holds no grant for this procedure and document type."""

    code = "forbidden"
    title = "Not permitted"


class DocumentRestrictedError(PermissionDeniedError):
    """The law bars this document type for this kind of subject (e.g. LLTP_2 for individuals
    from 1/7/2026), whatever the client's grants."""

    code = "document_restricted"
    title = "Document may not be required"


class QuotaExceededError(SharedDataError):
    code = "quota_exceeded"
    title = "Quota exceeded"

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class AuditUnavailableError(SharedDataError):
    """The audit store could not be written: no answer may leave without its record."""

    code = "audit_unavailable"
    title = "Audit store unavailable"


class CatalogError(SharedDataError):
    """The catalog files are inconsistent; start-up must stop."""

    code = "catalog_error"
    title = "Catalog error"


class RegistryError(SharedDataError):
    """Technical failure talking to a registry; the adapter layer turns it into `unavailable`.

    `reason` is one of `domain.UnavailableReason`; `retriable` says whether a retry may help.
    """

    code = "registry_error"
    title = "Registry error"

    def __init__(
        self,
        reason: UnavailableReason,
        detail: str,
        *,
        retriable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(detail)
        self.reason = reason
        self.retriable = retriable
        self.retry_after = retry_after


class UnknownResultError(CallerError):
    """No published result with this id that the caller may act on (missing or another's)."""

    code = "unknown_result"
    title = "Unknown result"


class InvalidResultError(CallerError):
    """A result the catalog refuses: unknown fields, inconsistent dates, a type not held."""

    code = "invalid_result"
    title = "Invalid result"


class ResultNotActiveError(CallerError):
    """The result was already revoked or superseded; that cannot be undone or repeated."""

    code = "result_not_active"
    title = "Result not active"
