"""The site configuration: one TOML file, or the embedded default when there is none.

Resolution order (DESIGN.md, "Configuration"): ``-c/--config FILE``, then the
``GASP_CONFIG`` environment variable, then ``./gasp.toml``, then the embedded default
(SQLite databases under ``./gasp-data/``). Every field is validated with pydantic and an
unknown key is an error, so a typo in a site's file is caught before anything is written.
Relative paths in a file are taken relative to that file's folder.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from gasp.errors import ConfigError

CONFIG_ENV = "GASP_CONFIG"
LOCAL_CONFIG = Path("gasp.toml")
DEFAULT_DATA_FOLDER = Path("gasp-data")
EMBEDDED_DEFAULT = "embedded default"
USERNAME_ENV = "GASP_DB_USERNAME"
PASSWORD_ENV = "GASP_DB_PASSWORD"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSection(_Section):
    """Who this site is: the name it claims work and heartbeats under."""

    name: str = Field(default="local", min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")


class DatabaseSection(_Section):
    """Where the documents live: ``sqlite:FOLDER`` (embedded) or an ``http(s)://`` CouchDB."""

    url: str = f"sqlite:{DEFAULT_DATA_FOLDER}"
    production: str = "production"
    processing: str = "processing"
    username: str | None = None
    password: SecretStr | None = None
    revs_limit: int = Field(default=10, ge=1, le=1000)

    @field_validator("url")
    @classmethod
    def _known_scheme(cls, url: str) -> str:
        if not url.startswith(("sqlite:", "http://", "https://")):
            raise ValueError("must start with 'sqlite:' (embedded) or 'http(s)://' (CouchDB)")
        return url


class BackendSection(_Section):
    """Where subjobs run: ``local`` worker processes (default) or ``slurm``."""

    name: str = "local"
    workdir: str = str(DEFAULT_DATA_FOLDER / "jobs")  # job folders, shared with the workers
    max_running: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1)
    # backend-specific settings; lists for argument lists (slurm's extra_args, command)
    options: dict[str, str | int | float | bool | list[str]] = {}


class StorageElementConfig(_Section):
    """A storage element: ``file:///folder``, a plain folder path, or ``root://host//path``."""

    url: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _openable_here(cls, url: str) -> str:
        """A scheme nobody knows, or whose package is missing, is refused with the fix."""
        if "://" not in url or url.startswith("file://"):
            return url  # a folder needs no package (and every command skips importing fsspec)
        from gasp.storage.access import missing_driver

        problem = missing_driver(url)
        if problem is not None:
            raise ValueError(problem)
        return url


class StorageSection(_Section):
    """The storage elements this site writes to: a primary and an optional failover."""

    primary: str = "local-se"
    failover: str | None = None
    elements: dict[str, StorageElementConfig] = {
        "local-se": StorageElementConfig(url=str(DEFAULT_DATA_FOLDER / "se"))
    }

    @model_validator(mode="after")
    def _known_elements(self) -> StorageSection:
        for role, name in (("primary", self.primary), ("failover", self.failover)):
            if name is not None and name not in self.elements:
                known = ", ".join(sorted(self.elements)) or "none"
                raise ValueError(f"{role} {name!r} is not among storage.elements ({known})")
        return self


class SoftwareVersion(_Section):
    """How to run one software version here: its executable, setup script and release."""

    executable: str = Field(min_length=1)
    release_dir: str = Field(min_length=1)
    setup: str | None = None


def _default_software() -> dict[str, SoftwareVersion]:
    """The embedded default runs the shipped toyrat release."""
    from gasp.toyrat.release import executable, release_dir, version

    return {version(): SoftwareVersion(executable=executable(), release_dir=str(release_dir()))}


class LimitsSection(_Section):
    """How much this site takes on, and when held work counts as lost."""

    max_submitted: int = Field(default=1000, ge=1)  # passes submitted or running at once
    jobs_per_cycle: int = Field(default=500, ge=1)  # passes claimed per cycle
    claim_batch: int = Field(default=100, ge=1)  # passes claimed per bulk write
    stuck_hours: float = Field(default=72.0, gt=0)  # a pass of ours untouched this long
    heartbeat_stale_minutes: float = Field(default=30.0, gt=0)  # a site silent this long
    unknown_cycles: int = Field(default=3, ge=1)  # cycles a subjob may stay unknown


class RetrySection(_Section):
    """Automatic retry of failures that look transient (matched in the job's log)."""

    max_attempts: int = Field(default=3, ge=1)
    backoff_s: float = Field(default=60.0, ge=0)  # doubles with every attempt
    backoff_max_s: float = Field(default=3600.0, ge=0)
    transient_patterns: list[str] = [
        "Connection timed out",
        "Connection refused",
        "Temporary failure in name resolution",
        "Resource temporarily unavailable",
    ]
    log_limit_bytes: int = Field(default=64 * 1024, ge=1024)  # of stdout/stderr attached


class SubmitSection(_Section):
    """Bounds on one submission, checked before anything is planned or written.

    A typo of a few digits in ``n_ev`` or ``n_runs`` would otherwise become millions of
    passes; the bound is the site's to raise when it really means it.
    """

    max_jobs: int = Field(default=100_000, ge=1)  # passes one request may create
    max_subjobs: int = Field(default=1_000_000, ge=1)  # subjobs one request may create


class Config(_Section):
    """The whole site configuration."""

    site: SiteSection = SiteSection()
    database: DatabaseSection = DatabaseSection()
    backend: BackendSection = BackendSection()
    storage: StorageSection = StorageSection()
    software: dict[str, SoftwareVersion] = Field(default_factory=_default_software)
    limits: LimitsSection = LimitsSection()
    retry: RetrySection = RetrySection()
    submit: SubmitSection = SubmitSection()
    source: str = Field(default=EMBEDDED_DEFAULT, exclude=True)

    def credentials(self) -> tuple[str | None, str | None]:
        """CouchDB credentials: the environment wins over the file, so files need no secret."""
        username = os.environ.get(USERNAME_ENV) or self.database.username
        password = os.environ.get(PASSWORD_ENV) or (
            self.database.password.get_secret_value() if self.database.password else None
        )
        return username, password


def resolve_config_path(explicit: Path | None) -> Path | None:
    """The configuration file to read, or None for the embedded default."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env)
    if LOCAL_CONFIG.is_file():
        return LOCAL_CONFIG
    return None


def load_config(explicit: Path | None = None) -> Config:
    """Read and validate the configuration (or return the embedded default)."""
    path = resolve_config_path(explicit)
    if path is None:
        return _relative_to(Config(), Path.cwd())
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path}: malformed TOML: {exc}") from exc
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path) -> Config:
    """Validate a parsed TOML table; one message naming every bad field."""
    try:
        config = Config.model_validate({**raw, "source": str(path)})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {_describe(error)}"
            for error in exc.errors()
        )
        raise ConfigError(f"config file {path}: {problems}") from exc
    return _relative_to(config, path.parent)


def _describe(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key"
    return str(error["msg"])


def _relative_to(config: Config, folder: Path) -> Config:
    """Make the paths a configuration gives relative absolute, from ``folder``.

    A site's file is read from anywhere (cron, batch jobs): its relative paths mean
    "beside this file", and the workers get absolute ones.
    """
    update: dict[str, Any] = {}
    url = config.database.url
    if url.startswith("sqlite:"):
        data = _absolute(url.removeprefix("sqlite:"), folder)
        update["database"] = config.database.model_copy(update={"url": f"sqlite:{data}"})
    update["backend"] = config.backend.model_copy(
        update={"workdir": _absolute(config.backend.workdir, folder)}
    )
    elements = {
        name: element.model_copy(update={"url": _storage_url(element.url, folder)})
        for name, element in config.storage.elements.items()
    }
    update["storage"] = config.storage.model_copy(update={"elements": elements})
    update["software"] = {
        version: software.model_copy(
            update={
                "release_dir": _absolute(software.release_dir, folder),
                "setup": _absolute(software.setup, folder) if software.setup else None,
            }
        )
        for version, software in config.software.items()
    }
    return config.model_copy(update=update)


def _absolute(path: str, folder: Path) -> str:
    candidate = Path(path).expanduser()
    return str(candidate if candidate.is_absolute() else (folder / candidate).resolve())


def _storage_url(url: str, folder: Path) -> str:
    """Plain folders become ``file://`` URLs; other URLs are left as they are."""
    if "://" in url:
        return url
    return Path(_absolute(url, folder)).as_uri()
