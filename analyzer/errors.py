"""One small exception tree and the exit codes of the command line."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # a finding at or above --fail-on
    USAGE = 2
    BAD_INPUT = 3
    INTERNAL = 4
    STATE = 5  # the history database or the disk: unwritable, full, corrupt, locked


class TermsScanError(Exception):
    """Base of every error terms-scan raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL


class InputError(TermsScanError):
    """The input cannot be read or is not a supported agreement (exit code 3)."""

    exit_code = ExitCode.BAD_INPUT


class UsageError(TermsScanError):
    """The command or API was called wrongly (exit code 2)."""

    exit_code = ExitCode.USAGE


class StateError(TermsScanError):
    """The environment failed: a full or read-only disk, a corrupt or unwritable history
    database (exit code 5)."""

    exit_code = ExitCode.STATE


class PatternError(TermsScanError):
    """A pattern file is malformed; the message names the file and the field."""

    exit_code = ExitCode.INTERNAL
