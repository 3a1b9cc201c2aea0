// UTF-8 validation and counting for protocol strings (RFC 3629, strict), and the text policy for names and comments.
#include "livescope/protocol/utf8.h"

#include <cstdint>

namespace livescope
{

bool Utf8IsValid(std::string_view text)
{
    size_t i = 0;
    const size_t n = text.size();
    while (i < n)
    {
        const auto c = static_cast<uint8_t>(text[i]);
        if (c < 0x80) { i++; continue; }
        int extra = 0;
        uint32_t cp = 0;
        uint32_t min_cp = 0;
        if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1Fu; min_cp = 0x80; }
        else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0Fu; min_cp = 0x800; }
        else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07u; min_cp = 0x10000; }
        else return false;
        if (i + static_cast<size_t>(extra) >= n)
            return false;
        for (int k = 1; k <= extra; k++)
        {
            const auto cc = static_cast<uint8_t>(text[i + static_cast<size_t>(k)]);
            if ((cc & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += static_cast<size_t>(extra) + 1;
    }
    return true;
}

size_t Utf8CountCodePoints(std::string_view text)
{
    size_t count = 0;
    for (const char ch : text)
        if ((static_cast<uint8_t>(ch) & 0xC0) != 0x80)
            count++;
    return count;
}

namespace
{
// Decodes the code point at `i` of validated UTF-8 and advances `i` past it.
uint32_t Next(std::string_view text, size_t& i)
{
    const auto c = static_cast<uint8_t>(text[i]);
    int extra = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : 3;
    uint32_t cp = extra == 0 ? c : extra == 1 ? (c & 0x1Fu) : extra == 2 ? (c & 0x0Fu) : (c & 0x07u);
    i++;
    for (; extra > 0 && i < text.size(); extra--, i++)
        cp = (cp << 6) | (static_cast<uint8_t>(text[i]) & 0x3Fu);
    return cp;
}

bool IsBidiControl(uint32_t cp)
{
    return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

bool IsInvisibleCodePoint(uint32_t cp)
{
    switch (cp)
    {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:    // White_Space
    case 0x200B: case 0x200C: case 0x200D: case 0x2060: case 0xFEFF:    // zero width
    case 0x115F: case 0x1160: case 0x2800: case 0x3164: case 0xFFA0:    // blank fillers
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
