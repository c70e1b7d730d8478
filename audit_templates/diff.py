"""The differences between two versions of a template, question by question."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit_templates.schema import Question, Template

_COMPARED = (
    "text",
    "help",
    "good_looks_like",
    "guidance",
    "type",
    "scale",
    "options",
    "min",
    "max",
    "weight",
    "scored",
    "required",
    "themes",
    "evidence_required_when",
    "good_practice",
    "limiting",
    "show_if",
    "target",
)


@dataclass(frozen=True)
class Change:
    """One difference. `where` names the question or part; `field` is empty for add/remove."""

    kind: str  # added | removed | changed | moved
    where: str
    field: str = ""
    before: Any = None
    after: Any = None


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    return value


def _section_of(template: Template) -> dict[str, str]:
    return {q.id: s.id for s in template.sections for q in s.questions}


def diff(old: Template, new: Template) -> list[Change]:
    changes: list[Change] = []
    for key in ("title", "kind", "description", "guidance", "settings"):
        before, after = _plain(getattr(old, key)), _plain(getattr(new, key))
        if before != after:
            changes.append(Change("changed", "template", key, before, after))
    old_sections = {s.id: s for s in old.sections}
    new_sections = {s.id: s for s in new.sections}
    for section_id in new_sections.keys() - old_sections.keys():
        changes.append(
            Change("added", f"section {section_id}", after=new_sections[section_id].title)
        )
    for section_id in old_sections.keys() - new_sections.keys():
        changes.append(
            Change("removed", f"section {section_id}", before=old_sections[section_id].title)
        )
    for section_id in old_sections.keys() & new_sections.keys():
        a, b = old_sections[section_id], new_sections[section_id]
        for key in ("title", "weight"):
            if getattr(a, key) != getattr(b, key):
                changes.append(
                    Change(
                        "changed", f"section {section_id}", key, getattr(a, key), getattr(b, key)
                    )
                )
    old_questions: dict[str, Question] = {q.id: q for q in old.questions()}
    new_questions: dict[str, Question] = {q.id: q for q in new.questions()}
    old_home, new_home = _section_of(old), _section_of(new)
    for question in new.questions():
        if question.id not in old_questions:
            changes.append(Change("added", f"question {question.id}", after=question.text))
    for question in old.questions():
        if question.id not in new_questions:
            changes.append(Change("removed", f"question {question.id}", before=question.text))
            continue
        other = new_questions[question.id]
        if old_home[question.id] != new_home[question.id]:
            changes.append(
                Change(
                    "moved",
                    f"question {question.id}",
                    "section",
                    old_home[question.id],
                    new_home[question.id],
                )
            )
        for key in _COMPARED:
            before, after = _plain(getattr(question, key)), _plain(getattr(other, key))
            if before != after:
                changes.append(Change("changed", f"question {question.id}", key, before, after))
    for name in sorted(old.scales.keys() | new.scales.keys()):
        before = _plain(old.scales.get(name))
        after = _plain(new.scales.get(name))
        if before != after:
            kind = "added" if before is None else "removed" if after is None else "changed"
            changes.append(Change(kind, f"scale {name}", "", before, after))
    if _plain(old.grading) != _plain(new.grading):
        changes.append(Change("changed", "grading", "", _plain(old.grading), _plain(new.grading)))
    return changes
