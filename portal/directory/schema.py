"""Objects of migration 0005 that the models do not describe (full-text search)."""
from __future__ import annotations

HAND_MADE = ("directory_profiles_fts", "directory_profiles_search", "search_vector")


def outside_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object`` hook: the hand-made search objects are not compared with the models."""
    return not (reflected and compare_to is None and name and name.startswith(HAND_MADE))
