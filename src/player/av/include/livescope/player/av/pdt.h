// Stream time to PROGRAM-DATE-TIME: anchors from LL-HLS parts, so latency = now - PDT of the frame on screen.
#pragma once

#include <array>
#include <optional>

namespace livescope {

// One part's mapping: the pts of its first frame and the part's EXT-X-PROGRAM-DATE-TIME.
struct PdtAnchor
{
    int Serial = 0;
    double Pts = 0.0;  // seconds, stream time
    double Pdt = 0.0;  // seconds since the Unix epoch
};

// The most recent anchors in a fixed ring (no allocation). Several widgets each own one.
class PdtMap
{
public:
    static constexpr int kCapacity = 64;

    // Records an anchor (typically for the first frame decoded from each part). Non-finite values are ignored.
    void Add(int serial, double pts, double pdt);
    // PDT at `pts` of `serial`: from the nearest anchor at or before `pts`, else the earliest one
    // after it; nothing when no anchor of that serial is known.
    std::optional<double> PdtAt(int serial, double pts) const;
    void Clear();
    int Size() const { return Count; }

private:
    std::array<PdtAnchor, kCapacity> Ring{};
    int Next = 0;   // slot written by the next Add
    int Count = 0;
};

// Latency (seconds) of the frame on screen: now minus its PDT; nothing when the PDT is unknown.
std::optional<double> LiveLatency(const PdtMap& map, double now, int serial, double pts);

} // namespace livescope
