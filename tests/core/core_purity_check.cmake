# core_purity_check.cmake — fails if core/ names a raw std threading primitive.
#
#   cmake -DCORE_DIR=<path to core> -P core_purity_check.cmake
#
# Code in core/ is written against the platform concept only: fibers share one OS thread, so
# atomics, locks, threads, thread identity and thread-local state must come from the platform
# (docs: DESIGN.md section 2). This script scans every source under CORE_DIR/include,
# CORE_DIR/src and CORE_DIR/runtime/include for the tokens std::atomic (which also catches std::atomic_ref, std::atomic_flag
# and std::atomic_thread_fence), std::mutex, std::condition_variable, std::thread,
# std::this_thread and thread_local (as a whole word). Excluded: os_platform.hpp and
# os_platform.cpp, which implement the real platform; lines that start with // (after
# indentation); and the tail of a line from a // comment on. Block comments are not parsed.
# On violations it prints file:line: token for each and fails.

if(NOT DEFINED CORE_DIR OR CORE_DIR STREQUAL "")
  message(FATAL_ERROR "core_purity_check: pass -DCORE_DIR=<path to core/>")
endif()
if(NOT IS_DIRECTORY "${CORE_DIR}")
  message(FATAL_ERROR "core_purity_check: CORE_DIR '${CORE_DIR}' is not a directory")
endif()

set(patterns
  "std::atomic"
  "std::mutex"
  "std::condition_variable"
  "std::thread"
  "std::this_thread"
  "thread_local")
# The regex that finds each token; thread_local must be a whole word.
set(regex_std::atomic "std::atomic")
set(regex_std::mutex "std::mutex")
set(regex_std::condition_variable "std::condition_variable")
set(regex_std::thread "std::thread")
set(regex_std::this_thread "std::this_thread")
set(regex_thread_local "(^|[^A-Za-z0-9_])thread_local([^A-Za-z0-9_]|$)")

set(files)
foreach(dir include src runtime/include)
  if(IS_DIRECTORY "${CORE_DIR}/${dir}")
    file(GLOB_RECURSE found LIST_DIRECTORIES false
      "${CORE_DIR}/${dir}/*.hpp" "${CORE_DIR}/${dir}/*.h" "${CORE_DIR}/${dir}/*.ipp"
      "${CORE_DIR}/${dir}/*.cpp" "${CORE_DIR}/${dir}/*.cc")
    list(APPEND files ${found})
  endif()
endforeach()
list(SORT files)

set(hits "")
set(count 0)
set(scanned 0)
foreach(file IN LISTS files)
  get_filename_component(name "${file}" NAME)
  if(name STREQUAL "os_platform.hpp" OR name STREQUAL "os_platform.cpp")
    continue()
  endif()
  math(EXPR scanned "${scanned} + 1")
  file(RELATIVE_PATH shown "${CORE_DIR}" "${file}")
  # Split into lines as a CMake list. Characters that list handling treats specially (';',
  # '\\' before a newline, unbalanced '[' ']') cannot be part of a token, so neutralise them.
  file(READ "${file}" content)
  string(REPLACE ";" "," content "${content}")
  string(REPLACE "\\" "/" content "${content}")
  string(REPLACE "[" "(" content "${content}")
  string(REPLACE "]" ")" content "${content}")
  string(REPLACE "\n" ";" lines "${content}")
  set(line_number 0)
  foreach(line IN LISTS lines)
    math(EXPR line_number "${line_number} + 1")
    string(STRIP "${line}" stripped)
    if(stripped MATCHES "^//")
      continue()
    endif()
    string(FIND "${line}" "//" comment_at)
    if(comment_at GREATER_EQUAL 0)
      string(SUBSTRING "${line}" 0 ${comment_at} line)
    endif()
    foreach(token IN LISTS patterns)
      if(line MATCHES "${regex_${token}}")
        string(APPEND hits "\n  ${shown}:${line_number}: ${token}")
        math(EXPR count "${count} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()

if(count GREATER 0)
  message(FATAL_ERROR
    "core purity check: ${count} forbidden token(s) in ${CORE_DIR} (use the platform's "
    "P::atomic, P::mutex, P::condition_variable, P::thread, P::this_thread_id() instead; only "
    "os_platform.hpp/.cpp may name std primitives):${hits}\n${count} forbidden token(s) found")
endif()
message(STATUS "core purity check: ${scanned} file(s) under ${CORE_DIR} are clean")
