# Installs the built grpcgw into a scratch prefix, builds tests/consumer
# against it with find_package(grpcgw CONFIG) and runs the result.
#
#   cmake -DSOURCE_DIR=<grpcgw source> -DBINARY_DIR=<grpcgw build, already built>
#         -DWORK_DIR=<scratch dir> [-DCXX_LAUNCHER=ccache] [-DBUILD_TYPE=...]
#         [-DCXX_FLAGS=<flags for compiling and linking, e.g. -fsanitize=address>]
#         [-DPROJECT_DIR=<another project, default tests/consumer>]
#         [-DRUN_PROGRAM=<program of the project to run, default consumer; empty: none>]
#         -P run_consumer_test.cmake
#
# tests/snippets/run_snippet_test.cmake includes this file for the
# documentation's code blocks.
# CXX_FLAGS must repeat the flags the library was built with when they
# change the ABI or need a runtime (sanitizers).
cmake_minimum_required(VERSION 3.16)

foreach(var SOURCE_DIR BINARY_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "run_consumer_test.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE RelWithDebInfo)
endif()
if(NOT PROJECT_DIR)
  set(PROJECT_DIR "${SOURCE_DIR}/tests/consumer")
endif()
if(NOT DEFINED RUN_PROGRAM)
  set(RUN_PROGRAM consumer)
endif()

set(prefix "${WORK_DIR}/prefix")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${prefix}" "${build}")

# Runs one step; any failure ends the test with the step's output.
function(step name)
  message(STATUS "consumer test: ${name}")
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test: ${name} failed (${rc})\n${out}\n${err}")
  endif()
  if(out MATCHES "[^ \n]")
    message(STATUS "${out}")
  endif()
endfunction()

step("install grpcgw into ${prefix}"
  "${CMAKE_COMMAND}" --install "${BINARY_DIR}" --prefix "${prefix}")

set(configure_args
  -S "${PROJECT_DIR}" -B "${build}"
  "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
if(CXX_LAUNCHER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER_LAUNCHER=${CXX_LAUNCHER}")
endif()
if(CXX_FLAGS)
  list(APPEND configure_args "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${CXX_FLAGS}")
endif()
step("configure the consumer project" "${CMAKE_COMMAND}" ${configure_args})

# The package must be the installed one, not the build tree.
file(STRINGS "${build}/CMakeCache.txt" grpcgw_dir REGEX "^grpcgw_DIR:")
string(FIND "${grpcgw_dir}" "=${prefix}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "consumer test: grpcgw was not found in ${prefix}: ${grpcgw_dir}")
endif()

step("build the consumer project" "${CMAKE_COMMAND}" --build "${build}" -j2)
if(RUN_PROGRAM)
  step("run ${RUN_PROGRAM}" "${build}/${RUN_PROGRAM}")
endif()
