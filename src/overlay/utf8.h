// UTF-8 helpers for the overlay: decode, count, step by code point, sanitize. Pure, never throws.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace livescope {

inline constexpr char32_t kOverlayUtf8Replacement = 0xFFFD;

// Decodes the code point starting at byte `i` and advances `i` past it. A malformed or truncated
// sequence, an overlong form or a surrogate yields kOverlayUtf8Replacement and advances by one byte.
// Precondition: i < s.size().
char32_t OverlayUtf8Decode(std::string_view s, std::size_t& i);

// Appends the UTF-8 form of `cp` (invalid code points become kOverlayUtf8Replacement).
void OverlayUtf8Append(std::string& out, char32_t cp);

// Number of code points in `s` (each malformed byte counts as one).
std::size_t OverlayUtf8CountCodePoints(std::string_view s);

// Byte offset of the code point after the one at `i` (s.size() at the end).
std::size_t OverlayUtf8Next(std::string_view s, std::size_t i);

// Byte offset of the start of the code point before byte `i` (0 at the start). Never lands inside a
// well-formed multi-byte sequence.
std::size_t OverlayUtf8Prev(std::string_view s, std::size_t i);

// Re-encodes `s` as valid UTF-8: malformed bytes become U+FFFD; C0/C1 controls and DEL are dropped,
// except that tab, CR and LF become one space each.
std::string OverlayUtf8Sanitize(std::string_view s);

} // namespace livescope
