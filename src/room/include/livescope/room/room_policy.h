// Room connection policy, pure: jittered exponential reconnect backoff and comment-id dedupe for resyncs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>

namespace livescope {

// Reconnect delays: BaseDelay * Multiplier^attempt, capped at MaxDelay, then "equal jitter": a uniform
// draw in [d * (1 - Jitter), d]. Seeded, so a sequence is reproducible; each widget seeds its own.
struct ReconnectBackoff
{
    double BaseDelay = 0.5;    // seconds, first retry (before jitter)
    double MaxDelay = 30.0;    // seconds, cap (before jitter)
    double Multiplier = 2.0;   // growth per failed attempt
    double Jitter = 0.5;       // [0, 1], fraction of the delay that is randomised
    std::uint32_t Attempt = 0; // failed attempts since the last reset
    std::uint64_t RngState = 0;
};

void BackoffInit(ReconnectBackoff& b, std::uint64_t seed);
// Returns the delay before the next attempt (seconds, in (0, MaxDelay]) and counts the attempt.
double BackoffNextDelay(ReconnectBackoff& b);
// Called once a connection is good again (the relay's `welcome`): the next delay starts at BaseDelay.
void BackoffReset(ReconnectBackoff& b);

// Server comment ids already shown. Bounded: the oldest ids are forgotten beyond Capacity, which must
// exceed the relay's welcome history (50) so a resync never replays a comment still on screen.
struct CommentDedupe
{
    std::size_t Capacity = 1024;
    std::unordered_set<std::string> Seen;
    std::deque<std::string> Order; // insertion order, oldest first
};

// Returns true when `id` is new (and remembers it), false when it was seen before. Empty ids are
// always new (nothing to dedupe on).
bool DedupeInsert(CommentDedupe& d, std::string_view id);
bool DedupeContains(const CommentDedupe& d, std::string_view id);

} // namespace livescope
