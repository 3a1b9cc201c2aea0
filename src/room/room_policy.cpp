// Room connection policy (see room_policy.h): backoff arithmetic and the bounded id set.
#include <livescope/room/room_policy.h>

#include <algorithm>
#include <cmath>

namespace livescope {

namespace {
// SplitMix64 step: the widget's own small PRNG (no global state).
std::uint64_t NextRandom(std::uint64_t& state)
{
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
} // namespace

void BackoffInit(ReconnectBackoff& b, std::uint64_t seed)
{
    b.Attempt = 0;
    b.RngState = seed;
}

double BackoffNextDelay(ReconnectBackoff& b)
{
    const double base = std::max(b.BaseDelay, 0.001);
    const double cap = std::max(b.MaxDelay, base);
    const double growth = std::max(b.Multiplier, 1.0);
    // Exponent capped so the power never overflows, whatever the attempt count.
    const double exponent = static_cast<double>(std::min<std::uint32_t>(b.Attempt, 60));
    const double d = std::min(cap, base * std::pow(growth, exponent));
    const double jitter = std::clamp(b.Jitter, 0.0, 1.0);
    const double u = static_cast<double>(NextRandom(b.RngState) >> 11) * (1.0 / 9007199254740992.0); // [0, 1)
    if (b.Attempt < 0xFFFFFFFFu) b.Attempt++;
    const double delay = d * (1.0 - jitter * u);
    return std::max(delay, 0.001);
}

void BackoffReset(ReconnectBackoff& b) { b.Attempt = 0; }

bool DedupeContains(const CommentDedupe& d, std::string_view id)
{
    return !id.empty() && d.Seen.count(std::string(id)) != 0;
}

bool DedupeInsert(CommentDedupe& d, std::string_view id)
{
    if (id.empty()) return true;
    std::string key(id);
    if (d.Seen.count(key) != 0) return false;
    d.Seen.insert(key);
    d.Order.push_back(std::move(key));
    const std::size_t cap = std::max<std::size_t>(d.Capacity, 1);
    while (d.Order.size() > cap)
    {
        d.Seen.erase(d.Order.front());
        d.Order.pop_front();
    }
    return true;
}

} // namespace livescope
