"""Home panels: each feature registers what its users should see first after logging in (the learner's next step,
the facilitator's sessions today, the admin's pending work); the home page shows the panels that have something.

The core knows no feature: a feature's `connect()` calls `register_home_panel`, and the home view asks
`panels_for(user, now)` for the panels with data, in their order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

PanelData = Callable[[Any, datetime], Any]


@dataclass(frozen=True)
class HomePanel:
    name: str
    """Stable key, also the panel's element id on the page: "next-steps", "sessions-today"."""
    template: str
    """The Jinja template that draws the panel from `data`."""
    data: PanelData
    """(user, now) -> what the panel shows, or a false value (None, []) when it has nothing for this user."""
    order: int


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(name: str, template: str, data: PanelData, *, order: int) -> None:
    """Add or replace the panel `name` (idempotent: `connect()` runs once per app)."""
    _PANELS[name] = HomePanel(name, template, data, order)


@dataclass(frozen=True)
class ShownPanel:
    name: str
    template: str
    data: Any


def panels_for(user, now: datetime) -> list[ShownPanel]:
    """The panels that have something for `user`, in order."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        data = panel.data(user, now)
        if data:
            shown.append(ShownPanel(panel.name, panel.template, data))
    return shown
