"""The site configuration: one TOML file, or the embedded default when there is none.

Resolution order (README, "Configuration"): ``-c/--config FILE``, then the
``GASP_CONFIG`` environment variable, then ``./gasp.toml``, then the embedded default
(SQLite databases under ``./gasp-data/``). Every field is validated with pydantic and an
unknown key is an error, so a typo in a site's file is caught before anything is written:
the whole file is checked when it is read, database names included, so that no command
creates one database and then trips over the next. Names, durations and limits follow
the rules of ``gasp.values`` (safe names, finite durations of at most a year), the same
rules their command-line options follow. Relative paths in a file are taken relative to
that file's folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from gasp.errors import ConfigError, StoreRefused
from gasp.parsing import parse_toml
from gasp.store.names import check_database_name
from gasp.values import MAX_WAIT_S, Duration, Line, Name

CONFIG_ENV = "GASP_CONFIG"
LOCAL_CONFIG = Path("gasp.toml")
DEFAULT_DATA_FOLDER = Path("gasp-data")
EMBEDDED_DEFAULT = "embedded default"
USERNAME_ENV = "GASP_DB_USERNAME"
PASSWORD_ENV = "GASP_DB_PASSWORD"


def _local_path(text: str) -> str:
    """A path on this machine that can be made absolute: no NUL, no unknown ``~user``."""
    if "\x00" in text:
        raise ValueError("a path must not contain a NUL character")
    try:
        Path(text).expanduser()
    except RuntimeError:
        raise ValueError(
            f"{text!r}: no home folder for {text.split('/', maxsplit=1)[0]!r}"
        ) from None
    return text


LocalPath = Annotated[str, AfterValidator(_local_path)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteSection(_Section):
    """Who this site is: the name it claims work and heartbeats under."""

    name: Name = "local"  # the rule ``gasp enqueue SITE`` follows too


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
        if url.startswith("sqlite:"):
            _local_path(url.removeprefix("sqlite:"))
        return url

    @field_validator("production", "processing")
    @classmethod
    def _legal_name(cls, name: str) -> str:
        """CouchDB's rule, checked here so ``db init`` never creates one and refuses the next."""
        try:
            return check_database_name(name)
        except StoreRefused as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _two_databases(self) -> DatabaseSection:
        if self.production == self.processing:
            raise ValueError(
                f"production and processing are both {self.production!r}: "
                "they must be two different databases"
            )
        return self


class BackendSection(_Section):
    """Where subjobs run: ``local`` worker processes (default) or ``slurm``."""

    name: str = "local"
    workdir: LocalPath = str(DEFAULT_DATA_FOLDER / "jobs")  # job folders, shared with the workers
    max_running: int = Field(default_factory=lambda: os.cpu_count() or 2, ge=1, le=100_000)
    # backend-specific settings; lists for argument lists (slurm's extra_args, command)
    options: dict[str, str | int | float | bool | list[str]] = {}


class StorageElementConfig(_Section):
    """A storage element: ``file:///folder``, a plain folder path, or ``root://host//path``."""

    url: str = Field(min_length=1)

    @field_validator("url")
    @classmethod
    def _openable_here(cls, url: str) -> str:
        """A scheme nobody knows, or whose package is missing, is refused with the fix."""
        if "://" not in url:
            return _local_path(url)  # a folder needs no package (nor does file://): no fsspec
        if url.startswith("file://"):
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
    elements: dict[Name, StorageElementConfig] = {
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
    release_dir: Annotated[LocalPath, Field(min_length=1)]
    setup: LocalPath | None = None


def _default_software() -> dict[str, SoftwareVersion]:
    """The embedded default runs the shipped toyrat release."""
    from gasp.toyrat.release import executable, release_dir, version

    return {version(): SoftwareVersion(executable=executable(), release_dir=str(release_dir()))}


def _at_most_a_year(unit_s: float) -> Any:
    """The upper bound of a duration given in units of ``unit_s`` seconds (``MAX_WAIT_S``)."""
    return Field(le=MAX_WAIT_S / unit_s, allow_inf_nan=False)


class LimitsSection(_Section):
    """How much this site takes on, and when held work counts as lost.

    Every count has a ceiling far above any real site: a few digits too many would
    otherwise reach the store as a query limit no backend can take.
    """

    max_submitted: int = Field(default=1000, ge=1, le=10_000_000)  # submitted/running at once
    jobs_per_cycle: int = Field(default=500, ge=1, le=1_000_000)  # passes claimed per cycle
    claim_batch: int = Field(default=100, ge=1, le=10_000)  # passes claimed per bulk write
    stuck_hours: Annotated[Duration, _at_most_a_year(3600)] = 72.0  # ours untouched this long
    heartbeat_stale_minutes: Annotated[Duration, _at_most_a_year(60)] = 30.0  # a silent site
    unknown_cycles: int = Field(default=3, ge=1, le=10_000)  # cycles a subjob may stay unknown


class RetrySection(_Section):
    """Automatic retry of failures that look transient (matched in the job's log).

    Backoffs may be 0 (retry at once); attempts are bounded because the backoff doubles
    with each one, and 2**1000 seconds is no delay a float can hold.
    """

    max_attempts: int = Field(default=3, ge=1, le=100)
    backoff_s: float = Field(default=60.0, ge=0, le=MAX_WAIT_S, allow_inf_nan=False)  # doubles
    backoff_max_s: float = Field(default=3600.0, ge=0, le=MAX_WAIT_S, allow_inf_nan=False)
    transient_patterns: list[Line] = [
        "Connection timed out",
        "Connection refused",
        "Temporary failure in name resolution",
        "Resource temporarily unavailable",
    ]
    log_limit_bytes: int = Field(default=64 * 1024, ge=1024, le=64 * 1024 * 1024)  # attached


class SubmitSection(_Section):
    """Bounds on one submission, checked before anything is planned or written.

    A typo of a few digits in ``n_ev`` or ``n_runs`` would otherwise become millions of
    passes; the bound is the site's to raise when it really means it.
    """

    max_jobs: int = Field(default=100_000, ge=1)  # passes one request may create
    max_subjobs: int = Field(default=1_000_000, ge=1)  # subjobs one request may create


class OpsSection(_Section):
    """The operators' tools: who acts, and the safety margins of delete and validate.

    ``operator`` names whoever runs a command that changes passes, in their history
    (``$GASP_OPERATOR`` wins over it; without either, ``user@host``).
    """

    operator: Line | None = None
    delete_streams: int = Field(default=8, ge=1, le=256)  # files removed at once
    lost_share: float = Field(default=0.1, gt=0, le=1, allow_inf_nan=False)  # validate stops
    dark_min_age_hours: Annotated[Duration, _at_most_a_year(3600)] = 24.0  # not yet dark
    quarantine: Name = "quarantine"  # folder on each element for dark files


class Config(_Section):
    """The whole site configuration."""

    site: SiteSection = SiteSection()
    database: DatabaseSection = DatabaseSection()
    backend: BackendSection = BackendSection()
    storage: StorageSection = StorageSection()
    software: dict[Name, SoftwareVersion] = Field(default_factory=_default_software)
    limits: LimitsSection = LimitsSection()
    retry: RetrySection = RetrySection()
    submit: SubmitSection = SubmitSection()
    ops: OpsSection = OpsSection()
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
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text: {exc}") from exc
    return parse_config(parse_toml(text, f"config file {path}", error=ConfigError), path)


def parse_config(raw: dict[str, Any], path: Path) -> Config:
    """Validate a parsed TOML table; one message naming every bad field."""
    if "source" in raw:  # the model's own record of where it came from, not a setting
        raise ConfigError(f"config file {path}: source: unknown key")
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
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])  # the rule's own words, without pydantic's prefix
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
