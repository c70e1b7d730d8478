"""The field's conventions that every layer shares: how a figure, percentage, interval or date
reads (`display`) and what counts as a working day in England (`working_days`).

A bottom package, beside `problems`: it imports nothing of ours, so `sampling`,
`audit_templates`, `reports` and the application can all use it without a cycle.
"""
