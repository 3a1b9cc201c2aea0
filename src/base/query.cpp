// Pure: URL query strings (see query.h).
#include <livescope/base/query.h>

namespace livescope {

namespace {

int HexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

} // namespace

bool NextQueryPair(std::string_view& query, std::string_view& key, std::string_view& value)
{
    while (!query.empty())
    {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty())
            continue;
        const size_t eq = pair.find('=');
        key = pair.substr(0, eq);
        value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        return true;
    }
    return false;
}

bool PercentDecode(std::string_view text, std::string& out)
{
    out.clear();
    for (size_t i = 0; i < text.size(); i++)
    {
        char c = text[i];
        if (c == '+')
            c = ' ';
        else if (c == '%')
        {
            if (i + 2 >= text.size())
                return false;
            const int high = HexValue(text[i + 1]), low = HexValue(text[i + 2]);
            if (high < 0 || low < 0)
                return false;
            c = static_cast<char>(high * 16 + low);
            i += 2;
        }
        if (c == '\0')
            return false;
        out.push_back(c);
    }
    return true;
}

std::string QueryValue(std::string_view query, std::string_view key)
{
    std::string_view k, v;
    while (NextQueryPair(query, k, v))
    {
        if (k != key)
            continue;
        std::string value;
        return PercentDecode(v, value) ? value : std::string();
    }
    return {};
}

} // namespace livescope
