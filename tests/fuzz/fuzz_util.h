// Helpers shared by the libFuzzer targets of tests/fuzz.
//
// A target checks properties, not only the absence of memory errors: when a
// property fails, FUZZ_CHECK prints what failed and aborts, and libFuzzer
// writes the input that did it (scripts/fuzz.sh prints it).
#ifndef GRPCGW_TESTS_FUZZ_FUZZ_UTIL_H_
#define GRPCGW_TESTS_FUZZ_FUZZ_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#define FUZZ_CHECK(cond, what)                                                      \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  ", __FILE__, __LINE__, \
                   #cond);                                                          \
      const std::string fuzz_what_(what);                                           \
      std::fwrite(fuzz_what_.data(), 1, fuzz_what_.size(), stderr);                 \
      std::fputc('\n', stderr);                                                     \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

namespace grpcgw::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// A small deterministic generator seeded from the input itself, so that the
// corpus files stay plain inputs and a reproducer replays the same choices.
class Choices {
 public:
  explicit Choices(std::string_view input) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : input) h = (h ^ c) * 1099511628211ull;
    state_ = h | 1;
  }
  uint64_t Next() {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  }
  // In [0, n), n > 0.
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
  bool Flip() { return (Next() & 1) != 0; }

 private:
  uint64_t state_;
};

// End offsets of the pieces of one way to cut `size` bytes: mostly small
// pieces, some large; the last offset is `size`.
inline std::vector<size_t> RandomSplit(size_t size, Choices* choices) {
  std::vector<size_t> ends;
  size_t at = 0;
  while (at < size) {
    const size_t n = choices->Flip() ? 1 + choices->Below(4) : 1 + choices->Below(64);
    at = n < size - at ? at + n : size;
    ends.push_back(at);
  }
  return ends;
}

inline std::vector<size_t> ByteSplit(size_t size) {
  std::vector<size_t> ends;
  for (size_t i = 1; i <= size; ++i) ends.push_back(i);
  return ends;
}

// Splits text into lines at '\n' (the last line may be empty).
inline std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  for (;;) {
    const size_t nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) return out;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace grpcgw::fuzz

#endif  // GRPCGW_TESTS_FUZZ_FUZZ_UTIL_H_
