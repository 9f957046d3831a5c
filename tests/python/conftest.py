"""Shared pytest set-up for the Python suites.

libgcc's unwinder goes into the global symbol scope before anything loads GStreamer. Debian's
libgstreamer links LLVM's libunwind, and PyGObject opens libgstreamer with RTLD_GLOBAL; C++
libraries loaded after that (OpenVINO's) would bind `_Unwind_Resume` to libunwind while using
libgcc's personality routine, and abort on their first internal exception.
"""

import ctypes

ctypes.CDLL("libgcc_s.so.1", mode=ctypes.RTLD_GLOBAL)
