// UTF-8 helpers for the protocol: strict validation and code-point counting (pure, no allocation).
#pragma once
#include <cstddef>
#include <string_view>

namespace livescope
{

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool Utf8IsValid(std::string_view text);

// Number of code points in `text`; the caller has validated it first. Invalid bytes count as one each.
size_t Utf8CountCodePoints(std::string_view text);

} // namespace livescope
