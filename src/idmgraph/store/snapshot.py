"""The release a server serves, pinned once at start so a rebuild cannot change it.

``idmgraph build`` replaces ``dist/`` with a rename. A server reading ``dist/`` on each request
would then serve two releases at once: pages and SPARQL from the store loaded at start,
downloads and VoID from the new folder. :func:`pin` instead hard-links every file of the release
into a private folder next to ``dist/`` (so a rebuild leaves those inodes alone), checks each
dump against its size and SHA-256 in ``release.json`` (a damaged release refuses to start,
naming the file), and reads the small files into memory. The store loads from the pinned dump,
and the web layer reads the release only through the :class:`Snapshot`.

Earlier releases' files stay downloadable from ``dist/versions/<version>/`` (kept by the build).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from idmgraph.base.errors import IdmGraphError, ReleaseDamaged
from idmgraph.base.settings import Settings
from idmgraph.pipeline.release import (
    CONTEXT_FILE,
    DESCRIPTION_FILE,
    MANIFEST,
    VERSIONS_DIR,
    Release,
    read_release,
)
from idmgraph.store.backends import open_store
from idmgraph.store.interface import Store

SMALL_FILES = (MANIFEST, DESCRIPTION_FILE, CONTEXT_FILE)  # read into memory
ATTEMPTS = 3  # pins raced by a rebuild before giving up
RETIRED_KEPT = 2  # earlier snapshots a server that followed publications keeps pinned
_CHUNK = 1 << 20


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """One release, verified and pinned: its files cannot change while it is served."""

    release: Release  # its directory is the private folder holding the pinned files
    origin: Path  # the release folder it was pinned from (dist/)
    small: dict[str, bytes]  # release.json, void.ttl and context.jsonld, as read at pin time
    # When the release was written: its manifest's modification time, in whole seconds (as
    # HTTP dates have). Hard links and time-keeping copies (rsync -a, cp -p) carry it along,
    # so replicas of one release give the same Last-Modified; a build never reads the clock.
    released: int

    @property
    def version(self) -> str:
        """The pinned release's version."""
        return self.release.version

    def path(self, name: str) -> Path:
        """The pinned copy of the release's file ``name``."""
        return self.release.directory / name

    def earlier(self, version: str, name: str) -> Path | None:
        """A file of an earlier release kept by the build in ``dist/versions/``, if any."""
        if "/" in name or name.startswith(".") or "/" in version or version.startswith("."):
            return None
        path = self.origin / VERSIONS_DIR / version / name
        return path if path.is_file() else None

    def close(self) -> None:
        """Remove the private folder (the served files stay in dist/ while it holds them)."""
        shutil.rmtree(self.release.directory, ignore_errors=True)


def pin(directory: Path) -> Snapshot:
    """Pin and verify the release in ``directory``; :class:`ReleaseDamaged` names a bad file."""
    _remove_abandoned(directory)
    for _ in range(ATTEMPTS):
        private = _private_folder(directory)
        try:
            pinned = _pin_into(directory, private)
        except BaseException:
            shutil.rmtree(private, ignore_errors=True)
            raise
        if pinned is not None:
            return pinned
        shutil.rmtree(private, ignore_errors=True)  # a rebuild swapped dist/ meanwhile
    raise ReleaseDamaged(str(directory), f"replaced {ATTEMPTS} times while it was being read")


def _pin_into(directory: Path, private: Path) -> Snapshot | None:
    """The snapshot, or None when ``directory`` was replaced while its files were linked."""
    before = _identity(directory)
    _link(directory / MANIFEST, private / MANIFEST)
    try:
        release = read_release(private)
    except (ValueError, KeyError, TypeError) as exc:
        raise ReleaseDamaged(str(directory / MANIFEST), f"unreadable ({exc})") from None
    names = [item.file for item in release.distributions] + [DESCRIPTION_FILE, CONTEXT_FILE]
    missing = [name for name in names if not _link(directory / name, private / name)]
    # A build never changes files in place, it swaps the whole folder: when the folder is the
    # same one after linking, every link came from one release.
    if _identity(directory) != before:
        return None
    if missing:
        raise ReleaseDamaged(str(directory / missing[0]), "listed in release.json but missing")
    for item in release.distributions:
        _verify(private / item.file, shown=directory / item.file, size=item.size, sha=item.sha256)
    small = {name: (private / name).read_bytes() for name in SMALL_FILES}
    released = int((private / MANIFEST).stat().st_mtime)
    return Snapshot(release=release, origin=directory, small=small, released=released)


def _verify(path: Path, *, shown: Path, size: int, sha: str) -> None:
    actual = path.stat().st_size
    if actual != size:
        raise ReleaseDamaged(str(shown), f"{actual:,} bytes, release.json says {size:,}")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha:
        raise ReleaseDamaged(str(shown), "SHA-256 differs from release.json")


def _identity(directory: Path) -> tuple[int, int]:
    try:
        stat = directory.stat()
    except FileNotFoundError:
        return (-1, -1)
    return (stat.st_dev, stat.st_ino)


def _link(source: Path, target: Path) -> bool:
    """Hard-link (or, where links are refused, copy) ``source``; False when it is missing."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        return False
    except OSError:
        try:
            shutil.copy2(source, target)  # with its times: the manifest's is the release's
        except FileNotFoundError:
            return False
    return True


def _private_folder(directory: Path) -> Path:
    """A new folder beside ``directory`` (same file system, so hard links work)."""
    prefix = f".{directory.name}.serving-{os.getpid()}-"
    try:
        return Path(tempfile.mkdtemp(prefix=prefix, dir=directory.parent))
    except OSError:  # a read-only parent: copies in the temporary folder instead
        return Path(tempfile.mkdtemp(prefix=prefix))


def _remove_abandoned(directory: Path) -> None:
    """Remove private folders of servers that ended without cleaning up (killed)."""
    with contextlib.suppress(OSError):
        for folder in directory.parent.glob(f".{directory.name}.serving-*"):
            pid = folder.name.split("serving-", 1)[1].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Served:
    """The snapshot a server serves, for the web layer.

    ``idmgraph serve`` pins it before opening the store; an application built without one (the
    tests' fixture stores) pins on first use. A remote store follows publications by itself:
    when it serves a version the pinned release is not, and the release folder holds that
    version, the folder is pinned again (:meth:`follow`, as each request begins) so downloads
    and VoID follow the store. The embedded store never changes version, so its snapshot is
    never replaced.
    """

    def __init__(self, directory: Path, snapshot: Snapshot | None = None) -> None:
        self._directory = directory
        self._snapshot = snapshot
        self._retired: list[Snapshot] = []
        self._pinning: asyncio.Future[Snapshot | None] | None = None

    def current(self, version: str) -> Snapshot:
        """The snapshot of release ``version``, or the one pinned when none is of it.

        Nothing is pinned anew here but the first time: :meth:`follow` does that, off the
        event loop, before a request reads anything.
        """
        if self._snapshot is None:
            self._snapshot = pin(self._directory)
        return self._retired_as(version) or self._snapshot

    async def follow(self, version: str) -> None:
        """Pin the release folder anew when the store serves ``version``, which the pinned
        release is not and the folder now holds.

        Pinning hashes every dump (hundreds of MB for the whole catalogues): it runs in a
        thread, once, and the requests that arrive meanwhile wait for it, not the event loop.
        """
        if self._snapshot is None or self._snapshot.version == version:
            return
        if self._retired_as(version) is not None or self._folder_version() != version:
            return
        if self._pinning is None:
            self._pinning = asyncio.ensure_future(asyncio.to_thread(self._pin_of, version))
            self._pinning.add_done_callback(self._pinned)
        await asyncio.shield(self._pinning)

    def _pin_of(self, version: str) -> Snapshot | None:
        """The release folder pinned, if it still holds ``version`` and is whole (in a thread)."""
        try:
            newer = pin(self._directory)
        except ReleaseDamaged:  # serve the verified release rather than a damaged one
            return None
        if newer.version != version:  # rebuilt again meanwhile
            newer.close()
            return None
        return newer

    def _pinned(self, done: asyncio.Future[Snapshot | None]) -> None:
        # on the event loop: the snapshots change between two requests' reads, never during one
        self._pinning = None
        newer = None if done.cancelled() or done.exception() else done.result()
        if newer is None or self._snapshot is None:
            return
        self._retired.append(self._snapshot)
        self._snapshot = newer
        while len(self._retired) > RETIRED_KEPT:  # dist/versions/ keeps them anyway
            self._retired.pop(0).close()

    def _retired_as(self, version: str) -> Snapshot | None:
        return next((old for old in self._retired if old.version == version), None)

    def _folder_version(self) -> str | None:
        """The version the release folder holds (its manifest only: cheap, nothing verified)."""
        try:
            return read_release(self._directory).version
        except (IdmGraphError, OSError, ValueError, KeyError, TypeError):
            return None

    def released(self, version: str) -> int | None:
        """When release ``version`` was written, if it is the one served; else None.

        None also before anything is pinned: an application over one of the tests' fixture
        stores, which names no release folder, pins only when a download is asked for.
        """
        if self._snapshot is None:
            return None
        snapshot = self.current(version)
        return snapshot.released if snapshot.version == version else None

    def earlier(self, version: str, name: str) -> Path | None:
        """A file of another release this server served, or one kept in ``dist/versions/``."""
        for old in self._retired:
            if old.version == version and old.path(name).is_file():
                return old.path(name)
        return self._snapshot.earlier(version, name) if self._snapshot is not None else None

    def close(self) -> None:
        """Remove the private folders."""
        for snapshot in (*self._retired, *([self._snapshot] if self._snapshot else [])):
            snapshot.close()


@dataclass(frozen=True, kw_only=True)
class Serving:
    """A store and the pinned release it holds: what ``create_app`` serves."""

    store: Store
    served: Served


def open_served(settings: Settings) -> Serving:
    """Pin the release in ``settings.release_dir`` and open the store over the pinned copy."""
    snapshot = pin(settings.release_dir)
    try:
        store = open_store(settings, release=snapshot.release)
    except BaseException:
        snapshot.close()
        raise
    return Serving(store=store, served=Served(settings.release_dir, snapshot))
