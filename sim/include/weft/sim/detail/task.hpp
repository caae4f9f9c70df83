// weft/sim/detail/task.hpp — the body of a simulated thread, stored without allocating.
//
// Thread-safety: a task belongs to the runtime that owns its thread slot (one OS thread).
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace weft::sim::detail {

// Type-erased, move-only callable with inline storage: spawning a thread does not allocate
// unless its closure is larger than the buffer.
class task {
 public:
  static constexpr std::size_t inline_size = 96;
  task() = default;
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  template <class F>
  void emplace(F&& f) {
    using fn = std::decay_t<F>;
    reset();
    if constexpr (sizeof(fn) <= inline_size && alignof(fn) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<fn>) {
      ::new (static_cast<void*>(buffer_)) fn(std::forward<F>(f));
      target_ = buffer_;
      invoke_ = [](void* p) { (*static_cast<fn*>(p))(); };
      destroy_ = [](void* p) { static_cast<fn*>(p)->~fn(); };
    } else {
      target_ = new fn(std::forward<F>(f));
      invoke_ = [](void* p) { (*static_cast<fn*>(p))(); };
      destroy_ = [](void* p) { delete static_cast<fn*>(p); };
    }
  }
  void operator()() { invoke_(target_); }
  explicit operator bool() const noexcept { return target_ != nullptr; }
  void reset() noexcept {
    if (target_ != nullptr) {
      destroy_(target_);
      target_ = nullptr;
    }
  }

 private:
  alignas(std::max_align_t) unsigned char buffer_[inline_size];
  void* target_ = nullptr;
  void (*invoke_)(void*) = nullptr;
  void (*destroy_)(void*) = nullptr;
};

}  // namespace weft::sim::detail
