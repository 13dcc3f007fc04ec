"""What ``analytics`` declares to the registry."""

from ..registry import Registration

registration = Registration(name="analytics")
