"""Secret references: ``env:NAME`` or ``file:PATH``, never the secret itself.

A `SecretRef` remembers where it was written, so a variable that is unset or a file that
is missing is reported against the config line that names it. The value is read only when
`SecretRef.resolve` is called, and never appears in a repr or an error message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from edigate.errors import ConfigError, ConfigProblem

__all__ = ["SecretRef", "parse_secret_ref"]

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class SecretRef:
    """Where to find a secret; ``str()`` and ``repr()`` show the reference, not the value."""

    scheme: str  # "env" or "file"
    target: str  # variable name, or path as written
    file: str = field(default="", compare=False)
    line: int | None = field(default=None, compare=False)
    path: str = field(default="", compare=False)
    base: Path = field(default=Path("."), compare=False)

    def __str__(self) -> str:
        return f"{self.scheme}:{self.target}"

    def __repr__(self) -> str:
        return f"SecretRef({str(self)!r})"

    def resolve(self) -> str:
        """Read the secret now; raise `ConfigError` naming this reference's file:line."""
        if self.scheme == "env":
            value = os.environ.get(self.target)
            if value is None:
                raise self._error(f"environment variable {self.target} is not set")
            return value
        try:
            return self.location.read_text(encoding="utf-8").rstrip("\r\n")
        except FileNotFoundError as exc:
            raise self._error(f"secret file {self.location} does not exist") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise self._error(f"secret file {self.location} cannot be read: {exc}") from exc

    @property
    def location(self) -> Path:
        """For ``file:`` references, the path to read (relative ones against ``base``)."""
        return self.base / Path(self.target).expanduser()

    def _error(self, message: str) -> ConfigError:
        return ConfigError([ConfigProblem(self.file, self.line, self.path, message)])


def parse_secret_ref(text: str) -> tuple[str, str] | str:
    """Split ``env:NAME`` / ``file:PATH`` into (scheme, target), or say what is wrong.

    The message never repeats ``text``: a string that is not a reference may be a secret.
    """
    scheme, sep, target = text.partition(":")
    if not sep or scheme not in ("env", "file"):
        return "secrets may not be written inline; use env:NAME or file:PATH"
    target = target.strip()
    if scheme == "env" and not _ENV_NAME.fullmatch(target):
        return "env: needs a variable name (letters, digits, underscore), e.g. env:SFTP_PASSWORD"
    if scheme == "file" and not target:
        return "file: needs a path, e.g. file:secrets/sftp_key"
    return scheme, target
