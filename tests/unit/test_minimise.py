"""Minimisation: only allowed field paths leave, nested dicts and lists of dicts included."""

from __future__ import annotations

from datetime import UTC, datetime

from shared_data.minimise import minimise, path_tree

NOW = datetime(2026, 11, 27, tzinfo=UTC)

CT07 = {
    "pin": "001090912345",
    "full_name": "Trần Văn Mẫu",
    "permanent_address": {"ward": "Phường Mẫu Một", "street": "12 Phố Mẫu", "since": "2015"},
    "members": [
        {"pin": "001090912345", "full_name": "Trần Văn Mẫu", "relationship": "chủ hộ"},
        {"pin": "001192934567", "full_name": "Lê Thị Mẫu", "relationship": "vợ"},
    ],
    "history": ["2015: đăng ký thường trú", "2020: tách hộ"],
}


def test_top_level_fields_are_kept_whole_and_others_dropped() -> None:
    assert minimise(CT07, ["pin", "permanent_address"]) == {
        "pin": CT07["pin"],
        "permanent_address": CT07["permanent_address"],
    }


def test_a_dotted_path_keeps_that_key_of_each_dict_in_a_list() -> None:
    assert minimise(CT07, ["members.full_name"]) == {
        "members": [{"full_name": "Trần Văn Mẫu"}, {"full_name": "Lê Thị Mẫu"}]
    }


def test_a_dotted_path_keeps_that_key_of_a_nested_dict() -> None:
    assert minimise(CT07, ["permanent_address.ward", "permanent_address.since"]) == {
        "permanent_address": {"ward": "Phường Mẫu Một", "since": "2015"}
    }


def test_a_path_that_goes_deeper_than_the_data_releases_nothing_of_it() -> None:
    # A list of strings, or a string, asked for a sub-key: nothing under it may leave.
    assert minimise(CT07, ["history.year", "full_name.first"]) == {"history": []}


def test_a_shorter_path_wins_over_a_longer_one_under_it_in_either_order() -> None:
    assert path_tree(["members.pin", "members"]) == {"members": None}
    assert path_tree(["members", "members.pin"]) == {"members": None}
    assert minimise(CT07, ["members", "members.pin"])["members"] == CT07["members"]


def test_missing_fields_and_empty_grants_release_nothing() -> None:
    assert minimise(CT07, ["no_such", "members.no_such"]) == {"members": [{}, {}]}
    assert minimise(CT07, []) == {}


def test_deeply_nested_paths_project_at_every_level() -> None:
    owners = {"owners": [{"person": {"pin": "1", "name": "A", "share": 0.5}, "role": "x"}]}
    assert minimise(owners, ["owners.person.name", "owners.role"]) == {
        "owners": [{"person": {"name": "A"}, "role": "x"}]
    }
