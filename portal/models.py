"""Imports every model module so that the metadata (and Alembic) sees all tables."""
from portal.accounts import models as accounts_models  # noqa: F401
from portal.mail import models as mail_models  # noqa: F401
from portal.spaces import models as spaces_models  # noqa: F401
from portal.events import models as events_models  # noqa: F401
from portal.payments import models as payments_models  # noqa: F401
from portal.directory import models as directory_models  # noqa: F401
from portal.volunteers import models as volunteers_models  # noqa: F401
from portal.privacy import models as privacy_models  # noqa: F401
from portal.impact import models as impact_models  # noqa: F401
from portal.accompaniment import models as accompaniment_models  # noqa: F401
