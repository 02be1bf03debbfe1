"""`lms questions import|export`: question files (GIFT, Aiken) for a course's bank."""

from __future__ import annotations

from flask.cli import AppGroup

questions_group = AppGroup("questions", help="Import and export a course's questions (GIFT, Aiken).")
