"""What ``orders`` declares to the registry."""

from ..registry import Registration

registration = Registration(name="orders")
