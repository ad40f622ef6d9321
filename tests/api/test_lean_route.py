"""`LeanRoute` answers exactly as FastAPI's own handling of the same declaration would.

Two apps declare the same endpoint (a body model, the authenticated client, Request and
Response), one with FastAPI's route class and one with `LeanRoute`; every kind of request,
good and bad, gets the same status, body and headers from both.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from lookup_api.auth import CurrentClient
from lookup_api.errors import install_error_handlers
from lookup_api.input_guard import refuse_nul_characters
from lookup_api.lean_route import LeanRoute
from lookup_api.schemas import SubjectIn
from shared_data.clients import Client, ClientRole
from shared_data.errors import AuthenticationError

KEY = "sdk_lean0001_" + "k" * 40


class Authenticator:
    async def authenticate(self, plaintext: str) -> Client:
        if plaintext != KEY:
            raise AuthenticationError("Unknown API key.")
        return Client(id="c1", name="lean", agency="test", role=ClientRole.PROCEDURE_BACKEND)


def app_with(route_class: type[APIRoute]) -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_nul_characters)])
    install_error_handlers(app)
    router = APIRouter(prefix="/v1", route_class=route_class)

    @router.post("/echo", response_model=SubjectIn, response_model_exclude_none=True)
    async def echo(
        body: SubjectIn, client: CurrentClient, request: Request, response: Response
    ) -> SubjectIn:
        response.headers["X-Client"] = client.id
        if body.value == "999":
            response.status_code = 202
        return SubjectIn(scheme=body.scheme, value=body.value + request.url.path[-1])

    app.include_router(router)
    app.state.services = SimpleNamespace(authenticator=Authenticator())
    return app


CASES: list[tuple[str, dict[str, str], bytes]] = [
    ("good", {"content-type": "application/json"}, b'{"scheme":"PIN","value":"001"}'),
    ("status", {"content-type": "application/json"}, b'{"scheme":"PIN","value":"999"}'),
    (
        "+json",
        {"content-type": "application/vnd.x+json; charset=utf-8"},
        b'{"scheme":"P","value":"1"}',
    ),
    ("malformed", {"content-type": "application/json"}, b'{"scheme":'),
    ("not utf-8", {"content-type": "application/json"}, b'{"scheme":"\xff"}'),
    ("missing field", {"content-type": "application/json"}, b'{"scheme":"PIN"}'),
    ("wrong type", {"content-type": "application/json"}, b'{"scheme":"PIN","value":5}'),
    ("extra field", {"content-type": "application/json"}, b'{"scheme":"P","value":"1","x":1}'),
    ("array", {"content-type": "application/json"}, b"[1,2]"),
    ("empty", {"content-type": "application/json"}, b""),
    ("text/plain", {"content-type": "text/plain"}, b'{"scheme":"PIN","value":"001"}'),
    ("no content type", {}, b'{"scheme":"PIN","value":"001"}'),
    ("nul", {"content-type": "application/json"}, b'{"scheme":"PIN","value":"0\\u00001"}'),
]


@pytest.mark.parametrize("auth", ["good", "none", "wrong", "basic"])
@pytest.mark.parametrize(("name", "headers", "body"), CASES, ids=[c[0] for c in CASES])
def test_lean_and_fastapi_handling_answer_alike(
    name: str, headers: dict[str, str], body: bytes, auth: str
) -> None:
    authorization = {
        "good": f"Bearer {KEY}",
        "none": None,
        "wrong": "Bearer sdk_wrong",
        "basic": f"Basic {KEY}",
    }[auth]
    if authorization:
        headers = {**headers, "authorization": authorization}
    answers: list[tuple[int, Any, dict[str, str]]] = []
    for route_class in (APIRoute, LeanRoute):
        with TestClient(app_with(route_class), raise_server_exceptions=True) as client:
            response = client.post("/v1/echo", content=body, headers=headers)
        kept = {k: v for k, v in response.headers.items() if k in ("content-type", "x-client")}
        answers.append((response.status_code, response.json(), kept))
    assert answers[0] == answers[1]


def test_a_lean_route_refuses_at_start_up_what_it_cannot_supply() -> None:
    async def unknown_dependency() -> str:
        return "x"

    router = APIRouter(route_class=LeanRoute)
    with pytest.raises(TypeError, match="no lean provider"):

        @router.post("/x", response_model=SubjectIn)
        async def endpoint(body: SubjectIn, other: str = Depends(unknown_dependency)) -> SubjectIn:
            return body


def test_the_lookup_endpoint_is_a_lean_route() -> None:
    from lookup_api.routes import lookups

    post = [r for r in lookups.lean_router.routes if isinstance(r, APIRoute)]
    assert [(type(r), r.path) for r in post] == [(LeanRoute, "/v1/lookups")]
