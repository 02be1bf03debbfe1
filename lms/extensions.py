"""Flask extensions, created unbound here and bound to the app in create_app()."""

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from lms.core.application import LenteraLoginManager
from lms.core.models import Base
from lms.core.rate_limits import RateLimiter

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True)
login_manager = LenteraLoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = RateLimiter()
