# cmake --install: the library, the plugin, public and generated headers,
# grpcgw's protos, and a package config for find_package(grpcgw CONFIG).
include(CMakePackageConfigHelpers)
set(GRPCGW_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/grpcgw")
set(GRPCGW_INSTALL_PROTODIR "${CMAKE_INSTALL_DATADIR}/grpcgw/proto")

install(TARGETS grpcgw protoc-gen-grpcgw EXPORT grpcgwTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/grpcgw DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY "${GRPCGW_GENERATED_DIR}/google" "${GRPCGW_GENERATED_DIR}/grpcgw"
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.pb.h")
install(DIRECTORY proto/ DESTINATION ${GRPCGW_INSTALL_PROTODIR} FILES_MATCHING PATTERN "*.proto")
install(EXPORT grpcgwTargets NAMESPACE grpcgw:: DESTINATION ${GRPCGW_INSTALL_CMAKEDIR})

configure_package_config_file(cmake/grpcgwConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/grpcgwConfig.cmake"
  INSTALL_DESTINATION ${GRPCGW_INSTALL_CMAKEDIR}
  PATH_VARS GRPCGW_INSTALL_PROTODIR)
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/grpcgwConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/grpcgwConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/grpcgwConfigVersion.cmake"
  cmake/grpcgw_generate.cmake
  DESTINATION ${GRPCGW_INSTALL_CMAKEDIR})
