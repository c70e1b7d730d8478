"""Published template versions: immutable, each tied to its content hash."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qa_toolkit.db import Base
from qa_toolkit.models.types import IntPK, Name, Timestamp, utcnow

SHARED_SCOPE = 0


class TemplateVersion(Base):
    """One published version of an audit framework.

    `scope` is 0 for a template shared with every organisation in the deployment, otherwise
    the owning organisation's id: a unique constraint cannot rely on a NULL organisation.
    """

    __tablename__ = "template_version"
    __table_args__ = (
        UniqueConstraint("scope", "template_key", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("kind IN ('case_audit', 'observation', 'thematic')", name="kind_known"),
        CheckConstraint(
            "(scope = 0 AND organisation_id IS NULL) OR scope = organisation_id",
            name="scope_matches_organisation",
        ),
    )
    __audited__ = True
    # The YAML itself is kept whole in the row; the log notes its hash instead.
    __audit_exclude__ = frozenset({"source_yaml"})

    id: Mapped[IntPK]
    scope: Mapped[int] = mapped_column(index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    template_key: Mapped[str] = mapped_column(String(60))
    version: Mapped[int]
    title: Mapped[Name]
    kind: Mapped[str] = mapped_column(String(20))
    source_yaml: Mapped[str] = mapped_column(Text)
    source_filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[Timestamp] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    @property
    def shared(self) -> bool:
        return self.scope == SHARED_SCOPE
