"""The catalog: registries, identifier schemes, document types and procedures, as data."""

from shared_data.catalog.loader import load_catalog
from shared_data.catalog.models import (
    Catalog,
    DocumentType,
    IdentifierScheme,
    Procedure,
    Registry,
    Requirement,
    RequirementKind,
    ValidityRule,
    ValidityType,
)

__all__ = [
    "Catalog",
    "DocumentType",
    "IdentifierScheme",
    "Procedure",
    "Registry",
    "Requirement",
    "RequirementKind",
    "ValidityRule",
    "ValidityType",
    "load_catalog",
]
