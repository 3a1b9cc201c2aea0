// BlockedWords implementation: text folded to lower-case code points, split into words, one hash lookup per word.
#include <livescope/server/relay/blocked_words.h>

#include <cstdint>

namespace livescope {

namespace {

char32_t Fold(char32_t c)
{
    if (c >= U'A' && c <= U'Z')
        return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x138 && c != 0x149 && c != 0x17F)
    {
        // Latin Extended-A pairs upper/lower as even/odd, except in U+0139..U+0148 and U+0179..U+017E (odd/even).
        const bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
        if (odd_upper ? (c % 2 == 1) : (c % 2 == 0))
            return c + 1;
    }
    return c;
}

// Letters and digits (and '_'): what a word is made of. Other scripts count as letters except their punctuation and spaces.
bool IsWordChar(char32_t c)
{
    if (c < 0x80)
        return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') || c == U'_';
    if (c <= 0xBF || c == 0xD7 || c == 0xF7)
        return false; // Latin-1 punctuation, symbols and the no-break space
    if ((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
        (c >= 0xFF1A && c <= 0xFF20) || (c >= 0xFF3B && c <= 0xFF40) || (c >= 0xFF5B && c <= 0xFF65))
        return false; // general punctuation, symbols, CJK and fullwidth punctuation
    if (c >= 0x1F000 && c <= 0x1FAFF)
        return false; // emoji
    return true;
}

} // namespace

std::u32string FoldWordText(std::string_view text)
{
    std::u32string out;
    out.reserve(text.size());
    size_t i = 0;
    while (i < text.size())
    {
        const auto b = static_cast<uint8_t>(text[i]);
        char32_t c = 0;
        size_t len = 1;
        if (b < 0x80)
            c = b;
        else if ((b & 0xE0) == 0xC0)
            c = b & 0x1F, len = 2;
        else if ((b & 0xF0) == 0xE0)
            c = b & 0x0F, len = 3;
        else
            c = b & 0x07, len = 4;
        if (i + len > text.size())
            break; // not valid UTF-8: the codec refuses such text before it gets here
        for (size_t k = 1; k < len; k++)
            c = (c << 6) | (static_cast<uint8_t>(text[i + k]) & 0x3F);
        out.push_back(Fold(c));
        i += len;
    }
    return out;
}

void BlockedWords::Set(const std::vector<std::string>& words)
{
    Single.clear();
    Phrases.clear();
    for (const std::string& w : words)
    {
        std::u32string folded = FoldWordText(w);
        // Leading and trailing non-word characters cannot take part in a whole-word match: trim them.
        while (!folded.empty() && !IsWordChar(folded.front()))
            folded.erase(folded.begin());
        while (!folded.empty() && !IsWordChar(folded.back()))
            folded.pop_back();
        if (folded.empty())
            continue;
        bool one_word = true;
        for (const char32_t c : folded)
            one_word = one_word && IsWordChar(c);
        if (one_word)
            Single.insert(std::move(folded));
        else
            Phrases.push_back(std::move(folded));
    }
}

bool BlockedWords::Matches(std::string_view text) const
{
    if (Empty())
        return false;
    const std::u32string t = FoldWordText(text);
    if (!Single.empty())
    {
        size_t i = 0;
        while (i < t.size())
        {
            while (i < t.size() && !IsWordChar(t[i]))
                i++;
            size_t j = i;
            while (j < t.size() && IsWordChar(t[j]))
                j++;
            if (j > i && Single.count(t.substr(i, j - i)))
                return true;
            i = j;
        }
    }
    for (const std::u32string& p : Phrases)
    {
        for (size_t at = t.find(p); at != std::u32string::npos; at = t.find(p, at + 1))
        {
            const bool start_ok = at == 0 || !IsWordChar(t[at - 1]);
            const bool end_ok = at + p.size() == t.size() || !IsWordChar(t[at + p.size()]);
            if (start_ok && end_ok)
                return true;
        }
    }
    return false;
}

} // namespace livescope
