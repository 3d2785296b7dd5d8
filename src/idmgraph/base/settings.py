"""The one settings object: every field has a default, an environment variable and help text.

>>> Settings().base_iri
'https://w3id.org/idmgraph/'
>>> Settings.from_env({"IDMGRAPH_PORT": "9000"}).port
9000
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from idmgraph.base.errors import ConfigurationError

ENV_PREFIX = "IDMGRAPH_"


def _setting(default: Any, help_text: str) -> Any:
    """Declare a field with its default and the help text shown in the README and ``--help``."""
    if isinstance(default, tuple | list | dict):
        frozen = tuple(default)
        return field(default_factory=lambda: frozen, metadata={"help": help_text})
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything that can be configured, passed explicitly to whatever needs it."""

    root: Path = _setting(
        Path(), "Project folder holding ontology/, data/, shapes/ and queries/ (the sources)."
    )
    dist_dir: Path = _setting(
        Path("dist"), "Folder the release is written to; relative paths are under root."
    )
    base_iri: str = _setting(
        "https://w3id.org/idmgraph/",
        "Canonical base IRI: data resources are minted under <base>id/; relative IRIs in data/ "
        "resolve against it.",
    )
    public_url: str | None = _setting(
        None,
        "Public URL of the server as clients see it (behind a proxy); by default taken from "
        "the request.",
    )
    store: str = _setting(
        "oxigraph:memory",
        "Where the release is served from: 'oxigraph:memory' (default), 'oxigraph:PATH' for an "
        "on-disk store opened read-only, or 'sparql:QUERY_URL' for a remote SPARQL 1.1 store.",
    )
    host: str = _setting("127.0.0.1", "Interface the HTTP server binds to.")
    port: int = _setting(8000, "TCP port the HTTP server listens on.")
    query_timeout: float = _setting(
        10.0,
        "Seconds a SPARQL query may run before it is stopped and answered 503; a request may "
        "only lower it.",
    )
    max_result_rows: int = _setting(
        10_000, "Most rows a SELECT answer carries; a cut answer says so in a header."
    )
    max_request_bytes: int = _setting(
        1_000_000, "Largest request body accepted; larger requests are answered 413."
    )
    service_allowlist: tuple[str, ...] = _setting(
        (),
        "Remote endpoints a SERVICE clause may reach (comma-separated); empty means SERVICE "
        "reaches no network.",
    )
    remote_graph_store_url: str | None = _setting(
        None,
        "SPARQL 1.1 Graph Store Protocol URL of the remote store 'idmgraph publish' loads the "
        "release into (store='sparql:...'); credentials come only from IDMGRAPH_REMOTE_USER "
        "and IDMGRAPH_REMOTE_PASSWORD.",
    )
    remote_auth: str = _setting(
        "basic",
        "How the remote store's credentials are sent: 'basic' (HTTP Basic, with every request) "
        "or 'digest' (HTTP Digest, only to the Graph Store URL when publishing, as Virtuoso's "
        "/sparql-graph-crud-auth asks; queries then carry none).",
    )
    validator: str = _setting(
        "pyshacl",
        "SHACL engine of the gate: 'pyshacl' (the reference) or 'pyshacl-turbo' (Rust, same "
        "named shapes on every shape fixture, ~25x faster: use it from ~10^5 triples on).",
    )
    query_workers: int = _setting(
        2,
        "Worker processes evaluating SPARQL queries, so a runaway query can be stopped (on a "
        "remote store: queries in flight to it at once, shared between clients alike).",
    )
    client_share: int = _setting(
        1,
        "Most query workers one client (address) holds at once; its further queries wait in "
        "its own queue, and waiting clients are served in turn.",
    )
    client_queue: int = _setting(
        8,
        "Most queries one client may have waiting for a worker; past it the client is answered "
        "503 with Retry-After.",
    )
    max_waiting: int = _setting(
        256, "Most queries waiting for a worker over all clients; past it, 503 with Retry-After."
    )
    trusted_proxies: tuple[str, ...] = _setting(
        (),
        "Addresses of reverse proxies whose X-Forwarded-For header names the client "
        "(comma-separated); from any other peer the header is ignored.",
    )
    max_answer_bytes: int = _setting(
        32_000_000,
        "Largest answer a query may produce, in bytes; a larger one is answered 413.",
    )
    worker_memory_mb: int = _setting(
        1024,
        "Memory a query worker may allocate beyond the loaded store, in MB; a query past it is "
        "stopped and answered 503.",
    )
    max_header_bytes: int = _setting(
        65_536,
        "Largest request head (request line and headers) in bytes; larger requests are "
        "answered 431.",
    )
    max_headers: int = _setting(100, "Most header fields a request may carry; past it, 431.")
    head_timeout: float = _setting(
        10.0,
        "Seconds a connection has to send a whole request head (from its opening, or from the "
        "end of the last answer); past it, 408 and the connection is closed.",
    )
    warm_pages: bool = _setting(
        True,
        "Compute today's /landscape and the /gaps report as the server starts, and again when "
        "the day or the release changes, so that no reader waits for them (seconds at "
        "whole-catalogue scale).",
    )
    body_timeout: float = _setting(
        30.0,
        "Seconds a request has to send its whole body once its head is whole; past it, 408 "
        "(if nothing was answered yet) and the connection is closed.",
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read ``IDMGRAPH_<FIELD>`` variables, then apply explicit keyword overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            raw = env.get(env_name(item.name))
            if raw is not None:
                values[item.name] = _convert(item, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def resolve(self, path: Path) -> Path:
        """A path relative to ``root``, left as it is when absolute."""
        return path if path.is_absolute() else self.root / path

    @property
    def data_base(self) -> str:
        """Namespace all data resources are minted in."""
        return self.base_iri + "id/"

    @property
    def release_dir(self) -> Path:
        """Absolute folder of the release."""
        return self.resolve(self.dist_dir)


def env_name(field_name: str) -> str:
    """The environment variable that sets a field."""
    return ENV_PREFIX + field_name.upper()


def documentation() -> list[tuple[str, str, str, str]]:
    """(field, environment variable, default, help) for every setting, in declaration order."""
    rows = []
    defaults = Settings()
    for item in dataclasses.fields(Settings):
        default = getattr(defaults, item.name)
        shown = ",".join(default) if isinstance(default, tuple) else str(default)
        rows.append((item.name, env_name(item.name), shown, str(item.metadata["help"])))
    return rows


_BOOLEANS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def _convert(item: dataclasses.Field[Any], raw: str) -> Any:
    kind = str(item.type)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "Path":
            return Path(raw)
        if kind.startswith("tuple"):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if kind == "bool":
            return _BOOLEANS[raw.strip().lower()]
    except KeyError:
        raise ConfigurationError(
            f"{env_name(item.name)}={raw!r}: say one of {', '.join(_BOOLEANS)}"
        ) from None
    except ValueError as exc:
        raise ConfigurationError(f"{env_name(item.name)}={raw!r}: {exc}") from exc
    return raw
