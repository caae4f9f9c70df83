#include <weft/core/os_platform.hpp>

#include <pthread.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <random>

namespace weft {
namespace {

__extension__ typedef unsigned __int128 uint128;

std::atomic<std::uint32_t> next_thread_id{0};

struct xoshiro256ss {
  std::uint64_t s[4];
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  explicit xoshiro256ss(std::uint64_t seed) {
    for (auto& w : s) {  // splitmix64 expansion of the seed
      seed += 0x9e3779b97f4a7c15ULL;
      std::uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      w = z ^ (z >> 31);
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s[1] * 5, 7) * 9;
    const std::uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }
};

thread_local const std::uint32_t this_id = next_thread_id.fetch_add(1, std::memory_order_relaxed);
thread_local xoshiro256ss rng{std::random_device{}() ^
                              (std::uint64_t{this_id} << 32)};

}  // namespace

std::uint32_t os::this_thread_id() noexcept { return this_id; }

std::uint64_t os::random(std::uint64_t bound) noexcept {
  // Lemire's multiply-shift range reduction: no division on the hot path.
  return static_cast<std::uint64_t>(
      (static_cast<uint128>(rng.next()) * bound) >> 64);
}

void os::thread::set_name(std::thread& t, const char* name) noexcept {
  if (name == nullptr || name[0] == '\0') return;
  char truncated[16] = {};  // Linux: at most 15 characters and the terminating zero
  for (std::size_t i = 0; i + 1 < sizeof truncated && name[i] != '\0'; ++i) truncated[i] = name[i];
  // A failure (the thread already gone) leaves the name unset, which is harmless.
  static_cast<void>(pthread_setname_np(t.native_handle(), truncated));
}

void os::assert_failed(const char* expr, const char* message,
                       weft::source_location where) noexcept {
  std::fprintf(stderr, "weft: assertion failed: %s (%s)\n  at %s:%u\n", message, expr,
               where.file_name(), static_cast<unsigned>(where.line()));
  std::fflush(stderr);
  std::abort();
}

}  // namespace weft
