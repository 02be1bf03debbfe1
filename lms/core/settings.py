"""Start-up checks of deployment settings: a bad value stops the app with one line naming the setting."""

from __future__ import annotations

import click


class SettingError(click.ClickException, RuntimeError):
    """A setting that cannot work. The `lms` command prints it as one `Error: …` line; gunicorn ends its traceback
    with it. The message always starts with the environment variable's name."""

    def __init__(self, setting: str, problem: str):
        self.setting = setting
        super().__init__(f"LMS_{setting}: {problem}")

    def __str__(self) -> str:
        return self.message
