// sanitizer_fibers.hpp (private to the simulator) — telling the sanitizers about fiber switches.
//
// AddressSanitizer must know which stack runs (start/finish around each switch), and
// ThreadSanitizer needs a fiber object per simulated thread. The build defines
// WEFT_ASAN_FIBERS / WEFT_TSAN_FIBERS in sanitizer builds; otherwise every hook is empty.
#pragma once

#include <cstddef>

#if defined(WEFT_ASAN_FIBERS)
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(WEFT_TSAN_FIBERS)
#include <sanitizer/tsan_interface.h>
#endif

namespace weft::sim::detail::sanitizer {

inline constexpr bool fibers_annotated =
#if defined(WEFT_ASAN_FIBERS) || defined(WEFT_TSAN_FIBERS)
    true;
#else
    false;
#endif

// ThreadSanitizer: the OS thread's own fiber, new fibers, and the switch.
inline void* tsan_current() noexcept {
#if defined(WEFT_TSAN_FIBERS)
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}
inline void* tsan_create() noexcept {
#if defined(WEFT_TSAN_FIBERS)
  return __tsan_create_fiber(0);
#else
  return nullptr;
#endif
}
inline void tsan_destroy(void* fiber) noexcept {
#if defined(WEFT_TSAN_FIBERS)
  __tsan_destroy_fiber(fiber);
#else
  static_cast<void>(fiber);
#endif
}
inline void tsan_switch(void* fiber) noexcept {
#if defined(WEFT_TSAN_FIBERS)
  __tsan_switch_to_fiber(fiber, 0);
#else
  static_cast<void>(fiber);
#endif
}

// AddressSanitizer: before a switch to the stack [bottom, bottom + size), and after arriving.
inline void asan_start(void** fake_stack, const void* bottom, std::size_t size) noexcept {
#if defined(WEFT_ASAN_FIBERS)
  __sanitizer_start_switch_fiber(fake_stack, bottom, size);
#else
  static_cast<void>(fake_stack);
  static_cast<void>(bottom);
  static_cast<void>(size);
#endif
}
inline void asan_finish(void* fake_stack, const void** old_bottom,
                        std::size_t* old_size) noexcept {
#if defined(WEFT_ASAN_FIBERS)
  __sanitizer_finish_switch_fiber(fake_stack, old_bottom, old_size);
#else
  static_cast<void>(fake_stack);
  static_cast<void>(old_bottom);
  static_cast<void>(old_size);
#endif
}

}  // namespace weft::sim::detail::sanitizer
