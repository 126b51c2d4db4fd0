"""Extension instances, bound to an application by create_app()."""
from flask import current_app
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _rate_limits_off_for_this_app() -> bool:
    """Honour each application's own RATELIMIT_ENABLED.

    Flask-Limiter keeps that setting on the shared instance, so the last app
    created in a process (a test building a production app, say) would
    otherwise switch limits on for every other app.
    """
    return not current_app.config.get("RATELIMIT_ENABLED", True)
