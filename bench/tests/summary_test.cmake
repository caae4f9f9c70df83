# cmake -DBENCH=<weft_mailbox_bench> -DFIXTURE=<result.json> -DWORK=<dir> -DEXPECT=<regex>
#       [-DREJECT=<regex>] -P summary_test.cmake
#
# Judges a stored result again (`--summarize`, which rewrites the file, so on a copy in WORK)
# and checks the printed summary: EXPECT must match it, REJECT must not.
cmake_minimum_required(VERSION 3.25)
foreach(v BENCH FIXTURE WORK EXPECT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "summary_test.cmake: -D${v}=... is required")
  endif()
endforeach()
get_filename_component(name "${FIXTURE}" NAME)
file(MAKE_DIRECTORY "${WORK}")
file(COPY_FILE "${FIXTURE}" "${WORK}/${name}")
execute_process(COMMAND "${BENCH}" --summarize "${WORK}/${name}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--summarize ${name} exited ${rc}:\n${out}${err}")
endif()
if(NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "the summary of ${name} does not match '${EXPECT}':\n${out}")
endif()
if(DEFINED REJECT AND out MATCHES "${REJECT}")
  message(FATAL_ERROR "the summary of ${name} matches '${REJECT}', which it must not:\n${out}")
endif()
message(STATUS "${out}")
