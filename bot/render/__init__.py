"""Rendering: every user-facing text template, report and digest text, charts."""
