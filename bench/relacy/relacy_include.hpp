// <relacy/relacy.hpp> without the macros its last lines leave behind (new, delete, malloc,
// calloc, realloc, free, assert, errno), for the benchmark's TUs that include Relacy. Include it
// after every standard header the TU needs: Relacy's macros would rewrite them.
// (tests/relacy/relacy_platform.hpp does the same, and more, for the Relacy platform.)
#pragma once

#include <relacy/relacy.hpp>

#undef new
#undef delete
#undef malloc
#undef calloc
#undef realloc
#undef free
#undef assert
#undef errno
