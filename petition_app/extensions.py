"""Extensions, created unbound so that create_app can bind them to any number of apps (tests make many)."""
from typing import TYPE_CHECKING, Any, cast

from flask_babel import Babel, gettext
from flask_caching import Cache
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import CursorResult, MetaData, Result
from sqlalchemy.orm import DeclarativeBase


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated where it is shown (localize_callback)."""
    return message


class Base(DeclarativeBase):
    # Named constraints, so that Alembic can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
# The base class of every model. mypy cannot take an attribute such as db.Model as a base class
# (python/mypy#8603); db.Model is made from Base, so Base is what the type checker sees.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
# Rendered fragments of public pages (signing/rendering.py); configured by config.cache_config.
cache = Cache()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
login_manager.login_view = "accounts.login"
# "basic": a changed browser fingerprint marks the session not fresh. "strong" would also touch the
# cookies of every anonymous visitor on every page (bench/ saw it), which no signer needs.
login_manager.session_protection = "basic"
login_manager.login_message = N_("Please log in to see this page.")
login_manager.localize_callback = gettext


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute() is typed as returning a Result; for those
    statements it is a CursorResult, which has the count."""
    return cast(CursorResult[Any], result).rowcount
