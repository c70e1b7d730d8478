"""SQLAlchemy models. Every row of case-level or staff data belongs to one organisation."""

from qa_toolkit.models.audit_log import AuditEvent
from qa_toolkit.models.audits import Audit, AuditStatus
from qa_toolkit.models.cases import CaseRecord, ColumnMapping, Frame, FrameUpload
from qa_toolkit.models.organisations import Organisation, Staff, StaffRole, Team
from qa_toolkit.models.programmes import (
    Programme,
    ProgrammeStatus,
    SampleCase,
    SampleRole,
    SampleStatus,
)
from qa_toolkit.models.templates import SHARED_SCOPE, TemplateVersion
from qa_toolkit.models.users import Membership, Role, User

__all__ = [
    "SHARED_SCOPE",
    "Audit",
    "AuditEvent",
    "AuditStatus",
    "CaseRecord",
    "ColumnMapping",
    "Frame",
    "FrameUpload",
    "Membership",
    "Organisation",
    "Programme",
    "ProgrammeStatus",
    "Role",
    "SampleCase",
    "SampleRole",
    "SampleStatus",
    "Staff",
    "StaffRole",
    "Team",
    "TemplateVersion",
    "User",
]
