"""Helpers shared by several test packages, imported by name rather than through conftest."""
