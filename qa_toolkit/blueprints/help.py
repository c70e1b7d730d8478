"""Short help for each role: one page per question, in plain English, with numbered steps."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template

from qa_toolkit.security.access import ALL_ROLES, roles

bp = Blueprint("help", __name__, url_prefix="/help")


@dataclass(frozen=True)
class Topic:
    slug: str
    question: str
    who: str


# In the order a new user meets them. Each has its page in templates/help/<slug>.html.
TOPICS = (
    Topic("audit", "How do I complete an audit?", "Auditors"),
    Topic("moderate", "How do I moderate an audit?", "Auditors who moderate, and managers"),
    Topic("actions", "How do I raise and close an action?", "Auditors, team managers, managers"),
    Topic("observation", "How do I record a peer observation?", "IROs and managers"),
    Topic("findings", "How do I read the findings?", "Everyone"),
    Topic("import", "How do I import a case list?", "Managers and administrators"),
    Topic("dip-sample", "How do I run a thematic dip sample?", "Managers and administrators"),
)
_BY_SLUG = {topic.slug: topic for topic in TOPICS}


@bp.get("/")
@roles(ALL_ROLES)
def index() -> str:
    return render_template("help/index.html", topics=TOPICS)


@bp.get("/<topic>")
@roles(ALL_ROLES)
def topic(topic: str) -> str:
    found = _BY_SLUG.get(topic)
    if found is None:
        abort(404)
    return render_template(f"help/{found.slug}.html", topic=found, topics=TOPICS)
