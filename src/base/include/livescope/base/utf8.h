// UTF-8 helpers shared by every area: strict validation, decoding, encoding, counting, stepping by code point
// and sanitizing for display. Pure, never throws. The protocol's text policy (controls, bidi, invisible text)
// builds on these in livescope/protocol/utf8.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace livescope {

inline constexpr char32_t kUtf8Replacement = 0xFFFD;

// True when `text` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
bool Utf8IsValid(std::string_view text);

// Decodes the code point starting at byte `i` and advances `i` past it. A malformed or truncated
// sequence, an overlong form or a surrogate yields kUtf8Replacement and advances by one byte.
// Precondition: i < s.size().
char32_t Utf8Decode(std::string_view s, std::size_t& i);

// Appends the UTF-8 form of `cp` (invalid code points become kUtf8Replacement).
void Utf8Append(std::string& out, char32_t cp);

// Number of code points in `s` (each malformed byte counts as one).
std::size_t Utf8CountCodePoints(std::string_view s);

// Byte offset of the code point after the one at `i` (s.size() at the end).
std::size_t Utf8Next(std::string_view s, std::size_t i);

// Byte offset of the start of the code point before byte `i` (0 at the start). Never lands inside a
// well-formed multi-byte sequence.
std::size_t Utf8Prev(std::string_view s, std::size_t i);

// Re-encodes `s` as valid UTF-8: malformed bytes become U+FFFD; C0/C1 controls and DEL are dropped,
// except that tab, CR and LF become one space each.
std::string Utf8Sanitize(std::string_view s);

} // namespace livescope
