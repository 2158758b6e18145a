"""The registry fixtures live in tests/conftest.py; re-exported here for modules that import them from here."""

from tests.conftest import make_id, new_person  # noqa: F401
