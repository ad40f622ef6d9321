"""`make test-postgres` runs only the tests marked `service_backend` (tests/conftest.py): those
whose outcome depends on SHARED_DATA_TEST_BACKEND. Every other test runs the same in both
passes, its database tests on both backends already in `make test`. That holds as long as the
variable is read in one place, the `service_backend` fixture that marks its users."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import SERVICE_BACKEND_VARIABLE

TESTS = Path(__file__).resolve().parents[1]


def test_only_the_service_backend_fixture_reads_the_backend_variable() -> None:
    readers = sorted(
        str(path.relative_to(TESTS))
        for path in TESTS.rglob("*.py")
        if SERVICE_BACKEND_VARIABLE in path.read_text("utf-8") and path != Path(__file__)
    )
    assert readers == ["conftest.py"]
