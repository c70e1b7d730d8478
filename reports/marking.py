"""The handling marking every printed or exported page carries, by audience: one home.

The print stylesheet (qa_toolkit.blueprints.printing) and the Word documents (reports.docx)
write these words; a partner's copy says no child or worker can be identified.
"""

from __future__ import annotations

PARTNER = "OFFICIAL-SENSITIVE · partner: no child or worker can be identified"
INTERNAL = "OFFICIAL-SENSITIVE · internal: identifies children"


def marking(partner: bool) -> str:
    return PARTNER if partner else INTERNAL
