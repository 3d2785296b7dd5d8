"""Limits the processes that evaluate queries put on themselves before they touch a query.

**No network.** Oxigraph evaluates ``SERVICE`` by opening an HTTP connection, and no switch
turns that off; so a process that evaluates queries installs a seccomp filter under which
creating any socket but a Unix one fails with EPERM (as does ``io_uring_setup``, which could
create sockets without the ``socket`` call). The filter is inherited by every process forked
afterwards and can never be removed, so it holds whatever the query text says.

**Bounded memory.** A worker watches its own resident memory and ends the query that grows it
past its allowance; an address-space limit well above that allowance is the backstop for an
allocation burst faster than the watch.
"""

from __future__ import annotations

import errno
import os
import resource
import socket
import sys

from idmgraph.base.errors import ConfigurationError

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def block_network() -> None:
    """Make every later socket other than AF_UNIX fail in this process and its children."""
    if sys.platform != "linux":
        raise ConfigurationError(
            "queries are kept off the network by a Linux seccomp filter; on this system "
            "set service_allowlist to accept queries evaluated with network access"
        )
    try:
        import pyseccomp as seccomp
    except (ImportError, OSError) as exc:  # the package, or libseccomp.so.2, is missing
        raise ConfigurationError(f"cannot keep queries off the network: {exc}") from exc
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    denied = seccomp.ERRNO(errno.EPERM)
    rules.add_rule(denied, "socket", seccomp.Arg(0, seccomp.NE, socket.AF_UNIX))
    rules.add_rule(denied, "io_uring_setup")
    rules.load()


def network_blocked() -> bool:
    """Whether this process can no longer open an Internet socket (for tests and health)."""
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
    except PermissionError:
        return True
    return False


def resident_bytes() -> int:
    """Resident memory of this process, from /proc (0 where there is none)."""
    try:
        with open("/proc/self/statm", "rb") as statm:  # noqa: PTH123 - read in a hot loop
            return int(statm.read().split()[1]) * PAGE_BYTES
    except OSError:
        return 0


def cap_address_space(extra_bytes: int) -> None:
    """Limit this process's address space to what it maps now plus ``extra_bytes``."""
    try:
        with open("/proc/self/statm", "rb") as statm:  # noqa: PTH123
            mapped = int(statm.read().split()[0]) * PAGE_BYTES
    except OSError:
        return
    limit = mapped + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
