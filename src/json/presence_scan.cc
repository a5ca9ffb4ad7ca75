#include "json/presence_scan.h"

#include <google/protobuf/arena.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <string>

namespace grpcgw::json_internal {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// Objects larger than this are not scanned (the probes copy them around).
constexpr size_t kMaxObjectBytes = 64 * 1024;

uint64_t WordAt(const pb::Message& message, size_t word) {
  uint64_t value;
  std::memcpy(&value, reinterpret_cast<const char*>(&message) + word * 8, 8);
  return value;
}

}  // namespace

size_t GeneratedObjectSize(const pb::Message& prototype) {
  std::unique_ptr<pb::Message> fresh(prototype.New());
  const size_t used = fresh->SpaceUsedLong();
  if (used == 0 || used % 8 != 0 || used > kMaxObjectBytes) return 0;
  const size_t block_size = 2 * used + 4096;
  std::unique_ptr<char[]> block(new char[block_size]);
  pb::Arena arena(block.get(), block_size);
  const char* object = reinterpret_cast<const char*>(prototype.New(&arena));
  const char* next = pb::Arena::CreateArray<char>(&arena, 8);
  if (next < object || static_cast<size_t>(next - object) != used) return 0;
  return used;
}

namespace {

// Makes `field` of `message` set: a value other than the default (or, with
// `default_value`, the default, which marks presence where the field tracks
// it), one element for repeated fields and maps.
void SetForProbe(pb::Message* message, const FD* field, bool default_value) {
  const pb::Reflection* r = message->GetReflection();
  if (field->is_repeated()) {
    switch (field->cpp_type()) {
      case FD::CPPTYPE_INT32: r->AddInt32(message, field, 1); break;
      case FD::CPPTYPE_INT64: r->AddInt64(message, field, 1); break;
      case FD::CPPTYPE_UINT32: r->AddUInt32(message, field, 1); break;
      case FD::CPPTYPE_UINT64: r->AddUInt64(message, field, 1); break;
      case FD::CPPTYPE_FLOAT: r->AddFloat(message, field, 1); break;
      case FD::CPPTYPE_DOUBLE: r->AddDouble(message, field, 1); break;
      case FD::CPPTYPE_BOOL: r->AddBool(message, field, true); break;
      case FD::CPPTYPE_STRING: r->AddString(message, field, "x"); break;
      case FD::CPPTYPE_ENUM: r->AddEnumValue(message, field, field->enum_type()->value(0)->number()); break;
      case FD::CPPTYPE_MESSAGE: r->AddMessage(message, field); break;
    }
    return;
  }
  const bool v = !default_value;
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32: r->SetInt32(message, field, v ? 1 : field->default_value_int32()); break;
    case FD::CPPTYPE_INT64: r->SetInt64(message, field, v ? 1 : field->default_value_int64()); break;
    case FD::CPPTYPE_UINT32: r->SetUInt32(message, field, v ? 1 : field->default_value_uint32()); break;
    case FD::CPPTYPE_UINT64: r->SetUInt64(message, field, v ? 1 : field->default_value_uint64()); break;
    case FD::CPPTYPE_FLOAT: r->SetFloat(message, field, v ? 1 : field->default_value_float()); break;
    case FD::CPPTYPE_DOUBLE: r->SetDouble(message, field, v ? 1 : field->default_value_double()); break;
    case FD::CPPTYPE_BOOL: r->SetBool(message, field, v ? !field->default_value_bool() : field->default_value_bool()); break;
    case FD::CPPTYPE_STRING: r->SetString(message, field, v ? "x" : field->default_value_string()); break;
    case FD::CPPTYPE_ENUM: {
      int number = field->default_value_enum()->number();
      if (v) {
        // A declared value other than the default, if the enum has one;
        // else (google.protobuf.NullValue) another number, which an open
        // enum holds. A field of a closed enum has presence, which setting
        // the default marks.
        const pb::EnumDescriptor* type = field->enum_type();
        const int default_number = number;
        for (int i = 0; i < type->value_count() && number == default_number; ++i) {
          number = type->value(i)->number();
        }
        if (number == default_number && !field->has_presence()) number = default_number + 1;
      }
      r->SetEnumValue(message, field, number);
      break;
    }
    case FD::CPPTYPE_MESSAGE: r->MutableMessage(message, field); break;
  }
}

}  // namespace

std::unique_ptr<PresenceScan> PresenceScan::Build(const pb::Message& prototype,
                                                  const std::vector<const FD*>& fields_in_order) {
  const int field_count = static_cast<int>(fields_in_order.size());
  if (field_count == 0 || field_count > kMaxFields) return nullptr;
  // The scan reads the object from the address of its Message base.
  if (dynamic_cast<const void*>(&prototype) != static_cast<const void*>(&prototype)) return nullptr;
  const size_t size = GeneratedObjectSize(prototype);
  if (size == 0) return nullptr;
  const size_t words = size / 8;

  std::unique_ptr<pb::Message> reference(prototype.New());
  // Words that differ without any field being set: between two fresh
  // messages, and once the cached size is filled in.
  std::vector<bool> noise(words, false);
  {
    std::unique_ptr<pb::Message> other(prototype.New());
    other->ByteSizeLong();
    for (size_t w = 0; w < words; ++w) noise[w] = WordAt(*other, w) != WordAt(*reference, w);
  }

  // Bits that hold cached sizes (a message's own, a packed repeated
  // field's byte count): four-byte halves of words that change when the
  // sizes are computed, which serializing or protobuf's own JSON printer
  // does, and that setting no field changes. Ignored, so that the has-bits
  // sharing a word with the cached size do not make candidates of their
  // fields in every serialized message. (Computing the size of a message
  // with a map may move the map's entries from one side of it to the other:
  // that is learned from the other fields only, and the halves fields
  // change are kept anyway.)
  std::vector<uint64_t> cached(words, 0);
  std::vector<uint64_t> changed_by_fields(words, 0);  // the halves setting fields changed
  auto halves = [](uint64_t changed) {
    return ((changed & 0xFFFFFFFFu) != 0 ? uint64_t{0xFFFFFFFFu} : 0) |
           ((changed >> 32) != 0 ? uint64_t{0xFFFFFFFF00000000u} : 0);
  };
  auto find_cached = [&](const pb::Message& message) {
    std::vector<uint64_t> before(words);
    for (size_t w = 0; w < words; ++w) before[w] = WordAt(message, w);
    message.ByteSizeLong();
    for (size_t w = 0; w < words; ++w) {
      cached[w] |= halves(WordAt(message, w) ^ before[w]);
    }
  };

  const int mask_words = (field_count + 63) / 64;
  std::vector<uint64_t> masks(words * static_cast<size_t>(mask_words), 0);
  auto mark = [&](const pb::Message& probe, int bit) {
    bool any = false;
    for (size_t w = 0; w < words; ++w) {
      if (noise[w] || WordAt(probe, w) == WordAt(*reference, w)) continue;
      changed_by_fields[w] |= halves(WordAt(probe, w) ^ WordAt(*reference, w));
      masks[w * static_cast<size_t>(mask_words) + static_cast<size_t>(bit / 64)] |= uint64_t{1} << (bit % 64);
      any = true;
    }
    return any;
  };
  for (int bit = 0; bit < field_count; ++bit) {
    const FD* field = fields_in_order[static_cast<size_t>(bit)];
    if (field->containing_type() != prototype.GetDescriptor()) return nullptr;
    bool found = true;
    for (int pass = 0; pass < 2; ++pass) {
      const bool default_value = pass == 1;
      // The default value only marks presence in fields that track it.
      if (default_value && (field->is_repeated() || !field->has_presence() ||
                            field->cpp_type() == FD::CPPTYPE_MESSAGE)) {
        continue;
      }
      // Set through reflection, then the same through the generated parser
      // (which fills maps through their map side), then with a map's or
      // repeated field's elements read back through reflection.
      // (Each is looked at before it is serialized: that fills in its
      // cached size, which is no field's.)
      std::unique_ptr<pb::Message> set(prototype.New());
      SetForProbe(set.get(), field, default_value);
      bool seen = mark(*set, bit);
      if (!field->is_map()) find_cached(*set);
      std::unique_ptr<pb::Message> parsed(prototype.New());
      if (!parsed->ParsePartialFromString(set->SerializePartialAsString())) return nullptr;
      seen = mark(*parsed, bit) && seen;
      if (field->is_repeated()) {
        const pb::Reflection* r = parsed->GetReflection();
        if (r->FieldSize(*parsed, field) != 1) return nullptr;
        if (field->cpp_type() == FD::CPPTYPE_MESSAGE) r->GetRepeatedMessage(*parsed, field, 0);
        seen = mark(*parsed, bit) && seen;
      }
      found = found && seen;
    }
    // The sizes of a long repeated field (its packed byte count).
    if (field->is_repeated() && !field->is_map()) {
      std::unique_ptr<pb::Message> more(prototype.New());
      for (int i = 0; i < 200; ++i) SetForProbe(more.get(), field, false);
      find_cached(*more);
    }
    // A field that changed no word cannot be found by the scan.
    if (!found) return nullptr;
  }

  size_t first = words;
  size_t last = 0;
  for (size_t w = 0; w < words; ++w) {
    for (int k = 0; k < mask_words; ++k) {
      if (masks[w * static_cast<size_t>(mask_words) + static_cast<size_t>(k)] != 0) {
        first = std::min(first, w);
        last = std::max(last, w);
      }
    }
  }
  if (first > last) return nullptr;
  for (size_t w = 0; w < words; ++w) {
    cached[w] &= ~changed_by_fields[w];
    // A word whose every bit is a cached size can tell nothing.
    if (cached[w] == ~uint64_t{0}) {
      for (int k = 0; k < mask_words; ++k) masks[w * static_cast<size_t>(mask_words) + static_cast<size_t>(k)] = 0;
    }
  }
  auto scan = std::unique_ptr<PresenceScan>(new PresenceScan);
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  scan->use_avx2_ = __builtin_cpu_supports("avx2");
#endif
  scan->first_word_ = first;
  scan->mask_words_ = mask_words;
  for (size_t w = first; w <= last; ++w) {
    scan->reference_.push_back(WordAt(*reference, w));
    scan->significant_.push_back(~cached[w]);
  }
  scan->masks_.assign(masks.begin() + static_cast<ptrdiff_t>(first * static_cast<size_t>(mask_words)),
                      masks.begin() + static_cast<ptrdiff_t>((last + 1) * static_cast<size_t>(mask_words)));
  return scan;
}

namespace {

// Ors into `candidates` the masks of the scanned words that differ from the
// reference, from word `w` on (the plain version, for any CPU).
void AddChangedWords(const char* base, const uint64_t* reference, const uint64_t* significant, const uint64_t* masks,
                     size_t mask_words, size_t w, size_t count, uint64_t* candidates) {
  auto add = [&](size_t i) {
    uint64_t value;
    std::memcpy(&value, base + i * 8, 8);
    if (((value ^ reference[i]) & significant[i]) == 0) return;
    const uint64_t* mask = masks + i * mask_words;
    for (size_t k = 0; k < mask_words; ++k) candidates[k] |= mask[k];
  };
  // Blocks of eight words, compared at once; most are unchanged.
  constexpr size_t kBlock = 8;
  for (; w + kBlock <= count; w += kBlock) {
    uint64_t values[kBlock];
    std::memcpy(values, base + w * 8, sizeof values);
    uint64_t changed = 0;
    for (size_t i = 0; i < kBlock; ++i) changed |= values[i] ^ reference[w + i];
    if (changed == 0) continue;
    for (size_t i = 0; i < kBlock; ++i) add(w + i);
  }
  for (; w < count; ++w) add(w);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define GRPCGW_PRESENCE_AVX2 1
// The same with AVX2: 16 words a step, one branch per step, and the changed
// words of a step found as a bit mask.
__attribute__((target("avx2"))) void AddChangedWordsAvx2(const char* base, const uint64_t* reference,
                                                         const uint64_t* significant, const uint64_t* masks,
                                                         size_t mask_words, size_t count, uint64_t* candidates) {
  size_t w = 0;
  for (; w + 16 <= count; w += 16) {
    // The differences of the 16 words, and one test of all of them: most
    // blocks are unchanged, and cost only this.
    const auto* value = reinterpret_cast<const __m256i*>(base + w * 8);
    const auto* expected = reinterpret_cast<const __m256i*>(reference + w);
    const __m256i d0 = _mm256_xor_si256(_mm256_loadu_si256(value), _mm256_loadu_si256(expected));
    const __m256i d1 = _mm256_xor_si256(_mm256_loadu_si256(value + 1), _mm256_loadu_si256(expected + 1));
    const __m256i d2 = _mm256_xor_si256(_mm256_loadu_si256(value + 2), _mm256_loadu_si256(expected + 2));
    const __m256i d3 = _mm256_xor_si256(_mm256_loadu_si256(value + 3), _mm256_loadu_si256(expected + 3));
    const __m256i any = _mm256_or_si256(_mm256_or_si256(d0, d1), _mm256_or_si256(d2, d3));
    if (_mm256_testz_si256(any, any)) continue;
    const __m256i zero = _mm256_setzero_si256();
#define GRPCGW_SAME_WORDS(d) \
  static_cast<uint32_t>(_mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpeq_epi64(d, zero))))
    const uint32_t same = GRPCGW_SAME_WORDS(d0) | GRPCGW_SAME_WORDS(d1) << 4 | GRPCGW_SAME_WORDS(d2) << 8 |
                          GRPCGW_SAME_WORDS(d3) << 12;
#undef GRPCGW_SAME_WORDS
    for (uint32_t changed = ~same & 0xFFFF; changed != 0; changed &= changed - 1) {
      const size_t i = w + static_cast<size_t>(__builtin_ctz(changed));
      // A change in a cached size only: nothing.
      uint64_t value;
      std::memcpy(&value, base + i * 8, 8);
      if (((value ^ reference[i]) & significant[i]) == 0) continue;
      const uint64_t* mask = masks + i * mask_words;
      for (size_t k = 0; k < mask_words; ++k) candidates[k] |= mask[k];
    }
  }
  AddChangedWords(base, reference, significant, masks, mask_words, w, count, candidates);
}
#endif

}  // namespace

void PresenceScan::Candidates(const pb::Message& message, uint64_t* candidates) const {
  const size_t mask_words = static_cast<size_t>(mask_words_);
  std::memset(candidates, 0, mask_words * sizeof(uint64_t));
  const char* base = reinterpret_cast<const char*>(&message) + first_word_ * 8;
#ifdef GRPCGW_PRESENCE_AVX2
  if (use_avx2_) {
    AddChangedWordsAvx2(base, reference_.data(), significant_.data(), masks_.data(), mask_words, reference_.size(),
                        candidates);
    return;
  }
#endif
  AddChangedWords(base, reference_.data(), significant_.data(), masks_.data(), mask_words, 0, reference_.size(),
                  candidates);
}

}  // namespace grpcgw::json_internal
