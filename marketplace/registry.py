"""What each domain package contributes, collected once at app creation.

A domain package declares one :class:`Registration` in its ``registration.py``; ``create_app`` lists
the packages in dependency order and collects them into a :class:`Registry` kept on the app. Jobs,
the sweeper, the state machines and the services look things up here, so a worker does the same
work whatever happened to be imported first. This module names no domain.

Two kinds of cross-package calls go through here, both pointing *upward* (a lower package reports
to a higher one without importing it):

- ``listeners``: a fact (``"<package>.<fact>"``) and the callables told about it, in the order the
  packages are listed; the one publishing the fact defines its name and arguments.
- ``hooks``: a capability a lower package needs and exactly one higher package provides (e.g. the
  lock on the owner of a milestone). Asking for a hook nobody provides fails at app creation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app


class RegistryError(RuntimeError):
    """Two packages claim the same name, or a required hook is missing."""


@dataclass(frozen=True)
class OutboxHandler:
    """How to make one kind of external call: ``call(payload, key)`` and, optionally, what to record
    in the same transaction as its result: ``follow_up(command)``; what to record in the same
    transaction as a failed attempt: ``on_error(command, exc)`` (``command.status`` tells whether it
    gave up); and its own back-off: ``backoff(attempts) -> seconds`` before the next attempt."""

    call: Callable[[dict, str], dict]
    follow_up: Callable[[Any], None] | None = None
    on_error: Callable[[Any, Exception], None] | None = None
    backoff: Callable[[int], float] | None = None


@dataclass(frozen=True)
class Registration:
    """One package's declarations. Every field is optional."""

    name: str
    #: modules whose tables belong to the package (imported so that the metadata is complete)
    models: tuple = ()
    #: state machines (``statemachine.StateMachine``) of the package's lifecycles
    machines: tuple = ()
    #: outbox kind -> handler
    outbox_handlers: Mapping[str, OutboxHandler] = field(default_factory=dict)
    #: ``fn(now)`` run by every sweep, each committed on its own
    sweep_steps: tuple[Callable, ...] = ()
    #: (subject, state) -> ``fn(subject)`` run, in the same transaction, whenever a transition moves a
    #: subject into that state (by anyone: a person, a job or a deadline)
    on_enter: Mapping[tuple[str, str], Callable] = field(default_factory=dict)
    #: reconciliation source -> ``fn() -> (summary, mismatches)``
    reconcilers: Mapping[str, Callable] = field(default_factory=dict)
    #: payment gateway code -> gateway object
    gateways: Mapping[str, Any] = field(default_factory=dict)
    #: carrier code -> carrier adapter
    carriers: Mapping[str, Any] = field(default_factory=dict)
    #: fact name -> callable (see the module docstring)
    listeners: Mapping[str, Callable] = field(default_factory=dict)
    #: hook name -> the one callable providing it
    hooks: Mapping[str, Callable] = field(default_factory=dict)
    #: hook names this package calls (checked at app creation)
    requires: tuple[str, ...] = ()


class Registry:
    """Everything the listed packages declared, merged; names must be unique across packages."""

    def __init__(self, registrations: Iterable[Registration]):
        self.packages: tuple[str, ...] = ()
        self.machines: dict[str, Any] = {}
        self.outbox_handlers: dict[str, OutboxHandler] = {}
        self.sweep_steps: list[Callable] = []
        self.on_enter: dict[tuple[str, str], Callable] = {}
        self.reconcilers: dict[str, Callable] = {}
        self.gateways: dict[str, Any] = {}
        self.carriers: dict[str, Any] = {}
        self.listeners: dict[str, list[Callable]] = {}
        self.hooks: dict[str, Callable] = {}
        required: list[tuple[str, str]] = []
        for reg in registrations:
            self.packages += (reg.name,)
            for machine in reg.machines:
                self._put(self.machines, machine.subject, machine, reg.name, "state machine")
            for table, items in ((self.outbox_handlers, reg.outbox_handlers), (self.on_enter, reg.on_enter),
                                 (self.reconcilers, reg.reconcilers), (self.gateways, reg.gateways),
                                 (self.carriers, reg.carriers), (self.hooks, reg.hooks)):
                for key, value in items.items():
                    self._put(table, key, value, reg.name, "name")
            self.sweep_steps.extend(reg.sweep_steps)
            for fact, fn in reg.listeners.items():
                self.listeners.setdefault(fact, []).append(fn)
            required += [(reg.name, hook) for hook in reg.requires]
        missing = [f"{package} needs {hook!r}" for package, hook in required if hook not in self.hooks]
        if missing:
            raise RegistryError("hooks nobody provides: " + "; ".join(missing))

    @staticmethod
    def _put(table: dict, key, value, package: str, what: str) -> None:
        if key in table:
            raise RegistryError(f"{package} registers the {what} {key!r} a second time")
        table[key] = value

    def hook(self, name: str) -> Callable:
        """The callable providing hook ``name``."""
        return self.hooks[name]

    def publish(self, fact: str, *args: Any, **kwargs: Any) -> list[Any]:
        """Tell every listener of ``fact``, in package order; returns their results."""
        return [fn(*args, **kwargs) for fn in self.listeners.get(fact, ())]


def current() -> Registry:
    """The registry of the current app."""
    return current_app.extensions["marketplace_registry"]


def hook(name: str) -> Callable:
    """Shortcut: the callable providing ``name`` in the current app."""
    return current().hook(name)


def publish(fact: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Shortcut: tell the current app's listeners of ``fact``."""
    return current().publish(fact, *args, **kwargs)
