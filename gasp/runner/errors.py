"""Why a job did not complete, as errors whose message becomes the report's ``error``.

    GaspError                  (gasp.errors)
    ├── InputError
    │   └── SpecError          spec.json is unreadable or inconsistent: exit status 2
    └── JobFailed              the job ran (or tried to) and failed: exit status 1
        ├── TemplateError      the macro has a ${field} the template does not fill
        ├── StagingError       an input could not be fetched or did not match its checksum
        ├── ApplicationFailed  the application could not start or exited non-zero
        ├── OutputInvalid      an expected output is missing, unreadable or short
        └── UploadFailed       no storage element took an output

``Terminated`` is not an error of the job but the runner being stopped (SIGTERM from a
batch system's cancel or time limit); it derives from ``BaseException`` so that no
``except Exception`` on the way can swallow it.
"""

from __future__ import annotations

import signal

from gasp.errors import GaspError, InputError


class SpecError(InputError):
    """The job specification cannot be used; nothing was run."""


class JobFailed(GaspError):
    """The job failed; the message is what the report's ``error`` says."""


class TemplateError(JobFailed):
    """The macro needs template fields the specification does not give."""


class StagingError(JobFailed):
    """An input file could not be staged."""


class ApplicationFailed(JobFailed):
    """The application could not be started, or exited with a non-zero status."""


class OutputInvalid(JobFailed):
    """An expected output is missing, not a readable ROOT file, or has the wrong count."""


class UploadFailed(JobFailed):
    """An output could be stored on neither the primary nor the failover element."""


class Terminated(BaseException):
    """The runner received a termination signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"the runner was stopped by {signal.Signals(signum).name}")
        self.signum = signum


__all__ = [
    "ApplicationFailed",
    "JobFailed",
    "OutputInvalid",
    "SpecError",
    "StagingError",
    "TemplateError",
    "Terminated",
    "UploadFailed",
]
