// ISO 8601 / RFC 3339 date-time parser for HLS tags: civil date to epoch seconds, offsets and fractions.
#include <livescope/player/hls/hls_date.h>

#include <cstdint>

namespace livescope {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2 ? 1 : 0;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

} // namespace

std::optional<double> ParseIsoDateTime(std::string_view s)
{
    // YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|+HHMM|+HH]
    auto num = [&](size_t pos, size_t n) -> int {
        if (pos + n > s.size()) return -1;
        int v = 0;
        for (size_t i = pos; i < pos + n; i++)
        {
            if (!IsDigit(s[i])) return -1;
            v = v * 10 + (s[i] - '0');
        }
        return v;
    };
    if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':') return std::nullopt;
    const int y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
    if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 60) return std::nullopt;
    size_t i = 19;
    double frac = 0.0;
    if (i < s.size() && (s[i] == '.' || s[i] == ','))
    {
        i++;
        double scale = 0.1;
        const size_t start = i;
        while (i < s.size() && IsDigit(s[i]))
        {
            frac += (s[i] - '0') * scale;
            scale *= 0.1;
            i++;
        }
        if (i == start) return std::nullopt;
    }
    double offset = 0.0;
    if (i < s.size())
    {
        if (s[i] == 'Z' || s[i] == 'z') { i++; }
        else if (s[i] == '+' || s[i] == '-')
        {
            const double sign = s[i] == '-' ? -1.0 : 1.0;
            i++;
            const int oh = num(i, 2);
            if (oh < 0) return std::nullopt;
            i += 2;
            int om = 0;
            if (i < s.size() && s[i] == ':') i++;
            if (i < s.size())
            {
                om = num(i, 2);
                if (om < 0) return std::nullopt;
                i += 2;
            }
            offset = sign * (oh * 3600.0 + om * 60.0);
        }
        else
            return std::nullopt;
    }
    if (i != s.size()) return std::nullopt;
    const double days = static_cast<double>(DaysFromCivil(y, mo, d));
    return days * 86400.0 + h * 3600.0 + mi * 60.0 + se + frac - offset;
}

} // namespace livescope
