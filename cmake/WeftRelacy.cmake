# Finds the Relacy Race Detector (Debian relacy-dev, header-only under /usr/include/relacy) for
# the targets that include it: bench/relacy (the weft-vs-Relacy benchmark) and tests/relacy (the
# Relacy platform and its checks). Sets WEFT_RELACY_INCLUDE_DIR or stops with how to fix it.
include_guard(GLOBAL)

find_path(WEFT_RELACY_INCLUDE_DIR NAMES relacy/relacy.hpp
  DOC "Directory containing relacy/relacy.hpp (relacy-dev)")
if(NOT WEFT_RELACY_INCLUDE_DIR)
  message(FATAL_ERROR "relacy/relacy.hpp not found: install relacy-dev or set WEFT_RELACY_INCLUDE_DIR")
endif()
