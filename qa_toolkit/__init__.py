"""qa-toolkit: quality-assurance audits and dip sampling for children's social care."""

from qa_toolkit.app import create_app

__all__ = ["create_app"]
