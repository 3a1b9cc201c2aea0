// The demuxers' push buffer: pushed bytes not yet consumed, with the caller's tag of each run (pure, header-only).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace livescope {

// Buf[Head..] is live; Head advances as units are consumed, and Compact() drops what lies before it (occasionally, so
// a push costs amortised O(bytes)). Logical offsets count bytes pushed since the last reset; Buf[0] is at BufBase.
// Used as a base by Demuxer::Impl (FFmpeg) and Fmp4Demux::Impl, so both keep these member names.
struct TaggedBytes
{
    std::vector<uint8_t> Buf;
    size_t Head = 0;
    int64_t BufBase = 0;
    std::vector<std::pair<int64_t, int64_t>> Tags; // (logical offset where a tag starts, tag), in push order

    size_t Live() const { return Buf.size() - Head; }

    // Appends `bytes` pushed with `tag` (a new tag run starts only when the tag changes).
    void Append(std::span<const uint8_t> bytes, int64_t tag)
    {
        if (bytes.empty())
            return;
        if (Tags.empty() || Tags.back().second != tag)
            Tags.emplace_back(BufBase + static_cast<int64_t>(Buf.size()), tag);
        Buf.insert(Buf.end(), bytes.begin(), bytes.end());
    }

    // Drops the consumed bytes; keeps the tag in force at BufBase and every later one.
    void Compact()
    {
        if (Head == 0)
            return;
        Buf.erase(Buf.begin(), Buf.begin() + static_cast<std::ptrdiff_t>(Head));
        BufBase += static_cast<int64_t>(Head);
        Head = 0;
        size_t keep = 0;
        while (keep + 1 < Tags.size() && Tags[keep + 1].first <= BufBase)
            ++keep;
        Tags.erase(Tags.begin(), Tags.begin() + static_cast<std::ptrdiff_t>(keep));
    }

    // The tag of the byte at logical `offset` (the first tag for an offset before every run; 0 when none).
    int64_t TagAt(int64_t offset) const
    {
        for (size_t i = Tags.size(); i-- > 0;)
            if (Tags[i].first <= offset)
                return Tags[i].second;
        return Tags.empty() ? 0 : Tags.front().second;
    }
};

} // namespace livescope
