"""Unbound extension objects; ``create_app`` binds them. Nothing else happens here."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from .database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
api = Api()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()
csrf = CSRFProtect()
