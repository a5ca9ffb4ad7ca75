# grpcgw_generate(TARGET <target> PROTOS <file.proto>... [IMPORT_DIRS <dir>...]
#                 [OUT_DIR <dir>] [NO_GRPC] [NO_GATEWAY])
#
# Runs protoc on PROTOS with the C++ generator, gRPC's C++ plugin and
# protoc-gen-grpcgw, adds the generated sources to TARGET and puts the output
# folder on its include path. Each proto's import path is the IMPORT_DIRS
# folder that holds it (else its own folder); grpcgw's own protos
# (google/api/*.proto, grpcgw/options.proto) and protobuf's well-known types
# are always importable. NO_GRPC leaves out the gRPC stubs (and the gateway
# tables, which need them); NO_GATEWAY leaves out only the gateway tables.
#
# Uses GRPCGW_PROTO_DIR, GRPCGW_PLUGIN (a target or a path) and
# GRPCGW_GRPC_CPP_PLUGIN, which the grpcgw package (or grpcgw's own build) sets.
function(grpcgw_generate)
  cmake_parse_arguments(G "NO_GRPC;NO_GATEWAY" "TARGET;OUT_DIR" "PROTOS;IMPORT_DIRS" ${ARGN})
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
    endif()
  endif()

  # Each proto may import the others: any of them changing regenerates all.
  set(all_protos "")
  foreach(proto IN LISTS G_PROTOS)
    get_filename_component(abs "${proto}" ABSOLUTE)
    list(APPEND all_protos "${abs}")
  endforeach()

  set(sources "")
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
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc ${include_flags} "--cpp_out=${G_OUT_DIR}" ${protoc_plugins} "${abs}"
      DEPENDS ${all_protos} protobuf::protoc ${plugin_deps}
      COMMENT "grpcgw_generate: ${rel}"
      VERBATIM)
    foreach(out IN LISTS outputs)
      if(out MATCHES "\\.cc$")
        list(APPEND sources "${out}")
      endif()
    endforeach()
    list(APPEND sources ${outputs})
  endforeach()
  target_sources(${G_TARGET} PRIVATE ${sources})
  target_include_directories(${G_TARGET} PUBLIC "$<BUILD_INTERFACE:${G_OUT_DIR}>")
endfunction()
