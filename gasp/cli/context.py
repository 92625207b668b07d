"""What every subcommand shares: the resolved configuration and the store it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from gasp.backends.base import Backend
from gasp.backends.factory import make_backend
from gasp.config import Config, load_config
from gasp.model.documents import Kind, check_kind
from gasp.store import Database, Server, open_server


@dataclass
class App:
    """Built once per invocation by the root command; the store opens on first use."""

    config_path: Path | None
    debug: bool = False
    _config: Config | None = None
    _server: Server | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config

    @property
    def server(self) -> Server:
        if self._server is None:
            username, password = self.config.credentials()
            self._server = open_server(
                self.config.database.url, username=username, password=password
            )
        return self._server

    def database_for(self, kind: Kind) -> Database:
        """The production or processing database this site's configuration names.

        Any other kind is a ``ValueError``: a misspelt kind must never open the
        processing database.
        """
        names = {
            "production": self.config.database.production,
            "processing": self.config.database.processing,
        }
        return self.server.database(names[check_kind(kind)])

    def backend(self) -> Backend:
        """This site's execution backend, as its configuration describes it."""
        section = self.config.backend
        options: dict[str, Any] = {
            **section.options,
            "max_running": section.max_running,
            "spool": str(Path(section.workdir) / "spool"),  # bookkeeping beside the job folders
        }
        return make_backend(section.name, options)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None


pass_app = click.make_pass_decorator(App)
