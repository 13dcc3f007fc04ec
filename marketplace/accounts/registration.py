"""What ``accounts`` declares to the registry."""

from ..registry import Registration
from . import models

registration = Registration(name="accounts", models=(models,))
