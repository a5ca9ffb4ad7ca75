// Incremental UTF-8 validation, run over every split of each input.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "unit/websocket_test_util.h"
#include "text/utf8.h"

namespace grpcgw::internal {
namespace {

using testing::Chunkings;

enum class Outcome { kValid, kInvalid, kIncomplete };

struct Row {
  const char* name;
  std::string text;
  Outcome outcome;
  size_t error_offset = 0;  // kInvalid: index of the first bad byte
};

std::vector<Row> Rows() {
  using std::string_literals::operator""s;
  return {
      {"empty", "", Outcome::kValid},
      {"ASCII", "{\"room\":\"lobby\"}", Outcome::kValid},
      {"NUL byte", "a\0b"s, Outcome::kValid},
      {"Greek kosme", "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", Outcome::kValid},
      {"U+0080, lowest 2-byte", "\xC2\x80", Outcome::kValid},
      {"U+07FF, highest 2-byte", "\xDF\xBF", Outcome::kValid},
      {"U+0800, lowest 3-byte", "\xE0\xA0\x80", Outcome::kValid},
      {"U+D7FF, below the surrogates", "\xED\x9F\xBF", Outcome::kValid},
      {"U+E000, above the surrogates", "\xEE\x80\x80", Outcome::kValid},
      {"U+FFFE noncharacter", "\xEF\xBF\xBE", Outcome::kValid},
      {"U+FFFF", "\xEF\xBF\xBF", Outcome::kValid},
      {"U+10000, lowest 4-byte", "\xF0\x90\x80\x80", Outcome::kValid},
      {"U+1F600 emoji in text", "hi \xF0\x9F\x98\x80!", Outcome::kValid},
      {"U+10FFFF, highest code point", "\xF4\x8F\xBF\xBF", Outcome::kValid},

      {"lone continuation byte", "\x80", Outcome::kInvalid, 0},
      {"continuation after ASCII", "ab\xBF", Outcome::kInvalid, 2},
      {"overlong 2-byte C0 80 (NUL)", "\xC0\x80", Outcome::kInvalid, 0},
      {"overlong 2-byte C1 BF", "\xC1\xBF", Outcome::kInvalid, 0},
      {"overlong 3-byte E0 80 80", "\xE0\x80\x80", Outcome::kInvalid, 1},
      {"overlong 3-byte E0 9F BF (U+07FF)", "\xE0\x9F\xBF", Outcome::kInvalid, 1},
      {"overlong 4-byte F0 80 80 80", "\xF0\x80\x80\x80", Outcome::kInvalid, 1},
      {"overlong 4-byte F0 8F BF BF (U+FFFF)", "\xF0\x8F\xBF\xBF", Outcome::kInvalid, 1},
      {"surrogate U+D800", "\xED\xA0\x80", Outcome::kInvalid, 1},
      {"surrogate U+DBFF", "\xED\xAF\xBF", Outcome::kInvalid, 1},
      {"surrogate U+DC00", "\xED\xB0\x80", Outcome::kInvalid, 1},
      {"surrogate U+DFFF", "\xED\xBF\xBF", Outcome::kInvalid, 1},
      {"CESU-8 surrogate pair", "x\xED\xA0\xBD\xED\xB2\xA9", Outcome::kInvalid, 2},
      {"U+110000, above the range", "\xF4\x90\x80\x80", Outcome::kInvalid, 1},
      {"lead byte F5", "\xF5\x80\x80\x80", Outcome::kInvalid, 0},
      {"lead byte F7", "\xF7\xBF\xBF\xBF", Outcome::kInvalid, 0},
      {"5-byte form", "\xF8\x88\x80\x80\x80", Outcome::kInvalid, 0},
      {"6-byte form", "\xFC\x84\x80\x80\x80\x80", Outcome::kInvalid, 0},
      {"byte FE", "a\xFE", Outcome::kInvalid, 1},
      {"byte FF", "\xFF", Outcome::kInvalid, 0},
      {"2-byte sequence cut by ASCII", "\xC3" "a", Outcome::kInvalid, 1},
      {"3-byte sequence cut by ASCII", "\xE2\x82" "a", Outcome::kInvalid, 2},
      {"4-byte sequence cut by a new lead", "\xF0\x9F\x98\xF0\x9F\x98\x80", Outcome::kInvalid, 3},
      {"too many continuation bytes", "\xC3\xA9\xA9", Outcome::kInvalid, 2},
      {"valid text, then invalid, then valid",
       "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80" "edited", Outcome::kInvalid, 12},

      {"truncated 2-byte", "\xC3", Outcome::kIncomplete},
      {"truncated 3-byte", "ab\xE2\x82", Outcome::kIncomplete},
      {"truncated 4-byte", "\xF0\x9F\x98", Outcome::kIncomplete},
      {"truncated U+10FFFF", "\xF4\x8F\xBF", Outcome::kIncomplete},
  };
}

TEST_CASE("utf8 validator accepts, rejects or waits at every split", "[websocket][utf8]") {
  for (const Row& row : Rows()) {
    DYNAMIC_SECTION(row.name) {
      for (const testing::Chunking& chunking : Chunkings(row.text)) {
        INFO(chunking.name);
        Utf8Validator validator;
        size_t fed = 0;
        bool ok = true;
        for (std::string_view piece : chunking.pieces) {
          const bool piece_ok = validator.Feed(piece);
          if (row.outcome == Outcome::kInvalid && ok) {
            // Fails exactly on the piece holding the first bad byte.
            const bool holds_bad_byte =
                fed <= row.error_offset && row.error_offset < fed + piece.size();
            CHECK(piece_ok == !holds_bad_byte);
          }
          ok = ok && piece_ok;
          fed += piece.size();
        }
        switch (row.outcome) {
          case Outcome::kValid:
            CHECK(ok);
            CHECK(validator.AtCodePointBoundary());
            break;
          case Outcome::kInvalid:
            CHECK_FALSE(ok);
            CHECK(validator.failed());
            CHECK_FALSE(validator.AtCodePointBoundary());
            CHECK(validator.error_offset() == row.error_offset);
            break;
          case Outcome::kIncomplete:
            CHECK(ok);
            CHECK_FALSE(validator.failed());
            CHECK_FALSE(validator.AtCodePointBoundary());
            break;
        }
      }
    }
  }
}

TEST_CASE("utf8 whole-string check agrees with the table", "[websocket][utf8]") {
  for (const Row& row : Rows()) {
    DYNAMIC_SECTION(row.name) { CHECK(IsValidUtf8(row.text) == (row.outcome == Outcome::kValid)); }
  }
}

TEST_CASE("utf8 validator stays failed until reset", "[websocket][utf8]") {
  Utf8Validator validator;
  CHECK_FALSE(validator.Feed("\xFF"));
  CHECK_FALSE(validator.Feed("abc"));
  CHECK(validator.failed());
  validator.Reset();
  CHECK(validator.Feed("abc"));
  CHECK(validator.AtCodePointBoundary());
}

TEST_CASE("utf8 prefix length cuts at a code point boundary", "[websocket][utf8]") {
  std::string e_acute;  // 100 x U+00E9, 200 bytes
  for (int i = 0; i < 100; ++i) e_acute += "\xC3\xA9";
  std::string emoji;  // 40 x U+1F600, 160 bytes
  for (int i = 0; i < 40; ++i) emoji += "\xF0\x9F\x98\x80";
  struct PrefixRow {
    const char* name;
    std::string text;
    size_t max;
    size_t expected;
  };
  const std::vector<PrefixRow> rows = {
      {"short ASCII is kept whole", "hello", 123, 5},
      {"long ASCII is cut at the limit", std::string(200, 'x'), 123, 123},
      {"2-byte characters: 123 would split one", e_acute, 123, 122},
      {"2-byte characters: even limit", e_acute, 122, 122},
      {"4-byte characters: 123 keeps 30 whole", emoji, 123, 120},
      {"limit inside the first character", "\xF0\x9F\x98\x80", 3, 0},
      {"limit zero", "abc", 0, 0},
      {"invalid byte ends the prefix", "ab\xFF" "cd", 123, 2},
      {"truncated sequence at the end is dropped", "ab\xE2\x82", 123, 2},
  };
  for (const PrefixRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const size_t n = ValidUtf8PrefixLength(row.text, row.max);
      CHECK(n == row.expected);
      CHECK(IsValidUtf8(std::string_view(row.text).substr(0, n)));
    }
  }
}

}  // namespace
}  // namespace grpcgw::internal
