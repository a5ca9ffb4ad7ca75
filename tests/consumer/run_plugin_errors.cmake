# Runs protoc with protoc-gen-grpcgw on the fixtures in tests/protos/plugin:
# each bad fixture must make protoc fail, write no header, and print an error
# that names the file, the method and the problem; valid.proto must succeed.
# The HTTP rules files in tests/protos/plugin/rules go with yaml_target.proto:
# each bad one must fail naming the rules file and line of every mistake;
# rules/valid.yaml must succeed and bind the methods.
#
#   cmake -DPROTOC=<protoc> -DPLUGIN=<protoc-gen-grpcgw> -DPROTO_DIR=<grpcgw/proto>
#         -DFIXTURES=<tests/protos/plugin> [-DWORK_DIR=<scratch dir>]
#         -P run_plugin_errors.cmake
cmake_minimum_required(VERSION 3.16)

foreach(var PROTOC PLUGIN PROTO_DIR FIXTURES)
  if(NOT ${var})
    message(FATAL_ERROR "run_plugin_errors.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT WORK_DIR)
  set(WORK_DIR "${CMAKE_CURRENT_BINARY_DIR}/plugin_errors")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")

set(failures 0)

# Runs the plugin on one fixture in a fresh output folder; sets rc, err, out_dir.
macro(run_plugin fixture)
  set(out_dir "${WORK_DIR}/${fixture}")
  file(MAKE_DIRECTORY "${out_dir}")
  execute_process(
    COMMAND "${PROTOC}" "-I${FIXTURES}" "-I${PROTO_DIR}"
      "--plugin=protoc-gen-grpcgw=${PLUGIN}" "--grpcgw_out=${out_dir}" "${fixture}.proto"
    WORKING_DIRECTORY "${FIXTURES}"
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
endmacro()

macro(fail fixture what)
  message(SEND_ERROR "${fixture}.proto: ${what}\n--- protoc stderr ---\n${err}")
  math(EXPR failures "${failures} + 1")
endmacro()

# expect_error(<fixture> <method full name> <problem substring>...)
function(expect_error fixture method)
  run_plugin(${fixture})
  if(rc EQUAL 0)
    fail(${fixture} "protoc succeeded, expected a failure")
  else()
    foreach(needle "--grpcgw_out: ${fixture}.proto: method ${method}: " ${ARGN})
      string(FIND "${err}" "${needle}" at)
      if(at EQUAL -1)
        fail(${fixture} "stderr does not contain \"${needle}\"")
      endif()
    endforeach()
    file(GLOB_RECURSE written "${out_dir}/*")
    if(written)
      fail(${fixture} "files were written despite the error: ${written}")
    endif()
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

expect_error(bad_template fixtures.bad_template.Store.GetItem
  "binding \"GET /v1/items/{name\": invalid path template" "unterminated variable")
expect_error(unknown_path_field fixtures.unknown_path_field.Store.GetItem
  "field \"nmae\" is not a field of fixtures.unknown_path_field.GetRequest")
expect_error(message_path_field fixtures.message_path_field.Store.GetItem
  "field \"item\" is a message (fixtures.message_path_field.Item)")
expect_error(unknown_body_field fixtures.unknown_body_field.Store.CreateItem
  "body \"itme\" is not a field of fixtures.unknown_body_field.CreateRequest")
expect_error(unknown_response_body fixtures.unknown_response_body.Store.GetItem
  "response_body \"title\" is not a top-level field of fixtures.unknown_response_body.Item")
expect_error(conflicting_bindings fixtures.conflicting_bindings.Store.GetItemById
  "binding \"GET /v1/items/{id}\" conflicts with \"GET /v1/items/{name}\" of method fixtures.conflicting_bindings.Store.GetItem")
# A method without google.api.http owns POST /<package>.<Service>/<Method>.
expect_error(default_binding_conflict fixtures.default_binding_conflict.Store.Put
  "binding \"POST /fixtures.default_binding_conflict.Store/Get\" conflicts with \"POST /fixtures.default_binding_conflict.Store/Get\" of method fixtures.default_binding_conflict.Store.Get")
expect_error(nested_additional_bindings fixtures.nested_additional_bindings.Store.GetItem
  "additional_bindings may not contain additional_bindings")
expect_error(unknown_sse_field fixtures.unknown_sse_field.Store.Watch
  "(grpcgw.method).sse_id_field \"sequence\" is not a top-level field of fixtures.unknown_sse_field.Event")
# Every problem of a file is reported, one line each, not only the first.
expect_error(several_problems fixtures.several_problems.Checks.Overlapping
  "binding \"GET /v1/{at}/{at.seconds}\": path variables \"at\" and \"at.seconds\" overlap"
  "several_problems.proto: method fixtures.several_problems.Checks.DottedBody: "
  "body \"inner.id\" must be \"*\" or a top-level field"
  "several_problems.proto: method fixtures.several_problems.Checks.ThroughRepeated: "
  "field path \"inner.many.id\": \"many\" must be a singular message field")

# expect_rules_error(<rules file name> <needle>...): protoc on yaml_target.proto
# with rules/<name>.yaml; "@FILE@" in a needle stands for the rules file.
function(expect_rules_error rules)
  set(rules_path "${FIXTURES}/rules/${rules}.yaml")
  set(out_dir "${WORK_DIR}/rules_${rules}")
  file(MAKE_DIRECTORY "${out_dir}")
  execute_process(
    COMMAND "${PROTOC}" "-I${FIXTURES}" "-I${PROTO_DIR}"
      "--plugin=protoc-gen-grpcgw=${PLUGIN}" "--grpcgw_out=${out_dir}"
      "--grpcgw_opt=openapi,http_rules=${rules_path}" "yaml_target.proto"
    WORKING_DIRECTORY "${FIXTURES}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(rc EQUAL 0)
    fail("rules/${rules}.yaml" "protoc succeeded, expected a failure")
  else()
    foreach(needle ${ARGN})
      string(REPLACE "@FILE@" "${rules_path}" needle "${needle}")
      string(FIND "${err}" "${needle}" at)
      if(at EQUAL -1)
        fail("rules/${rules}.yaml" "stderr does not contain \"${needle}\"")
      endif()
    endforeach()
    file(GLOB_RECURSE written "${out_dir}/*")
    if(written)
      fail("rules/${rules}.yaml" "files were written despite the error: ${written}")
    endif()
  endif()
  set(failures ${failures} PARENT_SCOPE)
endfunction()

expect_rules_error(unknown_keys
  "@FILE@:3: unknown key \"htpp\" in google.api.Service"
  "@FILE@:9: unknown key \"bdoy\" in an http rule")
expect_rules_error(unknown_selector
  "@FILE@:5: selector \"fixtures.yaml_target.Store.GetItme\" names no method (fixtures.yaml_target.Store has no method \"GetItme\")"
  "@FILE@:7: selector \"fixtures.yaml_target.Shop.GetItem\" names no method (no service \"fixtures.yaml_target.Shop\"")
expect_rules_error(invalid_template
  "@FILE@:6: binding \"GET /v1/items/{name\": invalid path template" "unterminated variable")
expect_rules_error(unknown_fields
  "@FILE@:6: method fixtures.yaml_target.Store.GetItem: binding \"GET /v1/items/{nmae}\": field \"nmae\" is not a field of fixtures.yaml_target.GetRequest"
  "@FILE@:8: method fixtures.yaml_target.Store.CreateItem: binding \"POST /v1/items\": body \"itme\" is not a field of fixtures.yaml_target.CreateRequest")
expect_rules_error(syntax_error "@FILE@:" "YAML syntax error")
expect_rules_error(bad_rules
  "@FILE@:7: an http rule has one pattern"
  "@FILE@:12: additional_bindings may not contain additional_bindings"
  "@FILE@:14: selector \"fixtures.yaml_target.Store.CreateItem\" already has a rule at @FILE@:8"
  "@FILE@:16: http rule has no pattern")
expect_rules_error(conflict
  "@FILE@:9: method fixtures.yaml_target.Store.CreateItem: binding \"POST /v1/items\" conflicts with \"POST /v1/items\" of method fixtures.yaml_target.Store.GetItem")

# A valid rules file binds the unannotated methods (and the OpenAPI
# document follows it).
set(out_dir "${WORK_DIR}/rules_valid")
file(MAKE_DIRECTORY "${out_dir}")
execute_process(
  COMMAND "${PROTOC}" "-I${FIXTURES}" "-I${PROTO_DIR}"
    "--plugin=protoc-gen-grpcgw=${PLUGIN}" "--grpcgw_out=${out_dir}"
    "--grpcgw_opt=openapi,http_rules=${FIXTURES}/rules/valid.yaml" "yaml_target.proto"
  WORKING_DIRECTORY "${FIXTURES}"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  fail(yaml_target "protoc with rules/valid.yaml failed (exit ${rc}), expected success")
else()
  file(READ "${out_dir}/yaml_target.grpcgw.h" header)
  file(READ "${out_dir}/yaml_target.openapi.json" document)
  foreach(needle "{\"GET\", \"/v1/{name=items/*}\", \"\", \"\"}" "{\"POST\", \"/v1/items\", \"item\", \"\"}"
                 "{\"PUT\", \"/v1/items:put\", \"*\", \"\"}")
    string(FIND "${header}" "${needle}" at)
    if(at EQUAL -1)
      fail(yaml_target "yaml_target.grpcgw.h has no binding ${needle}")
    endif()
  endforeach()
  string(FIND "${document}" "\"/v1/items:put\": {" at)
  if(at EQUAL -1)
    fail(yaml_target "yaml_target.openapi.json has no path /v1/items:put")
  endif()
endif()

# The valid fixture generates its header.
run_plugin(valid)
if(NOT rc EQUAL 0)
  fail(valid "protoc failed (exit ${rc}), expected success")
elseif(NOT EXISTS "${out_dir}/valid.grpcgw.h")
  fail(valid "valid.grpcgw.h was not written")
else()
  file(STRINGS "${out_dir}/valid.grpcgw.h" first_line LIMIT_COUNT 1)
  if(NOT first_line STREQUAL "// Generated by protoc-gen-grpcgw from valid.proto. DO NOT EDIT.")
    fail(valid "unexpected first line: ${first_line}")
  endif()
endif()

if(failures GREATER 0)
  message(FATAL_ERROR "${failures} plugin check(s) failed")
endif()
message(STATUS "protoc-gen-grpcgw: all error checks passed")
