// TickPolicy: when one room's batched output goes to its clients (the adaptive tick, docs/relay.md "The tick"). Pure.
// A room with news flushes at once when its last frame went out long enough ago, else when that gap has passed;
// hearts, presence and viewer counts alone wait longer, so they keep aggregating.
#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>

namespace livescope {

struct TickLimits
{
    size_t SmallRoomMembers = 50; // rooms of at most this many members use SmallRoomGapMs
    int64_t SmallRoomGapMs = 25;  // ms between two frames to one client of a small room (at most 40 frames/s)
    int64_t BigRoomGapMs = 100;   // ms between two frames to one client of a bigger room (at most 10 frames/s)
    int64_t LazyMs = 200;         // ms: hearts, presence and counts alone wait this long after the last frame
    int64_t LazyHoldMs = 50;      // ms they wait at least after the first of them arrived, so taps sent together share a frame
};

// What a room holds for its clients.
enum class PendingOutput
{
    None,   // nothing
    Lazy,   // only aggregates: hearts taps, presence lines, changed viewer counts
    Urgent, // comments, moderation, board, modes, held comments for staff
};

// Never: nothing to send, no flush is needed.
inline constexpr int64_t NeverMs = std::numeric_limits<int64_t>::max();

// The ms between two frames to one client of a room of `members`.
int64_t FlushGapMs(const TickLimits& limits, size_t members);

// When the room should flush (ms since the epoch, like `last_flush_ms`): at or before now means now; NeverMs
// when `pending` is None. `last_flush_ms`: when the room's last frame went out (0: never). `lazy_since_ms`: when
// the lazy output waiting now began to wait.
int64_t FlushAtMs(const TickLimits& limits, size_t members, int64_t last_flush_ms, PendingOutput pending, int64_t lazy_since_ms);

// Comments one flush may carry, `since_last_ms` after the previous flush: `per_tick` per `tick_ms` of elapsed
// time (so a room shows at most per_tick * 1000 / tick_ms comments/s whatever its flush rate), at least 1, at
// most `per_tick`.
size_t CommentsPerFlush(size_t per_tick, int64_t tick_ms, int64_t since_last_ms);

} // namespace livescope
