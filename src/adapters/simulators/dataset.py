"""Build the synthetic world: the 11.5 fixtures plus seeded, generated people and enterprises.

`build_world()` is deterministic for one (seed, sizes, as_of): it draws from one
`random.Random(seed)`, iterates only lists and insertion-ordered dicts, and reads no clock
other than `as_of` (today when not given). Households are generated whole (head, spouse,
children, grandparents), so every link in the world points at a person of the world.
"""

from __future__ import annotations

import random
from datetime import date

from adapters.simulators import families
from adapters.simulators.enterprises import generate_enterprises
from adapters.simulators.fixtures import (
    FIXTURE_CMND9,
    FIXTURE_MSTS,
    NOT_FOUND_PIN,
    fixture_enterprises,
    fixture_people,
)
from adapters.simulators.people import PeopleFactory
from adapters.simulators.world import Enterprise, Person, World


def build_world(
    *, people: int = 10_000, enterprises: int = 1_000, seed: int = 86, as_of: date | None = None
) -> World:
    """A world of exactly `people` people and `enterprises` enterprises, fixtures included."""
    today = as_of or date.today()
    rng = random.Random(seed)
    factory = PeopleFactory(rng, today, reserved_pins=[NOT_FOUND_PIN], reserved_cmnd9=FIXTURE_CMND9)
    for person in fixture_people():
        factory.add(person)
    families.populate(factory, target=people)
    families.add_confirmations(factory)
    registered = _enterprises(rng, today, factory.people, enterprises)
    return World(
        people=factory.people,
        enterprises=registered,
        cmnd9_index={p.cmnd9: p.pin for p in factory.people.values() if p.cmnd9},
        as_of=today,
    )


def _enterprises(
    rng: random.Random, today: date, people: dict[str, Person], count: int
) -> dict[str, Enterprise]:
    fixed = fixture_enterprises()[: max(count, 0)]
    # Legal representatives and branch heads are living adults of the world.
    adults = [
        p.pin for p in people.values() if p.died_on is None and (today.year - p.dob.year) >= 20
    ]
    generated = generate_enterprises(
        rng, today, count - len(fixed), adults, reserved_codes=FIXTURE_MSTS
    )
    return {e.code: e for e in [*fixed, *generated]}
