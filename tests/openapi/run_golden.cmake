# Runs protoc-gen-grpcgw with `openapi` on tests/protos/openapi/small.proto
# and compares the document with tests/openapi/golden/small.openapi.json byte
# for byte. After an intended change of the output, rewrite the golden file
# with -DUPDATE=ON (and review the diff).
#
#   cmake -DPROTOC=<protoc> -DPLUGIN=<protoc-gen-grpcgw> -DPROTO_DIR=<grpcgw/proto>
#         -DSOURCE_DIR=<grpcgw/tests> -DWORK_DIR=<scratch dir> [-DUPDATE=ON]
#         -P run_golden.cmake
cmake_minimum_required(VERSION 3.16)

foreach(var PROTOC PLUGIN PROTO_DIR SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "run_golden.cmake: -D${var}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

execute_process(
  COMMAND "${PROTOC}" "-I${SOURCE_DIR}/protos/openapi" "-I${PROTO_DIR}"
    "--plugin=protoc-gen-grpcgw=${PLUGIN}" "--grpcgw_out=${WORK_DIR}" "--grpcgw_opt=openapi"
    "${SOURCE_DIR}/protos/openapi/small.proto"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "protoc failed (${rc}):\n${err}")
endif()

set(golden "${SOURCE_DIR}/openapi/golden/small.openapi.json")
set(written "${WORK_DIR}/small.openapi.json")
if(UPDATE)
  configure_file("${written}" "${golden}" COPYONLY)
  message(STATUS "rewrote ${golden}")
  return()
endif()
file(READ "${golden}" expected)
file(READ "${written}" actual)
if(NOT expected STREQUAL actual)
  find_program(DIFF diff)
  set(diff_text "")
  if(DIFF)
    execute_process(COMMAND "${DIFF}" -u "${golden}" "${written}" OUTPUT_VARIABLE diff_text)
  endif()
  message(FATAL_ERROR "small.openapi.json differs from ${golden}:\n${diff_text}\n"
    "If the change is intended, rerun with -DUPDATE=ON and review the diff.")
endif()
message(STATUS "small.openapi.json matches the golden file")
