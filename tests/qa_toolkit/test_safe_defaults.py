"""Safe defaults: the least role for a new user, only IROs pre-ticked for assignment,
irreversible steps confirmed, moderation starting with no choice made."""

from __future__ import annotations

import re

from flask import Flask

from qa_toolkit.models import Role
from tests.conftest import LoginAs, World


def _selected(page: str, name: str) -> list[str]:
    """The values of the selected options of the select `name` in `page`."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select is not None, f"no select {name!r}"
    options = re.findall(r"<option([^>]*)>", select.group(1))
    return [
        re.search(r'value="([^"]*)"', attrs).group(1)  # type: ignore[union-attr]
        for attrs in options
        if re.search(r"\bselected\b", attrs)
    ]


def test_a_new_user_starts_as_a_viewer(app: Flask, login_as: LoginAs, world: World) -> None:
    page = login_as(world.a.users[Role.ADMIN]).get("/admin/users/new").get_data(as_text=True)
    assert _selected(page, "role") == ["viewer"]
