# Dependencies, all from Debian 12 packages (scripts/deps.sh installs them).
find_package(Threads REQUIRED)
find_package(Protobuf REQUIRED)          # CMake's FindProtobuf: Debian ships no config file
find_package(gRPC CONFIG REQUIRED)
find_package(RapidJSON CONFIG REQUIRED)  # sets RAPIDJSON_INCLUDE_DIRS, no target
find_package(ZLIB REQUIRED)              # gzip request and response bodies
find_package(OpenSSL 3 REQUIRED)         # TLS in HttpServer (libssl-dev)
find_package(PkgConfig REQUIRED)
# Debian's cpp-httplib is a compiled library: its pkg-config flags
# (CPPHTTPLIB_OPENSSL_SUPPORT, ...) must match the ones it was built with.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET GLOBAL libnghttp2)  # HTTP/2 (libnghttp2-dev)
find_package(yaml-cpp CONFIG REQUIRED)   # protoc-gen-grpcgw's HTTP rules files (libyaml-cpp-dev)
