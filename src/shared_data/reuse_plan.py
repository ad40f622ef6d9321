"""Reuse plans: every requirement of one procedure resolved for one dossier, concurrently.

Each requirement that a registry can answer becomes a lookup through `LookupService.lookup`, so
a plan has the same grants, field minimisation, quotas and audit records as single lookups.
All first-choice lookups run at once (a plan takes about as long as its slowest registry);
alternatives are asked, again all at once, only for requirements the first choice did not
satisfy. Requirements asking the same document type of the same subject share one lookup.

Per requirement: `satisfied_by_data` (found and reusable), `check_later` (unavailable or
pending, with `retry_after`) or `must_submit` with the reason. Where the registry holds no
record for an unconditional requirement, the item carries the correction request to send to
the registry's owner (Resolution 66.7/2025/NQ-CP).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from shared_data.catalog.models import Replaceable, Requirement, RequirementKind
from shared_data.catalog.queries import accepted_schemes
from shared_data.domain import LookupResult, Outcome, Purpose, Subject, UnavailableReason
from shared_data.errors import (
    InvalidIdentifierError,
    PermissionDeniedError,
    QualifierError,
    UnknownProcedureError,
    UnknownSchemeError,
)
from shared_data.identifiers import validate_identifier
from shared_data.lookup import LookupQuery, LookupService
from shared_data.reuse_plan_models import (
    CORRECTION_BASIS,
    CorrectionRequest,
    PlanItem,
    PlanReason,
    PlanSummary,
    ReusePlan,
    Verdict,
)


@dataclass(frozen=True, slots=True)
class _Ask:
    """One lookup: a document type of a subject (with its qualifiers)."""

    document_type: str
    subject: Subject
    qualifiers: tuple[tuple[str, Subject], ...] = ()


@dataclass(frozen=True, slots=True)
class _Refusal:
    """A lookup the service refused or could not form: the reason and its detail."""

    reason: PlanReason
    detail: str


_Answer = LookupResult | _Refusal


@dataclass(slots=True)
class _Prepared:
    """A requirement with its lookups in order of preference, or why none can be made."""

    requirement: Requirement
    asks: list[_Ask] = field(default_factory=list)
    # Why the first-choice document type cannot be looked up (when it cannot).
    blocked: _Refusal | None = None


class ReusePlanner:
    """Builds reuse plans on top of the lookup service."""

    def __init__(self, lookups: LookupService) -> None:
        self._lookups = lookups
        self._catalog = lookups.catalog

    async def plan(
        self,
        client_id: str,
        procedure_code: str,
        parties: Mapping[str, Subject],
        *,
        dossier_id: str | None = None,
        deadline_s: float | None = None,
        request_id: str | None = None,
    ) -> ReusePlan:
        """Resolve every requirement of `procedure_code` for these parties (by role)."""
        procedure = self._catalog.procedures.get(procedure_code)
        if procedure is None:
            raise UnknownProcedureError(f"Unknown procedure '{procedure_code}'.")
        today = self._lookups.clock().date()
        # A malformed identifier is the caller's mistake: 422 before any registry is asked.
        valid = {
            role: validate_identifier(s.scheme, s.value, today=today) for role, s in parties.items()
        }
        prepared = [self._prepare(req, valid) for req in procedure.requirements]
        purpose = Purpose(procedure_code=procedure.code, dossier_id=dossier_id)
        ask = _Asker(self._lookups, client_id, purpose, deadline_s, request_id)
        await ask.all(p.asks[0] for p in prepared if p.asks)
        await ask.all(
            alternative
            for p in prepared
            if p.asks and not _satisfied(ask.answers[p.asks[0]])
            for alternative in p.asks[1:]
        )
        items = [self._decide(p, ask.answers) for p in prepared]
        return ReusePlan(
            procedure_code=procedure.code,
            dossier_id=dossier_id,
            items=items,
            summary=_summary(items, len(ask.answers)),
        )

    def _prepare(self, req: Requirement, parties: Mapping[str, Subject]) -> _Prepared:
        prepared = _Prepared(req)
        if req.kind is RequirementKind.FORM or req.document_type is None:
            return prepared
        if req.replaceable_by_lookup is Replaceable.NO:
            return prepared
        for doc_id in [req.document_type, *req.alternatives]:
            ask_or_refusal = self._ask_for(doc_id, req.party, parties)
            if isinstance(ask_or_refusal, _Ask):
                prepared.asks.append(ask_or_refusal)
            elif doc_id == req.document_type:
                prepared.blocked = ask_or_refusal
        return prepared

    def _ask_for(self, doc_id: str, party: str, parties: Mapping[str, Subject]) -> _Ask | _Refusal:
        doc = self._catalog.document_types.get(doc_id)
        if doc is None or doc.obsolete:
            return _Refusal(PlanReason.NO_REGISTRY, f"{doc_id} is not a document type in use")
        if doc.registry not in self._lookups.adapters:
            detail = f"registry {doc.registry} is not integrated yet"
            return _Refusal(PlanReason.NOT_INTEGRATED, detail)
        subject = parties.get(party)
        if subject is None:
            return _Refusal(PlanReason.PARTY_NOT_GIVEN, f"no identifier given for party '{party}'")
        schemes = accepted_schemes(self._catalog, doc_id)
        if subject.scheme not in schemes:
            detail = f"{doc_id} is looked up by {', '.join(sorted(schemes))}, not {subject.scheme}"
            return _Refusal(PlanReason.SCHEME_NOT_ACCEPTED, detail)
        qualifiers = []
        for spec in doc.qualifiers:
            named = parties.get(spec.role) or parties.get("applicant")
            if named is not None and named.scheme in spec.schemes:
                qualifiers.append((spec.role, named))
            elif spec.required:
                detail = f"{doc_id} needs the '{spec.role}' ({', '.join(spec.schemes)})"
                return _Refusal(PlanReason.PARTY_NOT_GIVEN, detail)
        return _Ask(doc_id, subject, tuple(qualifiers))

    def _decide(self, prepared: _Prepared, answers: Mapping[_Ask, _Answer]) -> PlanItem:
        req = prepared.requirement
        item = _ItemMaker(req, self._name(req))
        static = _static_reason(req)
        if static is not None:
            return item(Verdict.MUST_SUBMIT, reason=static[0], detail=static[1])
        results = [(ask, answers[ask]) for ask in prepared.asks if ask in answers]
        for ask, answer in results:
            if isinstance(answer, LookupResult) and _satisfied(answer):
                return item(
                    Verdict.SATISFIED_BY_DATA, document_type=ask.document_type, lookup=answer
                )
        for ask, answer in results:
            if isinstance(answer, LookupResult) and _later(answer):
                pending = answer.status is Outcome.PENDING
                return item(
                    Verdict.CHECK_LATER,
                    reason=PlanReason.PENDING if pending else PlanReason.UNAVAILABLE,
                    detail=answer.detail,
                    document_type=ask.document_type,
                    lookup=answer,
                    retry_after=answer.retry_after,
                )
        if prepared.blocked is not None or not results:
            refusal = prepared.blocked or _Refusal(PlanReason.NOT_INTEGRATED, "no registry to ask")
            return item(
                Verdict.MUST_SUBMIT,
                reason=refusal.reason,
                detail=refusal.detail,
                document_type=req.document_type,
            )
        return self._must_submit(item, *results[0])

    def _must_submit(self, item: _ItemMaker, ask: _Ask, answer: _Answer) -> PlanItem:
        """Why the first choice failed; with a correction request if the data is missing."""
        where = {"document_type": ask.document_type}
        if isinstance(answer, _Refusal):
            return item(Verdict.MUST_SUBMIT, reason=answer.reason, detail=answer.detail, **where)
        req = item.requirement
        reason, detail = _why_not(answer, req)
        unconditional = req.condition is None and req.replaceable_by_lookup is Replaceable.YES
        correction = None
        if reason is PlanReason.NOT_FOUND and unconditional:
            correction = self._correction(ask, answer)
        return item(
            Verdict.MUST_SUBMIT,
            reason=reason,
            detail=detail,
            lookup=answer,
            correction_request=correction,
            **where,
        )

    def _correction(self, ask: _Ask, answer: LookupResult) -> CorrectionRequest:
        doc = self._catalog.document_types[ask.document_type]
        registry = self._catalog.registries[doc.registry]
        message = (
            f"Không tìm thấy dữ liệu {doc.name_vi} trong {registry.name_vi}. Đề nghị "
            f"{registry.owner_vi} kiểm tra, cập nhật, bổ sung dữ liệu theo {CORRECTION_BASIS}."
        )
        return CorrectionRequest(
            registry=registry.id,
            owner_vi=registry.owner_vi,
            document_type=doc.id,
            subject=ask.subject,
            lookup_id=answer.lookup_id,
            problem="not_found",
            message_vi=message,
        )

    def _name(self, req: Requirement) -> str:
        doc = self._catalog.document_types.get(req.document_type or "")
        return req.name_vi or (doc.name_vi if doc else None) or req.paper_code or req.id


class _Asker:
    """Runs lookups concurrently, once per distinct ask, keeping each answer."""

    def __init__(
        self,
        lookups: LookupService,
        client_id: str,
        purpose: Purpose,
        deadline_s: float | None,
        request_id: str | None,
    ) -> None:
        self._lookups = lookups
        self._client_id = client_id
        self._purpose = purpose
        self._deadline_s = deadline_s
        self._request_id = request_id
        self.answers: dict[_Ask, _Answer] = {}

    async def all(self, asks: Iterable[_Ask]) -> None:
        """Ask every new one at once; a failure of the service itself (audit, quota) is raised."""
        todo = list(dict.fromkeys(a for a in asks if a not in self.answers))
        outcomes = await asyncio.gather(*(self._one(a) for a in todo), return_exceptions=True)
        failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
        if failure is not None:
            raise failure
        self.answers.update(zip(todo, outcomes, strict=True))  # type: ignore[arg-type]

    async def _one(self, ask: _Ask) -> _Answer:
        query = LookupQuery(
            document_type=ask.document_type,
            subject=ask.subject,
            purpose=self._purpose,
            deadline_s=self._deadline_s,
            qualifiers=dict(ask.qualifiers),
        )
        try:
            return await self._lookups.lookup(self._client_id, query, request_id=self._request_id)
        except PermissionDeniedError as exc:  # no grant, or a legal bar: audited as denied
            return _Refusal(PlanReason.NOT_PERMITTED, exc.detail)
        except (UnknownSchemeError, InvalidIdentifierError) as exc:
            return _Refusal(PlanReason.SCHEME_NOT_ACCEPTED, exc.detail)
        except QualifierError as exc:
            return _Refusal(PlanReason.PARTY_NOT_GIVEN, exc.detail)


def _satisfied(answer: _Answer) -> bool:
    """Found, and reusable for this procedure (validity judged by the lookup service)."""
    return (
        isinstance(answer, LookupResult)
        and answer.status is Outcome.FOUND
        and answer.validity is not None
        and answer.validity.reusable
    )


def _later(answer: LookupResult) -> bool:
    if answer.status is Outcome.PENDING:
        return True
    return (
        answer.status is Outcome.UNAVAILABLE
        and answer.reason is not UnavailableReason.NOT_INTEGRATED
    )


def _why_not(answer: LookupResult, req: Requirement) -> tuple[PlanReason, str]:
    if answer.status is Outcome.FOUND:
        why = answer.validity.reason if answer.validity else "no validity"
        return PlanReason.NOT_REUSABLE, f"found but not reusable: {why}"
    if answer.status is Outcome.NOT_FOUND:
        needed = f"; needed only if: {req.condition}" if req.condition else ""
        return PlanReason.NOT_FOUND, f"the registry holds no such record{needed}"
    return PlanReason.NOT_INTEGRATED, answer.detail or "the registry is not integrated"


def _static_reason(req: Requirement) -> tuple[PlanReason, str] | None:
    if req.kind is RequirementKind.FORM:
        return PlanReason.FORM, "the applicant fills in this form"
    if req.document_type is None:
        return PlanReason.NO_REGISTRY, "no registry in the catalog holds this paper"
    if req.replaceable_by_lookup is Replaceable.NO:
        return PlanReason.NOT_REPLACEABLE, "the paper is still required"
    return None


class _ItemMaker:
    """Makes the plan item of one requirement: its own fields, plus a verdict and the rest."""

    def __init__(self, requirement: Requirement, name_vi: str) -> None:
        self.requirement = requirement
        self._name_vi = name_vi

    def __call__(self, verdict: Verdict, **fields: Any) -> PlanItem:
        req = self.requirement
        return PlanItem(
            requirement_id=req.id,
            kind=req.kind.value,
            name_vi=self._name_vi,
            party=req.party,
            condition=req.condition,
            verdict=verdict,
            **fields,
        )


def _summary(items: list[PlanItem], lookups: int) -> PlanSummary:
    verdicts = Counter(item.verdict for item in items)
    return PlanSummary(
        total=len(items),
        satisfied_by_data=verdicts[Verdict.SATISFIED_BY_DATA],
        must_submit=verdicts[Verdict.MUST_SUBMIT],
        check_later=verdicts[Verdict.CHECK_LATER],
        by_reason=dict(Counter(item.reason.value for item in items if item.reason)),
        corrections=sum(item.correction_request is not None for item in items),
        lookups=lookups,
    )
