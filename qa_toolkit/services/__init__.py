"""Business operations: plain functions taking a session; they flush, the caller commits."""
