// UTF-8 validation and counting for protocol strings (RFC 3629, strict).
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

} // namespace livescope
