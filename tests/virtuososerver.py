"""A real OpenLink Virtuoso (Debian's ``virtuoso-opensource``) on 127.0.0.1, for the tests.

Each server has a database folder of its own in a temporary folder, a configuration file
written here (both ports on 127.0.0.1, free ports, no plugins, a query time limit near ours,
answers never cut by row count), runs in the foreground as a child of the test process (killed
with it), and is stopped and deleted at the end. The DBA password of the new database is
replaced by a random one before the server is used; publishing uses it over HTTP Digest
(``/sparql-graph-crud-auth``), queries go to ``/sparql`` without credentials; those may
reach SERVICE (``DB.DBA.SPARQL_SINV_2``), whose targets idmgraph's allow-list decides.
"""

from __future__ import annotations

import math
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from idmgraph.store.remote import Remote
from tests.processes import free_port, running_process

EXECUTABLE = "virtuoso-t"
ISQL = "isql-vt"  # Debian's name for Virtuoso's isql (another isql comes with unixODBC)
FIRST_PASSWORD = "dba"  # what a new Virtuoso database starts with; replaced at once
START_BUDGET = 60.0  # a new database is created at the first start (a few seconds)

# Only the sections the server needs. ResultSetMaxRows = 0: no answer is ever cut by the
# store (a cut CONSTRUCT would not say so). The time limit ends what we abandoned.
_INI = """\
[Database]
DatabaseFile = virtuoso.db
ErrorLogFile = virtuoso.log
LockFile = virtuoso.lck
TransactionFile = virtuoso.trx
xa_persistent_file = virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = virtuoso-temp.db
TransactionFile = virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = .
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 0
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {seconds}
"""


@dataclass(frozen=True)
class VirtuosoServer:
    """A running Virtuoso and its protocol URLs."""

    base: str
    password: str

    @property
    def query_url(self) -> str:
        """SPARQL query endpoint (no credentials)."""
        return self.base + "/sparql"

    @property
    def store_url(self) -> str:
        """Graph Store Protocol endpoint, behind HTTP Digest."""
        return self.base + "/sparql-graph-crud-auth"

    def remote(self) -> Remote:
        """The Remote naming this server, with its publishing account."""
        return Remote(
            query_url=self.query_url,
            graph_store_url=self.store_url,
            user="dba",
            password=self.password,
            auth_scheme="digest",
        )

    @property
    def admin_auth(self) -> httpx.Auth:
        """Credentials of Graph Store requests made by the tests themselves."""
        return httpx.DigestAuth("dba", self.password)


def installed() -> bool:
    """Whether Virtuoso's server and isql are on PATH."""
    return shutil.which(EXECUTABLE) is not None and shutil.which(ISQL) is not None


@contextmanager
def virtuoso_server(*, query_timeout: float = 10.0) -> Iterator[VirtuosoServer]:
    """Start Virtuoso on free loopback ports over a new database; stop and delete it on exit."""
    if not installed():
        raise RuntimeError("Virtuoso is missing: apt-get install virtuoso-opensource")
    folder = Path(tempfile.mkdtemp(prefix="idmgraph-virtuoso-"))
    try:
        http_port, sql_port = free_port(), free_port()
        ini = _INI.format(
            sql_port=sql_port, http_port=http_port, seconds=math.ceil(query_timeout) + 1
        )
        (folder / "virtuoso.ini").write_text(ini, encoding="utf-8")
        command = [EXECUTABLE, "+foreground", "+configfile", str(folder / "virtuoso.ini")]
        base = f"http://127.0.0.1:{http_port}"
        with running_process(
            command, ready=base + "/sparql?query=ASK%7B%7D", budget=START_BUDGET, cwd=folder
        ):
            password = _prepared(sql_port)
            yield VirtuosoServer(base=base, password=password)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _prepared(sql_port: int) -> str:
    """Let anonymous queries reach SERVICE (the allow-list is idmgraph's), and replace the new
    database's well-known DBA password by a random one, which is returned."""
    password = secrets.token_hex(12)
    statements = (
        'GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL"; '
        'GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL"; '
        f"USER_SET_PASSWORD('dba', '{password}');"
    )
    subprocess.run(
        [ISQL, f"127.0.0.1:{sql_port}", "dba", FIRST_PASSWORD, f"exec={statements}"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return password
