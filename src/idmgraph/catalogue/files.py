"""The YAML files of a Relaton data folder, from a working folder or a bare git directory.

A Relaton repository keeps one record per file under ``data/``. ``PATH`` may be the
repository's working folder, its ``data/`` folder, or a bare git directory (as a mirror
holds it), whose files are read with ``git cat-file`` without checking them out. The
commit and its date are read from git when there is one.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from idmgraph.base.errors import SourceError

DATA = "data"
SUFFIX = ".yaml"


@dataclass(frozen=True, kw_only=True)
class Checkout:
    """Where the records come from: the files and, for a git repository, its commit."""

    path: Path
    git_dir: Path | None  # set when the files are read from git objects (bare directory)
    commit: str | None
    commit_date: str | None  # ISO 8601 date of the commit, YYYY-MM-DD
    remote: str | None  # the repository URL git knows, if any


def open_checkout(path: Path) -> Checkout:
    """Recognise ``path`` as a working folder, a ``data/`` folder or a bare git directory."""
    if not path.exists():
        raise SourceError(str(path), "no such folder")
    if (path / "objects").is_dir() and (path / "HEAD").is_file():
        return Checkout(path=path, git_dir=path, **_git_facts(path))
    folder = path if (path / DATA).is_dir() else path.parent
    git_dir = folder / ".git"
    facts = (
        _git_facts(git_dir)
        if git_dir.exists()
        else {"commit": None, "commit_date": None, "remote": None}
    )
    return Checkout(path=path, git_dir=None, **facts)


def record_files(checkout: Checkout) -> Iterator[tuple[str, bytes]]:
    """(file name under ``data/``, content) for every record, in file-name order."""
    if checkout.git_dir is not None:
        yield from _git_files(checkout.git_dir)
        return
    folder = checkout.path / DATA if (checkout.path / DATA).is_dir() else checkout.path
    for file in sorted(folder.glob(f"*{SUFFIX}")):
        yield f"{DATA}/{file.name}", file.read_bytes()


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    done = subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise SourceError(str(git_dir), done.stderr.decode(errors="replace").strip())
    return done.stdout


def _git_facts(git_dir: Path) -> dict[str, str | None]:
    line = _git(git_dir, "log", "-1", "--format=%H %cs").decode().split()
    try:
        remote: str | None = _git(git_dir, "config", "--get", "remote.origin.url").decode().strip()
    except SourceError:
        remote = None
    return {"commit": line[0], "commit_date": line[1], "remote": remote or None}


def _git_files(git_dir: Path) -> Iterator[tuple[str, bytes]]:
    """Every ``data/*.yaml`` blob of HEAD, read in one ``git cat-file --batch``."""
    listing = _git(git_dir, "ls-tree", "-r", "HEAD", f"{DATA}/").decode().splitlines()
    entries = []
    for line in listing:
        meta, name = line.split("\t", 1)
        if name.endswith(SUFFIX) and "/" not in name[len(DATA) + 1 :]:
            entries.append((name, meta.split()[2]))
    entries.sort()
    batch = _git(
        git_dir, "cat-file", "--batch", stdin="".join(f"{o}\n" for _, o in entries).encode()
    )
    offset = 0
    for name, _ in entries:
        end = batch.index(b"\n", offset)
        header = batch[offset:end].split()
        if len(header) < 3 or header[1] != b"blob":
            raise SourceError(name, "git could not read the file (is the object missing?)")
        size = int(header[2])
        yield name, batch[end + 1 : end + 1 + size]
        offset = end + 1 + size + 1
