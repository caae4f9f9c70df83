// A fixture for tests/core/core_purity_check.cmake: the lines that say "violation" are hits,
// the rest are not (comments, look-alike identifiers, os_platform files). Never compiled.
#define CONTINUED(x) \
  do { x; } while (false)
int thread_local_count[2] = {0};  // an identifier that merely contains thread_local [

std::mutex m; /* violation */
thread_local int tls = 0; /* violation */
std::atomic<int> a{0};  // violation, and std::thread in this comment is not
  std::this_thread::yield(); /* violation */
void f() { std::thread t([] {}); t.join(); } /* violation */
std::condition_variable cv; /* violation */
    // std::mutex in an indented comment line is fine
