// Includes RapidJSON for the codec, in a namespace of its own
// (grpcgw_rapidjson), so that its settings cannot clash with another part of
// a program that also uses RapidJSON. Include this, never <rapidjson/...>
// directly, in src/json. A translation unit that defines
// GRPCGW_JSON_WRITER first gets the Writer, else the Reader.
//
// No RAPIDJSON_SSE2: with it, Debian's RapidJSON 1.1 produced text that it
// then refused to read back ("Invalid escape character"), found by the
// differential test.
#ifndef GRPCGW_SRC_JSON_RAPIDJSON_CONFIG_H_
#define GRPCGW_SRC_JSON_RAPIDJSON_CONFIG_H_

#if defined(RAPIDJSON_READER_H_) || defined(RAPIDJSON_WRITER_H_)
#error "include json/rapidjson_config.h before any RapidJSON header"
#endif

#define RAPIDJSON_NAMESPACE grpcgw_rapidjson
#define RAPIDJSON_NAMESPACE_BEGIN namespace grpcgw_rapidjson {
#define RAPIDJSON_NAMESPACE_END }
#if defined(GRPCGW_JSON_WRITER)
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#else
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#endif

namespace grpcgw::json_internal {
namespace rj = ::grpcgw_rapidjson;
}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_RAPIDJSON_CONFIG_H_
