"""Deny a process any Internet socket, with a seccomp filter: a second wall behind the query guard.

pyoxigraph evaluates `SERVICE` by opening an HTTP connection as soon as the query starts. The guard refuses such
queries before evaluation; this filter makes the query workers unable to open an IPv4/IPv6 socket at all (the
`socket()` call fails with EACCES), so even a query the guard misread could not reach the network. Unix sockets and
already open descriptors (the pipe to the parent) keep working. Linux on x86-64 or aarch64 only; elsewhere the
guard alone applies.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import platform
import socket
import sys

log = logging.getLogger("coopgraph.sandbox")

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_BPF_LD_W_ABS = 0x20
_BPF_JEQ_K = 0x15
_BPF_JGE_K = 0x35
_BPF_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_X32_SYSCALL_BIT = 0x40000000

# machine → (AUDIT_ARCH_*, number of the socket() system call)
_ARCHITECTURES = {
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}


class _Instruction(ctypes.Structure):
    _fields_ = (("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32))


class _Program(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction)))


def _filter(arch: int, socket_call: int) -> list[_Instruction]:
    """BPF: on another architecture or an x32 call, deny; socket(AF_INET|AF_INET6, …) fails; all else passes."""
    deny = _RET_ERRNO | errno.EACCES
    return [
        _Instruction(_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        _Instruction(_BPF_JEQ_K, 1, 0, arch),
        _Instruction(_BPF_RET_K, 0, 0, deny),
        _Instruction(_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        _Instruction(_BPF_JGE_K, 5, 0, _X32_SYSCALL_BIT),
        _Instruction(_BPF_JEQ_K, 0, 3, socket_call),
        _Instruction(_BPF_LD_W_ABS, 0, 0, 16),  # low half of args[0]: the address family
        _Instruction(_BPF_JEQ_K, 2, 0, socket.AF_INET),
        _Instruction(_BPF_JEQ_K, 1, 0, socket.AF_INET6),
        _Instruction(_BPF_RET_K, 0, 0, _RET_ALLOW),
        _Instruction(_BPF_RET_K, 0, 0, deny),
    ]


def deny_internet_sockets() -> bool:
    """Install the filter in this process (irreversibly); False, with a log line, where it is not available."""
    known = _ARCHITECTURES.get(platform.machine())
    if not sys.platform.startswith("linux") or known is None:
        log.warning("network sandbox unavailable on %s/%s: the query guard alone applies", sys.platform, known)
        return False
    instructions = _filter(*known)
    array = (_Instruction * len(instructions))(*instructions)
    program = _Program(len(instructions), array)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    libc.prctl.restype = ctypes.c_int
    address = ctypes.cast(ctypes.pointer(program), ctypes.c_void_p).value or 0
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.prctl(
        _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, address, 0, 0
    ):
        errno_value = ctypes.get_errno()
        log.warning("network sandbox refused by the kernel (errno %d): the query guard alone applies", errno_value)
        return False
    return True
