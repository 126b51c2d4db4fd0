from __future__ import annotations

from tests.directory.conftest import deliver, make_organisation, make_profile, tags  # noqa: F401  (shared fixtures)
