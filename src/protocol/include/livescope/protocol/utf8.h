// The protocol's text policy for names and comments (controls, bidi overrides, invisible-only text), over the shared
// UTF-8 helpers (validation and counting: livescope/base/utf8.h). Pure.
#pragma once
#include <livescope/base/utf8.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace livescope {

// The text policy (docs/protocol.md, "Text"). Each takes validated UTF-8.
// True when `text` holds a C0 control (U+0000..U+001F, except U+000A when `allow_newline`), DEL (U+007F) or a C1
// control (U+0080..U+009F).
bool Utf8HasControls(std::string_view text, bool allow_newline);
// True when `text` holds a bidi embedding, override or isolate: U+202A..U+202E, U+2066..U+2069.
bool Utf8HasBidiControls(std::string_view text);
// `text` without its bidi embeddings, overrides and isolates (they could reorder what others see).
std::string Utf8StripBidiControls(std::string_view text);
// True when nothing in `text` would be visible: it is empty or only white space (Unicode White_Space), zero-width
// characters (U+200B..U+200D, U+2060, U+FEFF) and the blank fillers U+115F, U+1160, U+2800, U+3164, U+FFA0.
bool Utf8IsInvisible(std::string_view text);

} // namespace livescope
