# grpcgw_generate(TARGET <target> PROTOS <file.proto>... [IMPORT_DIRS <dir>...]
#                 [OUT_DIR <dir>] [NO_GRPC] [NO_GATEWAY]
#                 [OPENAPI] [HTTP_RULES <rules.yaml>...])
#
# Runs protoc on PROTOS with the C++ generator, gRPC's C++ plugin and
# protoc-gen-grpcgw, adds the generated sources to TARGET and puts the output
# folder on its include path. Each proto's import path is the IMPORT_DIRS
# folder that holds it (else its own folder); grpcgw's own protos
# (google/api/*.proto, grpcgw/options.proto) and protobuf's well-known types
# are always importable. NO_GRPC leaves out the gRPC stubs (and the gateway
# tables, which need them); NO_GATEWAY leaves out only the gateway tables.
#
# OPENAPI also writes <OUT_DIR>/<proto>.openapi.json (OpenAPI 3.1, for the
# gateway's default options) and embeds what the gateway needs to serve the
# document itself (GatewayOptions::openapi). HTTP_RULES gives gRPC API
# Configuration files (google.api.Service YAML) whose `http.rules` bind
# methods instead of their google.api.http annotations; protoc then runs once
# for all PROTOS, so that every selector can be checked.
#
# Uses GRPCGW_PROTO_DIR, GRPCGW_PLUGIN (a target or a path) and
# GRPCGW_GRPC_CPP_PLUGIN, which the grpcgw package (or grpcgw's own build) sets.
function(grpcgw_generate)
  cmake_parse_arguments(G "NO_GRPC;NO_GATEWAY;OPENAPI" "TARGET;OUT_DIR" "PROTOS;IMPORT_DIRS;HTTP_RULES" ${ARGN})
  if(NOT G_TARGET OR NOT G_PROTOS)
    message(FATAL_ERROR "grpcgw_generate: TARGET and PROTOS are required")
  endif()
  if(NOT G_OUT_DIR)
    set(G_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/grpcgw_generated/${G_TARGET}")
  endif()
  file(MAKE_DIRECTORY "${G_OUT_DIR}")

  set(import_dirs "")
  foreach(dir IN LISTS G_IMPORT_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND import_dirs "${dir}")
  endforeach()

  set(protoc_plugins "")
  set(plugin_deps "")
  set(gw_options "")
  set(rules_files "")
  if(G_OPENAPI)
    list(APPEND gw_options "openapi")
  endif()
  foreach(rules IN LISTS G_HTTP_RULES)
    get_filename_component(rules "${rules}" ABSOLUTE)
    list(APPEND rules_files "${rules}")
    list(APPEND gw_options "http_rules=${rules}")
  endforeach()
  if(gw_options AND (G_NO_GRPC OR G_NO_GATEWAY))
    message(FATAL_ERROR "grpcgw_generate: OPENAPI and HTTP_RULES need the gateway tables (no NO_GRPC, NO_GATEWAY)")
  endif()
  if(NOT G_NO_GRPC)
    if(TARGET ${GRPCGW_GRPC_CPP_PLUGIN})
      set(grpc_plugin "$<TARGET_FILE:${GRPCGW_GRPC_CPP_PLUGIN}>")
    else()
      set(grpc_plugin "${GRPCGW_GRPC_CPP_PLUGIN}")
    endif()
    list(APPEND protoc_plugins "--grpc_out=${G_OUT_DIR}" "--plugin=protoc-gen-grpc=${grpc_plugin}")
    if(NOT G_NO_GATEWAY)
      if(TARGET ${GRPCGW_PLUGIN})
        set(gw_plugin "$<TARGET_FILE:${GRPCGW_PLUGIN}>")
        list(APPEND plugin_deps ${GRPCGW_PLUGIN})
      else()
        set(gw_plugin "${GRPCGW_PLUGIN}")
        list(APPEND plugin_deps "${GRPCGW_PLUGIN}")
      endif()
      list(APPEND protoc_plugins "--grpcgw_out=${G_OUT_DIR}" "--plugin=protoc-gen-grpcgw=${gw_plugin}")
      foreach(option IN LISTS gw_options)
        list(APPEND protoc_plugins "--grpcgw_opt=${option}")
      endforeach()
    endif()
  endif()

  # Each proto may import the others: any of them changing regenerates all.
  set(all_protos "")
  foreach(proto IN LISTS G_PROTOS)
    get_filename_component(abs "${proto}" ABSOLUTE)
    list(APPEND all_protos "${abs}")
  endforeach()

  set(sources "")
  set(all_outputs "")
  set(all_include_flags "")
  set(all_rel "")
  foreach(proto IN LISTS G_PROTOS)
    get_filename_component(abs "${proto}" ABSOLUTE)
    set(rel "")
    set(proto_dir "")
    foreach(dir IN LISTS import_dirs)
      file(RELATIVE_PATH candidate "${dir}" "${abs}")
      if(NOT candidate MATCHES "^\\.\\./")
        set(rel "${candidate}")
        set(proto_dir "${dir}")
        break()
      endif()
    endforeach()
    if(NOT rel)
      get_filename_component(proto_dir "${abs}" DIRECTORY)
      get_filename_component(rel "${abs}" NAME)
    endif()
    string(REGEX REPLACE "\\.proto$" "" base "${rel}")
    set(outputs "${G_OUT_DIR}/${base}.pb.cc" "${G_OUT_DIR}/${base}.pb.h")
    if(NOT G_NO_GRPC)
      list(APPEND outputs "${G_OUT_DIR}/${base}.grpc.pb.cc" "${G_OUT_DIR}/${base}.grpc.pb.h")
      if(NOT G_NO_GATEWAY)
        list(APPEND outputs "${G_OUT_DIR}/${base}.grpcgw.h")
        if(G_OPENAPI)
          list(APPEND outputs "${G_OUT_DIR}/${base}.openapi.json")
        endif()
      endif()
    endif()
    set(include_flags "-I${proto_dir}")
    foreach(dir IN LISTS import_dirs)
      if(NOT dir STREQUAL proto_dir)
        list(APPEND include_flags "-I${dir}")
      endif()
    endforeach()
    if(GRPCGW_PROTO_DIR AND NOT proto_dir STREQUAL GRPCGW_PROTO_DIR)
      list(APPEND include_flags "-I${GRPCGW_PROTO_DIR}")
    endif()
    if(Protobuf_INCLUDE_DIRS)
      foreach(dir IN LISTS Protobuf_INCLUDE_DIRS)
        list(APPEND include_flags "-I${dir}")
      endforeach()
    endif()
    if(rules_files)
      # One protoc run for every proto (below).
      foreach(flag IN LISTS include_flags)
        if(NOT flag IN_LIST all_include_flags)
          list(APPEND all_include_flags "${flag}")
        endif()
      endforeach()
      list(APPEND all_outputs ${outputs})
      list(APPEND all_rel "${rel}")
    else()
      add_custom_command(
        OUTPUT ${outputs}
        COMMAND protobuf::protoc ${include_flags} "--cpp_out=${G_OUT_DIR}" ${protoc_plugins} "${abs}"
        DEPENDS ${all_protos} protobuf::protoc ${plugin_deps}
        COMMENT "grpcgw_generate: ${rel}"
        VERBATIM)
    endif()
    list(APPEND sources ${outputs})
  endforeach()
  if(rules_files)
    add_custom_command(
      OUTPUT ${all_outputs}
      COMMAND protobuf::protoc ${all_include_flags} "--cpp_out=${G_OUT_DIR}" ${protoc_plugins} ${all_protos}
      DEPENDS ${all_protos} ${rules_files} protobuf::protoc ${plugin_deps}
      COMMENT "grpcgw_generate: ${all_rel} with HTTP rules"
      VERBATIM)
  endif()
  target_sources(${G_TARGET} PRIVATE ${sources})
  target_include_directories(${G_TARGET} PUBLIC "$<BUILD_INTERFACE:${G_OUT_DIR}>")
endfunction()
