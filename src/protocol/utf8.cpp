// The text policy for names and comments, over the shared UTF-8 helpers (livescope/base/utf8.h).
#include <livescope/protocol/utf8.h>

#include <cstdint>

namespace livescope {

namespace {
// Decodes the code point at `i` of validated UTF-8 and advances `i` past it.
uint32_t Next(std::string_view text, size_t& i) { return static_cast<uint32_t>(Utf8Decode(text, i)); }

bool IsBidiControl(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool IsInvisibleCodePoint(uint32_t cp)
{
    switch (cp)
    {
        case 0x09:
        case 0x0A:
        case 0x0B:
        case 0x0C:
        case 0x0D:
        case 0x20:
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000: // White_Space
        case 0x200B:
        case 0x200C:
        case 0x200D:
        case 0x2060:
        case 0xFEFF: // zero width
        case 0x115F:
        case 0x1160:
        case 0x2800:
        case 0x3164:
        case 0xFFA0: // blank fillers
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A; // White_Space: en quad .. hair space
    }
}
} // namespace

bool Utf8HasControls(std::string_view text, bool allow_newline)
{
    for (size_t i = 0; i < text.size();)
    {
        const uint32_t cp = Next(text, i);
        if ((cp < 0x20 && !(allow_newline && cp == '\n')) || (cp >= 0x7F && cp <= 0x9F))
            return true;
    }
    return false;
}

bool Utf8HasBidiControls(std::string_view text)
{
    for (size_t i = 0; i < text.size();)
        if (IsBidiControl(Next(text, i)))
            return true;
    return false;
}

std::string Utf8StripBidiControls(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();)
    {
        const size_t start = i;
        if (!IsBidiControl(Next(text, i)))
            out.append(text.substr(start, i - start));
    }
    return out;
}

bool Utf8IsInvisible(std::string_view text)
{
    for (size_t i = 0; i < text.size();)
        if (!IsInvisibleCodePoint(Next(text, i)))
            return false;
    return true;
}

} // namespace livescope
