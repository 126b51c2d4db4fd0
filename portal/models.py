"""Imports every model module so that the metadata (and Alembic) sees all tables."""
from portal.accounts import models as accounts_models  # noqa: F401
from portal.mail import models as mail_models  # noqa: F401
from portal.spaces import models as spaces_models  # noqa: F401
from portal.events import models as events_models  # noqa: F401
