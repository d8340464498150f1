"""One small exception tree and the exit codes of the command line."""
from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # a finding at or above --fail-on
    USAGE = 2
    BAD_INPUT = 3
    INTERNAL = 4


class TermsScanError(Exception):
    """Base of every error terms-scan raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL


class InputError(TermsScanError):
    """The input cannot be read or is not a supported agreement (exit code 3)."""

    exit_code = ExitCode.BAD_INPUT


class UsageError(TermsScanError):
    """The command or API was called wrongly (exit code 2)."""

    exit_code = ExitCode.USAGE


class PatternError(TermsScanError):
    """A pattern file is malformed; the message names the file and the field."""

    exit_code = ExitCode.INTERNAL
