// Heart aggregation: taps from many viewers summed per colour over one window (pure).
#pragma once
#include "livescope/protocol/messages.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace livescope {

class HeartAggregator
{
public:
    // The first window starts at `start_ms` (ms).
    explicit HeartAggregator(int64_t start_ms) : WindowStartMs(start_ms) {}

    // Adds `count` taps of `color`. Colours keep first-seen order so windows are deterministic.
    void Add(const std::string& color, int64_t count)
    {
        if (count <= 0)
            return;
        for (HeartCount& c : Counts)
        {
            if (c.Color == color)
            {
                c.Count += count;
                return;
            }
        }
        if (Counts.size() >= MaxColors)
        {
            Counts.back().Count += count; // more colours than a window carries: fold into the last one
            return;
        }
        Counts.push_back(HeartCount{color, count});
    }

    // Closes the window that started at the previous flush (or construction) and ends at `now_ms`.
    // Returns nullopt when the window had no taps; the next window starts at `now_ms` either way.
    std::optional<HeartsWindow> Flush(int64_t now_ms)
    {
        const int64_t start = WindowStartMs;
        WindowStartMs = now_ms;
        if (Counts.empty())
            return std::nullopt;
        HeartsWindow w;
        w.WindowMs = now_ms > start ? now_ms - start : 1;
        w.Counts = std::move(Counts);
        Counts.clear();
        return w;
    }

    int64_t Pending() const
    {
        int64_t total = 0;
        for (const HeartCount& c : Counts)
            total += c.Count;
        return total;
    }

    static constexpr size_t MaxColors = 64;

private:
    std::vector<HeartCount> Counts;
    int64_t WindowStartMs; // ms
};

} // namespace livescope
