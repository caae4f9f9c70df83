// <relacy/relacy.hpp> without the macros its last lines leave behind (new, delete, malloc,
// calloc, realloc, free, assert, errno), for every TU that includes Relacy: weft::relacy's own
// sources, the benchmark's Relacy half and, through weft/relacy/platform.hpp (which removes
// Relacy's other macros too), every check. Include it after every standard header the TU needs: Relacy's macros would rewrite
// them.
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
