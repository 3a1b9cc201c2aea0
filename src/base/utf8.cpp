// UTF-8 helpers shared by every area (see livescope/base/utf8.h).
#include <livescope/base/utf8.h>

namespace livescope {

namespace {
bool IsContinuation(unsigned char c) { return (c & 0xC0u) == 0x80u; }
} // namespace

bool Utf8IsValid(std::string_view text)
{
    for (std::size_t i = 0; i < text.size();)
    {
        const std::size_t start = i;
        if (Utf8Decode(text, i) == kUtf8Replacement && i == start + 1 && static_cast<unsigned char>(text[start]) >= 0x80u)
            return false; // a malformed byte (a real U+FFFD is three bytes long)
    }
    return true;
}

char32_t Utf8Decode(std::string_view s, std::size_t& i)
{
    const auto c0 = static_cast<unsigned char>(s[i]);
    if (c0 < 0x80u)
    {
        i += 1;
        return c0;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min_cp = 0;
    if ((c0 & 0xE0u) == 0xC0u)
    {
        len = 2;
        cp = c0 & 0x1Fu;
        min_cp = 0x80;
    }
    else if ((c0 & 0xF0u) == 0xE0u)
    {
        len = 3;
        cp = c0 & 0x0Fu;
        min_cp = 0x800;
    }
    else if ((c0 & 0xF8u) == 0xF0u)
    {
        len = 4;
        cp = c0 & 0x07u;
        min_cp = 0x10000;
    }
    else
    {
        i += 1;
        return kUtf8Replacement;
    }
    if (i + len > s.size())
    {
        i += 1;
        return kUtf8Replacement;
    }
    for (std::size_t k = 1; k < len; ++k)
    {
        const auto c = static_cast<unsigned char>(s[i + k]);
        if (!IsContinuation(c))
        {
            i += 1;
            return kUtf8Replacement;
        }
        cp = (cp << 6) | (c & 0x3Fu);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    {
        i += 1;
        return kUtf8Replacement;
    }
    i += len;
    return cp;
}

void Utf8Append(std::string& out, char32_t cp)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = kUtf8Replacement;
    if (cp < 0x80)
    {
        out.push_back(static_cast<char>(cp));
    }
    else if (cp < 0x800)
    {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    else if (cp < 0x10000)
    {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    else
    {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::size_t Utf8CountCodePoints(std::string_view s)
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++n)
        Utf8Decode(s, i);
    return n;
}

std::size_t Utf8Next(std::string_view s, std::size_t i)
{
    if (i >= s.size())
        return s.size();
    Utf8Decode(s, i);
    return i;
}

std::size_t Utf8Prev(std::string_view s, std::size_t i)
{
    if (i == 0)
        return 0;
    if (i > s.size())
        i = s.size();
    // Walk back over at most 3 continuation bytes, then check that the lead byte really spans to i.
    std::size_t start = i - 1;
    for (int k = 0; k < 3 && start > 0 && IsContinuation(static_cast<unsigned char>(s[start])); ++k)
        --start;
    std::size_t probe = start;
    Utf8Decode(s, probe);
    return probe == i ? start : i - 1;
}

std::string Utf8Sanitize(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();)
    {
        const char32_t cp = Utf8Decode(s, i);
        if (cp == '\t' || cp == '\n' || cp == '\r')
            out.push_back(' ');
        else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
            continue;
        else
            Utf8Append(out, cp);
    }
    return out;
}

} // namespace livescope
