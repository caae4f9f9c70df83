// weft/core/default_platform.hpp — the platform that runtime types use when none is named.
//
// weft::default_platform is weft::os unless WEFT_DEFAULT_PLATFORM names another complete type
// before this header is included. Every platform is always compiled and tested: the macro
// only picks the default, it never hides a backend.
#pragma once

#include <weft/core/os_platform.hpp>

namespace weft {
#ifdef WEFT_DEFAULT_PLATFORM
using default_platform = WEFT_DEFAULT_PLATFORM;
#else
using default_platform = os;
#endif
static_assert(platform<default_platform>);
}  // namespace weft
