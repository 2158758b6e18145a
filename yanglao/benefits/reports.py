"""Other modules' benefit spending on the benefits report page (统计报表), without this module knowing them.

A module registers a figure from its ``AppConfig.ready``::

    register_report_figure("homecare", homecare_subsidy_figure)

``func(user)`` returns ``None`` (nothing to show this user) or a ``ReportFigure``: a title, a note on the
source, column heads and rows already scoped to the user's jurisdiction. The report page renders each
as a table below the programme's own monthly figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportFigure:
    title: str
    head: list[str]
    rows: list[list[Any]]
    note: str = ""
    total: list[Any] = field(default_factory=list)
    link: str = ""  # the page in the module that explains the figure


FigureFunc = Callable[[Any], ReportFigure | None]
FIGURES: dict[str, FigureFunc] = {}


def register_report_figure(key: str, func: FigureFunc) -> None:
    FIGURES[key] = func


def report_figures(user: Any) -> list[ReportFigure]:
    found = []
    for func in FIGURES.values():
        figure = func(user)
        if figure is not None:
            found.append(figure)
    return found
