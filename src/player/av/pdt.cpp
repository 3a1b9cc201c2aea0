// Stream time to PROGRAM-DATE-TIME through a fixed ring of part anchors.
#include <livescope/player/av/pdt.h>

#include <algorithm>
#include <cmath>

namespace livescope {

void PdtMap::Add(int serial, double pts, double pdt)
{
    if (!std::isfinite(pts) || !std::isfinite(pdt))
        return;
    Ring[static_cast<size_t>(Next)] = PdtAnchor{serial, pts, pdt};
    Next = (Next + 1) % kCapacity;
    if (Count < kCapacity)
        ++Count;
}

std::optional<double> PdtMap::PdtAt(int serial, double pts) const
{
    if (!std::isfinite(pts))
        return std::nullopt;
    const PdtAnchor* before = nullptr;
    const PdtAnchor* after = nullptr;
    for (int i = 0; i < Count; ++i)
    {
        const PdtAnchor& a = Ring[static_cast<size_t>(i)];
        if (a.Serial != serial)
            continue;
        if (a.Pts <= pts)
        {
            if (before == nullptr || a.Pts > before->Pts)
                before = &a;
        }
        else if (after == nullptr || a.Pts < after->Pts)
        {
            after = &a;
        }
    }
    const PdtAnchor* use = before != nullptr ? before : after;
    if (use == nullptr)
        return std::nullopt;
    return use->Pdt + (pts - use->Pts);
}

void PdtMap::Clear()
{
    Next = 0;
    Count = 0;
}

std::optional<double> LiveLatency(const PdtMap& map, double now, int serial, double pts)
{
    const std::optional<double> pdt = map.PdtAt(serial, pts);
    if (!pdt || !std::isfinite(now))
        return std::nullopt;
    return now - *pdt;
}

} // namespace livescope

namespace livescope {

double FastStartPdt(double wall_now, double latency_option, double part_hold_back)
{
    const double target = latency_option > 0.0 ? latency_option : part_hold_back > 0.0 ? part_hold_back
                                                                                       : 1.0;
    return wall_now - target - 0.1;
}

bool FastStartKeepsVideo(double start_pdt, double pdt) { return !(pdt > 0.0 && pdt < start_pdt); }

FastStartVideoCut FastStartCutVideo(double start_pdt, bool still_wanted, double pts, double duration, double pdt)
{
    FastStartVideoCut cut{true, false, pts, pdt};
    if (FastStartKeepsVideo(start_pdt, pdt)) return cut;
    if (!still_wanted || !std::isfinite(pts) || !std::isfinite(pdt) || !std::isfinite(start_pdt))
    {
        cut.Send = false;
        return cut;
    }
    const double frame = duration > 0.0 && duration < 1.0 ? duration : 0.04; // seconds
    cut.Still = true;
    cut.Pts = std::max(pts, pts + (start_pdt - pdt) - frame);
    cut.Pdt = 0.0;
    return cut;
}

FastStartAudioCut FastStartCutAudio(double start_pdt, std::optional<double> pdt, int frames, int out_rate, double rate)
{
    FastStartAudioCut cut;
    if (start_pdt == 0.0 || frames <= 0) return cut;
    if (out_rate <= 0) out_rate = 48000;
    if (!std::isfinite(rate) || rate <= 0.0) rate = 1.0;
    const double frame_s = rate / out_rate; // seconds of media per output frame
    const double duration = frames * frame_s;
    if (!pdt.has_value() || !std::isfinite(*pdt))
    {
        if (duration < kFastStartAudioHold)
            cut.Hold = true;
        else
            cut.Drop = frames;
        return cut;
    }
    if (*pdt >= start_pdt) return cut;
    if (*pdt + duration <= start_pdt)
    {
        cut.Drop = frames;
        return cut;
    }
    const double drop = std::ceil((start_pdt - *pdt) / frame_s - 1e-6);
    cut.Drop = std::clamp(static_cast<int>(drop), 0, frames);
    return cut;
}

} // namespace livescope
