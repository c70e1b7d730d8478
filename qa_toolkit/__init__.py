"""qa-toolkit: quality-assurance audits and dip sampling for children's social care."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qa_toolkit.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """Import the app factory on first use: importing a small part of the package (the command
    line, a model) must not import every blueprint and the statistics behind them."""
    if name == "create_app":
        from qa_toolkit.app import create_app

        return create_app
    raise AttributeError(f"module 'qa_toolkit' has no attribute {name!r}")
