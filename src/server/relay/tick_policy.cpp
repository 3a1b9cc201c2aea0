// TickPolicy: when one room's batched output goes to its clients (see tick_policy.h). Pure.
#include <livescope/server/relay/tick_policy.h>

#include <algorithm>

namespace livescope {

int64_t FlushGapMs(const TickLimits& limits, size_t members)
{
    return members <= limits.SmallRoomMembers ? limits.SmallRoomGapMs : limits.BigRoomGapMs;
}

int64_t FlushAtMs(const TickLimits& limits, size_t members, int64_t last_flush_ms, PendingOutput pending, int64_t lazy_since_ms)
{
    switch (pending)
    {
    case PendingOutput::None: return NeverMs;
    case PendingOutput::Lazy:
        return std::max(last_flush_ms + std::max(limits.LazyMs, FlushGapMs(limits, members)), lazy_since_ms + limits.LazyHoldMs);
    case PendingOutput::Urgent: return last_flush_ms + FlushGapMs(limits, members);
    }
    return NeverMs;
}

size_t CommentsPerFlush(size_t per_tick, int64_t tick_ms, int64_t since_last_ms)
{
    if (tick_ms <= 0 || since_last_ms >= tick_ms)
        return per_tick;
    const int64_t share = (static_cast<int64_t>(per_tick) * std::max<int64_t>(since_last_ms, 0) + tick_ms - 1) / tick_ms; // rounded up
    return std::clamp<size_t>(static_cast<size_t>(share), std::min<size_t>(1, per_tick), per_tick);
}

} // namespace livescope
