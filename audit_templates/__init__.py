"""Audit frameworks as data: schema, loader, validator and scoring (the templates issue)."""
