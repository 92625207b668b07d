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

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

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


class Config(_Section):
    """The whole site configuration."""

    site: SiteSection = SiteSection()
    database: DatabaseSection = DatabaseSection()
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
        return Config()
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
    """Make an embedded folder given relative to the file relative to the file's folder."""
    url = config.database.url
    if url.startswith("sqlite:"):
        data = Path(url.removeprefix("sqlite:"))
        if not data.is_absolute():
            database = config.database.model_copy(update={"url": f"sqlite:{folder / data}"})
            return config.model_copy(update={"database": database})
    return config
