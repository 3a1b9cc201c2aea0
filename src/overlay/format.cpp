// Pure text formatting for the overlay header (see format.h).
#include <livescope/overlay/format.h>

#include <cmath>
#include <cstdio>

namespace livescope {

std::string FormatCompactCount(std::uint64_t n)
{
    struct Unit
    {
        std::uint64_t Scale;
        char Suffix;
    };
    const Unit units[] = {{1000000000ULL, 'B'}, {1000000ULL, 'M'}, {1000ULL, 'K'}};
    for (const Unit& u : units)
    {
        if (n < u.Scale)
            continue;
        const std::uint64_t whole = n / u.Scale;
        const std::uint64_t tenth = (n % u.Scale) / (u.Scale / 10);
        std::string out = std::to_string(whole);
        if (whole < 10 && tenth != 0)
        {
            out.push_back('.');
            out.push_back(static_cast<char>('0' + tenth));
        }
        out.push_back(u.Suffix);
        return out;
    }
    return std::to_string(n);
}

std::string FormatElapsed(double seconds)
{
    if (!std::isfinite(seconds) || seconds < 0.0)
        seconds = 0.0;
    if (seconds > 359999999.0) // keep the integer conversion defined (~11 years)
        seconds = 359999999.0;
    const auto total = static_cast<long long>(seconds);
    const long long h = total / 3600;
    const long long m = (total / 60) % 60;
    const long long s = total % 60;
    char buf[32];
    if (h > 0)
        std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", h, m, s);
    else
        std::snprintf(buf, sizeof(buf), "%02lld:%02lld", m, s);
    return buf;
}

} // namespace livescope
