"""`shared-data clients | grants | audit embargo` on a migrated database (SQLite, PostgreSQL)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from lookup_api.cli import app
from shared_data.errors import AuthenticationError
from shared_data.persistence.keys import parse_key
from shared_data.persistence.repositories import ClientRepository

KEY = re.compile(r"sdk_[a-z0-9]{8}_[A-Za-z0-9_-]{32,128}")


@pytest.fixture
def cli(migrated_engine: tuple[str, Engine]):  # type: ignore[no-untyped-def]
    url, _ = migrated_engine
    runner = CliRunner()

    def run(*args: str, ok: bool = True):  # type: ignore[no-untyped-def]
        result = runner.invoke(app, list(args), env={"SHARED_DATA_DATABASE_URL": url})
        assert (result.exit_code == 0) is ok, result.output
        return result

    return run


def test_a_created_client_gets_its_key_once_and_the_listing_shows_no_secret(
    cli,
    migrated_engine: tuple[str, Engine],  # type: ignore[no-untyped-def]
) -> None:
    created = cli(
        "clients", "create", "ubnd-mau-mot", "--role", "procedure_backend", "--role", "ops",
        "--agency", "UBND Phường Mẫu Một", "--expires-in-days", "30",
    )  # fmt: skip
    (key,) = KEY.findall(created.output)
    assert "shown once" in created.output
    client = ClientRepository(migrated_engine[1]).authenticate(key)
    assert {role.value for role in client.roles} == {"procedure_backend", "ops"}
    listing = cli("clients", "list").output
    assert key not in listing and parse_key(key).prefix in listing  # type: ignore[union-attr]
    assert "ops,procedure_backend" in listing


def test_rotate_prints_a_new_key_and_revoke_ends_one(
    cli,
    migrated_engine: tuple[str, Engine],  # type: ignore[no-untyped-def]
) -> None:
    repo = ClientRepository(migrated_engine[1])
    (old,) = KEY.findall(
        cli("clients", "create", "c", "--role", "procedure_backend", "--agency", "A").output
    )
    (new,) = KEY.findall(cli("clients", "rotate", "c").output)
    with pytest.raises(AuthenticationError):
        repo.authenticate(old)  # no grace: retired at once
    assert repo.authenticate(new).name == "c"
    cli("clients", "revoke", parse_key(new).prefix)  # type: ignore[union-attr]
    with pytest.raises(AuthenticationError):
        repo.authenticate(new)
    assert "no live key" in cli("clients", "revoke", "zzzzzzzz", ok=False).output
    assert "no client named" in cli("clients", "rotate", "nobody", ok=False).output.lower()


def test_grants_are_added_checked_listed_and_revoked(cli) -> None:  # type: ignore[no-untyped-def]
    cli("clients", "create", "c", "--role", "procedure_backend", "--agency", "A")
    added = cli(
        "grants", "add", "c", "--procedure", "P07", "--document-type", "CT07",
        "--fields", "pin,members.full_name", "--legal-basis", "Luật Cư trú 68/2020/QH14",
    ).output  # fmt: skip
    grant_id = added.split()[1].rstrip(":")
    assert "P07/CT07 [members.full_name,pin]" in added
    listing = cli("grants", "list", "--client", "c").output
    assert grant_id in listing and "Luật Cư trú" in listing
    refused = cli(
        "grants", "add", "c", "--procedure", "P07", "--document-type", "CT07",
        "--fields", "password", "--legal-basis", "x", ok=False,
    ).output  # fmt: skip
    assert "unknown field" in refused
    again = cli(
        "grants", "add", "c", "--procedure", "P07", "--document-type", "CT07",
        "--fields", "pin", "--legal-basis", "x", ok=False,
    ).output  # fmt: skip
    assert "revoke it first" in again
    cli("grants", "revoke", grant_id)
    assert grant_id not in cli("grants", "list").output
    assert "REVOKED" in cli("grants", "list", "--all").output


def test_embargoes_are_added_by_subject_listed_and_lifted(cli) -> None:  # type: ignore[no-untyped-def]
    added = cli(
        "audit", "embargo", "add", "--until", "2099-01-01", "--reason", "investigation 7",
        "--created-by", "Cơ quan điều tra", "--scheme", "PIN", "--value", "001225956789",
    ).output  # fmt: skip
    embargo_id = added.split()[1].rstrip(":")
    assert "001225956789" not in added  # only the keyed reference is stored and shown
    assert embargo_id in cli("audit", "embargo", "list").output
    cli("audit", "embargo", "lift", embargo_id)
    assert embargo_id not in cli("audit", "embargo", "list").output
    unscoped = cli(
        "audit", "embargo", "add", "--until", "2099-01-01", "--reason", "r", "--created-by", "x",
        ok=False,
    ).output  # fmt: skip
    assert "needs a scope" in unscoped
