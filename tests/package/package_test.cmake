# cmake -DMODE=find_package|add_subdirectory|deb -DWORK=<scratch dir> -DWEFT_BUILD_DIR=<built weft>
#       -DWEFT_SOURCE_DIR=<weft checkout> -DCONSUMER_DIR=<tests/consumer> -DCXX=<compiler>
#       [-DLAUNCHER=<ccache>] -DGENERATOR=<generator> -DVERSION=<weft version> -P package_test.cmake
#
#   find_package      installs the built weft into WORK/prefix, checks what was installed, then
#                     configures, builds and runs tests/consumer against that prefix, with fmt
#                     and CLI11 made unfindable (linking weft needs neither), and replays a
#                     failure of the consumer's own-scenario binary with the command it printed;
#   add_subdirectory  configures tests/consumer with weft's source tree inside it (without the
#                     tool, and with fmt and CLI11 made unfindable), builds its test and runs it;
#   deb               packs the install with CPack as a .deb and checks its contents and fields.
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " shown "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${shown}\n${out}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected to match '${regex}', got:\n${text}")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")
set(configure_common -G "${GENERATOR}" -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Debug)
if(LAUNCHER)
  list(APPEND configure_common -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()

if(MODE STREQUAL "find_package")
  set(prefix "${WORK}/prefix")
  run(${CMAKE_COMMAND} --install "${WEFT_BUILD_DIR}" --prefix "${prefix}")
  file(GLOB_RECURSE configs "${prefix}/*/weftConfig.cmake")
  list(LENGTH configs n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one installed weftConfig.cmake, found: ${configs}")
  endif()
  foreach(f IN ITEMS bin/weft include/weft/version.hpp include/weft/core/platform.hpp
                     include/weft/core/mailbox.hpp include/weft/sim/gtest.hpp
                     include/weft/traces/trace_io.hpp include/weft/relacy/platform.hpp)
    if(NOT EXISTS "${prefix}/${f}")
      message(FATAL_ERROR "not installed: ${f}")
    endif()
  endforeach()
  run("${prefix}/bin/weft" --version)
  expect_match("${last_output}" "weft ${VERSION}" "the installed tool's --version")
  run("${prefix}/bin/weft" list)
  expect_match("${last_output}" "lost-update" "the installed tool's list")

  set(build "${WORK}/consumer")
  run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${build}" ${configure_common}
      "-DCMAKE_PREFIX_PATH=${prefix}"
      -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON)
  run(${CMAKE_COMMAND} --build "${build}")
  run(${CMAKE_CTEST_COMMAND} --test-dir "${build}" --output-on-failure)
  expect_match("${last_output}" "100% tests passed" "the consumer's tests")
  if(EXISTS "/usr/include/relacy/relacy.hpp")
    expect_match("${last_output}" "consumer_relacy" "the consumer's Relacy check")
  endif()
  expect_match("${last_output}" "consumer_cli_finds_the_bug" "the consumer's own-scenario binary")
  # The failure's report ends with a command that replays it with the consumer's binary.
  execute_process(COMMAND "${build}/consumer_cli" explore withdraw-bug --iterations 2000 --seed 1
                          --trace-dir "${WORK}/cli-traces"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "consumer_cli explore withdraw-bug: exit ${rc}, expected 1\n${out}${err}")
  endif()
  string(REGEX MATCH "'[^'\n]*consumer_cli' replay '[^'\n]*'" replay_line "${out}")
  if(NOT replay_line)
    message(FATAL_ERROR "no replay command for consumer_cli in:\n${out}")
  endif()
  execute_process(COMMAND sh -c "${replay_line}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT out MATCHES "reproduced assertion")
    message(FATAL_ERROR "the printed replay command (${replay_line}) gave exit ${rc}:\n${out}${err}")
  endif()
elseif(MODE STREQUAL "add_subdirectory")
  set(build "${WORK}/consumer")
  # Without the tool, a user who links only the simulator needs neither fmt nor CLI11.
  run(${CMAKE_COMMAND} -S "${CONSUMER_DIR}" -B "${build}" ${configure_common}
      "-DWEFT_CONSUMER_SOURCE=${WEFT_SOURCE_DIR}" -DWEFT_BUILD_TOOL=OFF
      -DCMAKE_DISABLE_FIND_PACKAGE_fmt=ON -DCMAKE_DISABLE_FIND_PACKAGE_CLI11=ON)
  run(${CMAKE_COMMAND} --build "${build}" --target consumer_test)
  run(${CMAKE_CTEST_COMMAND} --test-dir "${build}" -R "^consumer_test$" --output-on-failure)
  expect_match("${last_output}" "100% tests passed" "the consumer's test")
elseif(MODE STREQUAL "deb")
  find_program(DPKG_DEB dpkg-deb REQUIRED)
  run(cpack -G DEB --config "${WEFT_BUILD_DIR}/CPackConfig.cmake" -B "${WORK}")
  file(GLOB debs "${WORK}/*.deb")
  list(LENGTH debs n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "expected one .deb in ${WORK}, found: ${debs}")
  endif()
  run(${DPKG_DEB} --contents ${debs})
  foreach(f IN ITEMS "./usr/bin/weft" "./usr/include/weft/sim/platform.hpp"
                     "./usr/include/weft/relacy/runner.hpp" "/cmake/weft/weftConfig.cmake"
                     "/cmake/weft/weftConfigVersion.cmake" "/libweft_sim.a")
    string(FIND "${last_output}" "${f}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "the .deb does not hold ${f}:\n${last_output}")
    endif()
  endforeach()
  run(${DPKG_DEB} --field ${debs} Package Version Depends)
  expect_match("${last_output}" "Package: weft" "the .deb's Package")
  expect_match("${last_output}" "Version: ${VERSION}" "the .deb's Version")
  expect_match("${last_output}" "Depends: [^\n]*libboost-context-dev" "the .deb's Depends")
else()
  message(FATAL_ERROR "MODE must be find_package, add_subdirectory or deb")
endif()
message(STATUS "package ${MODE}: ok")
