"""Publishing templates and reading the library. Published versions never change."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from audit_templates.errors import TemplateInvalid
from audit_templates.loader import content_hash, decode, load_template_text
from audit_templates.schema import Template
from problems import Problem
from qa_toolkit.models import SHARED_SCOPE, Audit, Organisation, TemplateVersion

FRAMEWORKS = Path(__file__).resolve().parents[2] / "audit_templates" / "frameworks"
MAX_UPLOAD_BYTES = 1_000_000


class PublishRefused(Problem):
    """The template is valid but cannot be published as it stands; the message says why."""


@dataclass(frozen=True)
class Published:
    row: TemplateVersion
    created: bool

    @property
    def notice(self) -> tuple[str, str]:
        """The message shown after an upload, and its kind ("success", or "info" for a repeat)."""
        if self.created:
            return f"Published {self.row.title}, version {self.row.version}.", "success"
        return f"{self.row.title}, version {self.row.version}, was already published.", "info"


class UploadedFile(Protocol):
    """What a web upload offers: its name as sent, and its bytes."""

    filename: str | None

    def read(self, size: int = -1, /) -> bytes: ...


def publish_upload(
    session: Session,
    upload: UploadedFile,
    organisation: Organisation | None,
    published_by_id: int | None = None,
) -> Published:
    """`publish` for a file sent through the web: reads one byte past the limit, not all of it."""
    raw = upload.read(MAX_UPLOAD_BYTES + 1)
    filename = upload.filename or "template.yaml"
    return publish(session, raw, filename, organisation, published_by_id=published_by_id)


def problem_lines(problem: Problem) -> list[str]:
    """The refusal as the upload page lists it: every problem of an invalid template, one a line."""
    if isinstance(problem, TemplateInvalid):
        return [str(error) for error in problem.errors]
    return [problem.message]


def _visible(organisation_id: int | None) -> ColumnElement[bool]:
    """Shared templates, plus the organisation's own."""
    if organisation_id is None:
        return TemplateVersion.scope == SHARED_SCOPE
    return or_(TemplateVersion.scope == SHARED_SCOPE, TemplateVersion.scope == organisation_id)


def publish(
    session: Session,
    raw: bytes,
    filename: str,
    organisation: Organisation | None,
    published_by_id: int | None = None,
) -> Published:
    """Check and store a new version; an identical re-publish is a no-op.

    Raises TemplateInvalid for a bad template and PublishRefused for a version clash.
    """
    if len(raw) > MAX_UPLOAD_BYTES:
        raise PublishRefused("The file is larger than 1 MB; a template is much smaller.")
    text = decode(raw, filename)
    template = load_template_text(text, filename)
    digest = content_hash(template)
    scope = SHARED_SCOPE if organisation is None else organisation.id
    existing = list(
        session.scalars(
            select(TemplateVersion)
            .where(
                TemplateVersion.template_key == template.id,
                _visible(None if organisation is None else organisation.id),
            )
            .order_by(TemplateVersion.id)  # the first published of equal versions is returned
        )
    )
    same = [r for r in existing if r.version == template.version]
    if same:
        if any(r.content_hash == digest for r in same):
            return Published(next(r for r in same if r.content_hash == digest), created=False)
        raise PublishRefused(
            f"Version {template.version} of '{template.id}' is already published with different "
            f"content. Published versions never change: set version: "
            f"{max(r.version for r in existing) + 1} and publish again."
        )
    latest = max((r.version for r in existing), default=0)
    if template.version < latest:
        raise PublishRefused(
            f"'{template.id}' is already at version {latest}; a new version must be higher "
            f"(set version: {latest + 1})."
        )
    row = TemplateVersion(
        scope=scope,
        organisation_id=None if organisation is None else organisation.id,
        template_key=template.id,
        version=template.version,
        title=template.title,
        kind=template.kind,
        source_yaml=text,
        source_filename=Path(filename).name[:255],
        content_hash=digest,
        published_by_id=published_by_id,
    )
    session.add(row)
    session.flush()
    return Published(row, created=True)


@dataclass(frozen=True)
class ShippedResult:
    published: list[Published]
    skipped: list[str]  # Why a shipped framework was left out (a clash with one already there).


def publish_shipped(session: Session) -> ShippedResult:
    """Publish every framework that ships with the toolkit, shared by all organisations.

    A deployment may already hold a different shared template under the same id and version;
    that one is kept (published versions never change) and the clash is reported, not fatal.
    """
    published: list[Published] = []
    skipped: list[str] = []
    for path in sorted(FRAMEWORKS.glob("*.yaml")):
        try:
            with session.begin_nested():
                published.append(publish(session, path.read_bytes(), path.name, None))
        except PublishRefused as exc:
            skipped.append(f"{path.name}: not published. {exc}")
    return ShippedResult(published, skipped)


@lru_cache(maxsize=256)
def _parse(digest: str, text: str, filename: str) -> Template:
    # Keyed by content hash: a published version never changes, so caching it is safe
    # in every process without any shared state.
    return load_template_text(text, filename)


def template_of(row: TemplateVersion) -> Template:
    return _parse(row.content_hash, row.source_yaml, row.source_filename)


def visible_version(
    session: Session, organisation_id: int, version_id: int
) -> TemplateVersion | None:
    row = session.get(TemplateVersion, version_id)
    if row is None or row.scope not in (SHARED_SCOPE, organisation_id):
        return None
    return row


@dataclass(frozen=True)
class VersionLine:
    row: TemplateVersion
    audits: int


@dataclass(frozen=True)
class LibraryEntry:
    key: str
    title: str
    kind: str
    versions: list[VersionLine]  # Newest first.

    @property
    def latest(self) -> VersionLine:
        return self.versions[0]


def library(session: Session, organisation_id: int) -> list[LibraryEntry]:
    """Every template this organisation can use, with how many of its audits use each version."""
    counts = dict(
        session.execute(
            select(Audit.template_version_id, func.count())
            .where(Audit.organisation_id == organisation_id)
            .group_by(Audit.template_version_id)
        ).all()
    )
    rows = session.scalars(
        select(TemplateVersion)
        .where(_visible(organisation_id))
        .order_by(TemplateVersion.template_key, TemplateVersion.version.desc())
    )
    grouped: dict[str, list[VersionLine]] = {}
    for row in rows:
        grouped.setdefault(row.template_key, []).append(VersionLine(row, counts.get(row.id, 0)))
    return sorted(
        (
            LibraryEntry(key, lines[0].row.title, lines[0].row.kind, lines)
            for key, lines in grouped.items()
        ),
        key=lambda e: e.title.lower(),
    )


def versions_of(session: Session, organisation_id: int, key: str) -> list[TemplateVersion]:
    return list(
        session.scalars(
            select(TemplateVersion)
            .where(TemplateVersion.template_key == key, _visible(organisation_id))
            .order_by(TemplateVersion.version)
        )
    )
