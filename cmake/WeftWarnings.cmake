# Warning flags and sanitizers, applied to weft's own targets through weft_options.
add_library(weft_options INTERFACE)
add_library(weft::options ALIAS weft_options)
target_compile_options(weft_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)
if(WEFT_WARNINGS_AS_ERRORS)
  target_compile_options(weft_options INTERFACE -Werror)
endif()
if(WEFT_SANITIZE)
  target_compile_options(weft_options INTERFACE -fsanitize=${WEFT_SANITIZE} -fno-omit-frame-pointer
    -fno-sanitize-recover=all)
  target_link_options(weft_options INTERFACE -fsanitize=${WEFT_SANITIZE})
  # Tell weft's fiber code to announce stack switches to the sanitizer.
  if(WEFT_SANITIZE MATCHES "address")
    target_compile_definitions(weft_options INTERFACE WEFT_ASAN_FIBERS=1)
  endif()
  if(WEFT_SANITIZE MATCHES "thread")
    target_compile_definitions(weft_options INTERFACE WEFT_TSAN_FIBERS=1)
  endif()
endif()
