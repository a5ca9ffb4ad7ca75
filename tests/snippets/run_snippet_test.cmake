# Builds the code blocks of README.md and docs/*.md (see
# extract_snippets.py) as a project against an installed grpcgw, the way
# tests/consumer is built.
#
#   cmake -DSOURCE_DIR=... -DBINARY_DIR=... -DWORK_DIR=... -DPYTHON=python3
#         [-DCXX_LAUNCHER=ccache] [-DCXX_FLAGS=...] -P run_snippet_test.cmake
cmake_minimum_required(VERSION 3.16)
foreach(var SOURCE_DIR WORK_DIR PYTHON)
  if(NOT ${var})
    message(FATAL_ERROR "run_snippet_test.cmake: -D${var}=... is required")
  endif()
endforeach()

set(PROJECT_DIR "${WORK_DIR}/project")
execute_process(COMMAND "${PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/extract_snippets.py" "${SOURCE_DIR}" "${PROJECT_DIR}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "snippet test: the documentation's code blocks cannot be extracted:\n${err}")
endif()
message(STATUS "snippet test: blocks extracted\n${out}")

set(RUN_PROGRAM "")  # the programs serve forever: compiling and linking them is the test
include("${SOURCE_DIR}/tests/consumer/run_consumer_test.cmake")
