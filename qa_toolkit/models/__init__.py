"""SQLAlchemy models. Every row of case-level or staff data belongs to one organisation."""

from qa_toolkit.models.actions import (
    Action,
    ActionSource,
    Escalation,
    EscalationStatus,
    EscalationStep,
    Priority,
)
from qa_toolkit.models.annual_report import AnnualReportText
from qa_toolkit.models.audit_log import AuditEvent
from qa_toolkit.models.audits import Audit, AuditStatus
from qa_toolkit.models.case_reviews import CaseReview, NameAlias
from qa_toolkit.models.cases import CaseRecord, ColumnMapping, Frame, FrameUpload
from qa_toolkit.models.findings_rollup import FindingsRollup
from qa_toolkit.models.highlight_approvals import HighlightApproval
from qa_toolkit.models.invitations import Invitation
from qa_toolkit.models.jobs import Job, JobStatus
from qa_toolkit.models.notifications import (
    Delivery,
    EmailStatus,
    Notification,
    NotificationPreference,
)
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

# Imported for its Session events: every audit write renews its programme's findings state.
from qa_toolkit.models import findings_state  # noqa: E402, F401  # isort: skip

__all__ = [
    "SHARED_SCOPE",
    "Action",
    "AnnualReportText",
    "ActionSource",
    "Audit",
    "AuditEvent",
    "AuditStatus",
    "CaseRecord",
    "CaseReview",
    "Escalation",
    "EscalationStatus",
    "EscalationStep",
    "ColumnMapping",
    "FindingsRollup",
    "Frame",
    "Delivery",
    "EmailStatus",
    "FrameUpload",
    "HighlightApproval",
    "Invitation",
    "Job",
    "JobStatus",
    "Membership",
    "NameAlias",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "Priority",
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
