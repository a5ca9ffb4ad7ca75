// PresenceScan: which fields of a compiled-in message may be set, found in
// time proportional to the message object's size in machine words rather
// than by one reflection call per declared field.
//
// Printing a message without emit_unpopulated lists only the fields that are
// set. Asking reflection field by field costs some 10 ns per declared field,
// which for a wide type (a resource with 170 optional fields) with one field
// set is nearly all the work. Instead, the scan compares the message object's
// words with those of a freshly made message of its type: a field that is set
// (a non-zero scalar, a string or sub-message pointer, a repeated field's
// size, a map, a oneof case, a has-bit) has changed at least one word where
// it keeps its state. Which words belong to which field is learned once per
// type by setting each field on a fresh message and seeing which words
// change. A changed word only makes its fields candidates: the printer still
// asks reflection whether each candidate is set, so words that change for
// other reasons (an arena pointer, a cleared string's buffer) cost a check,
// never a wrong answer. The four-byte halves that hold cached sizes (which
// serializing fills in, and which may share a word with the has-bits) are
// found the same way and left out of the comparison.
//
// Only for types of the generated pool, and only when the layout looks as
// expected: the object's size measured two ways agrees, and every field
// changed at least one word when set. Else Build returns null and the printer
// asks every field.
#ifndef GRPCGW_SRC_JSON_PRESENCE_SCAN_H_
#define GRPCGW_SRC_JSON_PRESENCE_SCAN_H_

#include <cstdint>
#include <memory>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace grpcgw::json_internal {

// The size of the generated class of `prototype` in bytes, measured two
// ways (reflection's count of a fresh message's space, and the distance
// between a message and the next allocation on an arena); 0 when they
// disagree, the size is not a whole number of words, or it is over 64 KiB.
size_t GeneratedObjectSize(const google::protobuf::Message& prototype);

class PresenceScan {
 public:
  // Up to this many fields (bits of a candidate set).
  static constexpr int kMaxFields = 1024;
  static constexpr int kMaxMaskWords = kMaxFields / 64;

  // `fields_in_order` are the type's fields in the order the printer lists
  // them; candidate bit i stands for fields_in_order[i]. Returns null when
  // the type cannot be scanned.
  static std::unique_ptr<PresenceScan> Build(const google::protobuf::Message& prototype,
                                             const std::vector<const google::protobuf::FieldDescriptor*>& fields_in_order);

  // Sets in `candidates` (mask_words() words, cleared first) the bits of the
  // fields that may be set in `message`, which must be of the generated
  // class the scan was built for (not a dynamic message of the same type).
  void Candidates(const google::protobuf::Message& message, uint64_t* candidates) const;

  int mask_words() const { return mask_words_; }

 private:
  size_t first_word_ = 0;           // the scanned words, from the object's start
  std::vector<uint64_t> reference_;  // their values in a fresh message
  // For each scanned word, the bits that are not a cached size.
  std::vector<uint64_t> significant_;
  // For each scanned word, mask_words_ words: the fields it belongs to.
  std::vector<uint64_t> masks_;
  int mask_words_ = 0;
  bool use_avx2_ = false;  // the CPU has AVX2
};

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_PRESENCE_SCAN_H_
