// Pure playlist logic: merge, start point, live edge, media items, reload URLs and timing, staleness, ABR estimator.
#include <livescope/player/hls/playlist_logic.h>

#include <algorithm>
#include <cmath>

namespace livescope {

// [SECTION] Delta updates (EXT-X-SKIP)

HlsMergeResult MergePlaylistUpdate(const HlsPlaylist& previous, const HlsPlaylist& update)
{
    HlsMergeResult r;
    if (!update.Skip)
    {
        r.Ok = true;
        r.Playlist = update;
        return r;
    }
    if (previous.Kind != HlsPlaylistKind::Media || update.Kind != HlsPlaylistKind::Media)
    {
        r.Reason = "delta update without a previous media playlist";
        return r;
    }
    const int64_t first = update.MediaSequence;
    const int64_t count = update.Skip->SkippedSegments;
    std::vector<const HlsSegment*> skipped;
    for (const HlsSegment& s : previous.Segments)
    {
        if (s.IsComplete() && s.Msn >= first && s.Msn < first + count) skipped.push_back(&s);
    }
    if (static_cast<int64_t>(skipped.size()) != count)
    {
        r.Reason = "previous playlist lacks skipped segments " + std::to_string(first) + ".." + std::to_string(first + count - 1);
        return r;
    }
    for (size_t i = 0; i < skipped.size(); i++)
    {
        if (skipped[i]->Msn != first + static_cast<int64_t>(i))
        {
            r.Reason = "skipped segments are not contiguous";
            return r;
        }
    }
    if (!skipped.empty() && skipped.front()->DiscontinuitySeq - (skipped.front()->Discontinuity ? 1 : 0) != update.DiscontinuitySequence)
    {
        r.Reason = "discontinuity sequence mismatch between update and previous playlist";
        return r;
    }
    HlsPlaylist out = update;
    out.Skip.reset();
    out.Segments.clear();
    out.Segments.reserve(skipped.size() + update.Segments.size());
    for (const HlsSegment* s : skipped) out.Segments.push_back(*s);
    int64_t disc = skipped.empty() ? update.DiscontinuitySequence : skipped.back()->DiscontinuitySeq;
    for (HlsSegment s : update.Segments)
    {
        if (s.Discontinuity) disc++;
        s.DiscontinuitySeq = disc;
        if (!out.Segments.empty())
        {
            const HlsSegment& prev = out.Segments.back();
            if (!s.ProgramDateTime && !s.Discontinuity && prev.ProgramDateTime) s.ProgramDateTime = *prev.ProgramDateTime + prev.Duration;
            if (!s.Map) s.Map = prev.Map;
        }
        out.Segments.push_back(std::move(s));
    }
    // Date ranges: keep the previous ones unless removed or redefined.
    std::vector<HlsDateRange> ranges;
    for (const HlsDateRange& d : previous.DateRanges)
    {
        const auto& removed = update.Skip->RecentlyRemovedDateRanges;
        if (std::find(removed.begin(), removed.end(), d.Id) != removed.end()) continue;
        bool redefined = false;
        for (const HlsDateRange& n : update.DateRanges) redefined = redefined || n.Id == d.Id;
        if (!redefined) ranges.push_back(d);
    }
    for (const HlsDateRange& n : update.DateRanges) ranges.push_back(n);
    out.DateRanges = std::move(ranges);
    r.Ok = true;
    r.Playlist = std::move(out);
    return r;
}

// [SECTION] Positions, live edge and start point

double PlaylistDuration(const HlsPlaylist& pl)
{
    double d = 0.0;
    for (const HlsSegment& s : pl.Segments) d += s.Duration;
    return d;
}

bool IsLowLatency(const HlsPlaylist& pl, bool low_latency_wanted)
{
    if (!low_latency_wanted || !pl.PartTarget) return false;
    for (const HlsSegment& s : pl.Segments)
    {
        if (s.Key) return false; // AES-128: whole segments only (a part is not a unit of CBC with its own IV)
    }
    return true;
}

double HoldBack(const HlsPlaylist& pl, bool low_latency)
{
    if (low_latency)
    {
        if (pl.ServerControl.PartHoldBack) return *pl.ServerControl.PartHoldBack;
        if (pl.PartTarget) return 3.0 * *pl.PartTarget;
    }
    if (pl.ServerControl.HoldBack) return *pl.ServerControl.HoldBack;
    return 3.0 * pl.TargetDuration;
}

HlsStartPoint ComputeStartPoint(const HlsPlaylist& pl, bool low_latency)
{
    HlsStartPoint sp;
    if (pl.Segments.empty()) return sp;
    const double total = PlaylistDuration(pl);
    double target = 0.0;
    if (pl.Start)
        target = pl.Start->TimeOffset >= 0 ? pl.Start->TimeOffset : total + pl.Start->TimeOffset;
    else if (!pl.EndList)
        target = total - HoldBack(pl, low_latency);
    target = std::clamp(target, 0.0, total);
    double t = 0.0;
    bool found = false;
    for (const HlsSegment& s : pl.Segments)
    {
        if (t > target + 1e-9) break;
        if (low_latency && !s.Parts.empty())
        {
            double pt = t;
            for (size_t j = 0; j < s.Parts.size(); j++)
            {
                if (pt > target + 1e-9) break;
                if ((j == 0 || s.Parts[j].Independent) && !s.Parts[j].Gap)
                {
                    sp.Position = {s.Msn, static_cast<int>(j)};
                    sp.Offset = pt;
                    found = true;
                }
                pt += s.Parts[j].Duration;
            }
        }
        else if (s.IsComplete() && !s.Gap)
        {
            sp.Position = {s.Msn, low_latency ? 0 : -1};
            if (low_latency && s.Parts.empty()) sp.Position.Part = -1;
            sp.Offset = t;
            found = true;
        }
        t += s.Duration;
    }
    if (!found)
    {
        // Only parts of an unfinished segment (non-LL mode) or only gaps: wait for the first segment.
        sp.Position = {pl.Segments.front().Msn, -1};
        sp.Offset = 0.0;
    }
    sp.Ok = true;
    sp.Distance = total - sp.Offset;
    return sp;
}

// [SECTION] Replay (VOD), DVR and seeking

bool IsReplayPlaylist(const HlsPlaylist& pl) { return pl.EndList || pl.PlaylistType == "VOD"; }

HlsSeekPoint SeekPointAt(const HlsPlaylist& pl, double position, bool low_latency)
{
    HlsSeekPoint sp;
    double total = 0.0;
    for (const HlsSegment& s : pl.Segments)
        if (s.IsComplete()) total += s.Duration;
    if (!std::isfinite(position)) position = 0.0;
    const double target = std::clamp(position, 0.0, std::max(0.0, total - 1e-3));
    // The segment that holds the target; a gap there moves on to the next usable one, gaps up to the end back to the last.
    double t = 0.0;
    const HlsSegment* chosen = nullptr;
    const HlsSegment* last_usable = nullptr;
    double chosen_at = 0.0, last_usable_at = 0.0;
    for (const HlsSegment& s : pl.Segments)
    {
        if (!s.IsComplete()) break;
        const double end = t + s.Duration;
        if (!s.Gap)
        {
            if (end > target + 1e-9)
            {
                chosen = &s;
                chosen_at = t;
                break;
            }
            last_usable = &s;
            last_usable_at = t;
        }
        t = end;
    }
    if (chosen == nullptr)
    {
        chosen = last_usable;
        chosen_at = last_usable_at;
    }
    if (chosen == nullptr) return sp;
    sp.Ok = true;
    sp.Position = {chosen->Msn, low_latency ? 0 : -1};
    sp.Offset = chosen_at;
    sp.Target = std::max(target, chosen_at);
    sp.SegmentPdt = chosen->ProgramDateTime;
    if (chosen->ProgramDateTime) sp.TargetPdt = *chosen->ProgramDateTime + (sp.Target - chosen_at);
    return sp;
}

std::optional<double> PlaylistPositionOfPdt(const HlsPlaylist& pl, double pdt)
{
    double t = 0.0;
    bool any = false;
    for (const HlsSegment& s : pl.Segments)
    {
        if (s.ProgramDateTime)
        {
            if (!any && pdt < *s.ProgramDateTime) return t; // before the first dated sample
            any = true;
            if (pdt < *s.ProgramDateTime + s.Duration) return t + std::max(0.0, pdt - *s.ProgramDateTime);
        }
        t += s.Duration;
    }
    if (!any) return std::nullopt;
    return t;
}

HlsTimeline TimelineOf(const HlsPlaylist& pl)
{
    HlsTimeline tl;
    tl.Replay = IsReplayPlaylist(pl);
    for (const HlsSegment& s : pl.Segments)
    {
        if (!s.IsComplete()) break;
        if (!tl.StartPdt && s.ProgramDateTime) tl.StartPdt = *s.ProgramDateTime - tl.Duration;
        tl.Duration += s.Duration;
        if (s.ProgramDateTime) tl.EndPdt = *s.ProgramDateTime + s.Duration;
    }
    return tl;
}

HlsPosition NextPosition(const HlsPlaylist& pl, bool low_latency)
{
    if (pl.Segments.empty()) return {pl.MediaSequence + (pl.Skip ? pl.Skip->SkippedSegments : 0), low_latency ? 0 : -1};
    const HlsSegment& last = pl.Segments.back();
    if (!last.IsComplete())
    {
        if (low_latency) return {last.Msn, static_cast<int>(last.Parts.size())};
        return {last.Msn, -1};
    }
    return {last.Msn + 1, low_latency ? 0 : -1};
}

bool PlaylistHas(const HlsPlaylist& pl, const HlsPosition& pos)
{
    for (const HlsSegment& s : pl.Segments)
    {
        if (s.Msn > pos.Msn) return true;
        if (s.Msn != pos.Msn) continue;
        if (s.IsComplete()) return true;
        return pos.Part >= 0 && pos.Part < static_cast<int>(s.Parts.size());
    }
    return false;
}

// [SECTION] Media items: what to load at a position

HlsPosition PositionAfter(const HlsPosition& pos, bool low_latency)
{
    if (pos.Part < 0) return {pos.Msn + 1, low_latency ? 0 : -1};
    return {pos.Msn, pos.Part + 1};
}

HlsItemResult LookupMediaItem(const HlsPlaylist& pl, const HlsPosition& pos, bool low_latency)
{
    HlsItemResult r;
    const HlsSegment* s = nullptr;
    for (const HlsSegment& x : pl.Segments)
    {
        if (x.Msn == pos.Msn)
        {
            s = &x;
            break;
        }
    }
    if (!s)
    {
        if (!pl.Segments.empty() && pos.Msn < pl.Segments.front().Msn) r.Lookup = HlsItemLookup::Restart;
        return r; // else NotYet
    }
    HlsMediaItem& out = r.Item;
    out.Pos = pos;
    out.Map = s->Map;
    out.Key = s->Key;
    out.DiscontinuitySeq = s->DiscontinuitySeq;
    if (pos.Part < 0 || (s->Parts.empty() && s->IsComplete() && pos.Part == 0))
    {
        if (!s->IsComplete()) return r;
        if (s->Gap)
        {
            r.Lookup = HlsItemLookup::Skip;
            r.SkipTo = PositionAfter({pos.Msn, -1}, low_latency);
            r.Gap = true;
            return r;
        }
        out.Pos.Part = -1;
        out.IsPart = false;
        out.Uri = s->Uri;
        out.Range = s->Range;
        out.Independent = true;
        out.ProgramDateTime = s->ProgramDateTime;
        out.Duration = s->Duration;
        r.Lookup = HlsItemLookup::Ready;
        return r;
    }
    if (pos.Part >= static_cast<int>(s->Parts.size()))
    {
        if (!s->IsComplete()) return r;
        r.Lookup = HlsItemLookup::Skip;
        r.SkipTo = {pos.Msn + 1, 0};
        return r;
    }
    const HlsPart& p = s->Parts[static_cast<size_t>(pos.Part)];
    if (p.Gap)
    {
        r.Lookup = HlsItemLookup::Skip;
        r.SkipTo = {pos.Msn, pos.Part + 1};
        r.Gap = true;
        return r;
    }
    out.IsPart = true;
    out.Uri = p.Uri;
    out.Range = p.Range;
    out.Independent = p.Independent || pos.Part == 0;
    double offset = 0.0; // seconds from the segment's start
    for (int j = 0; j < pos.Part; j++) offset += s->Parts[static_cast<size_t>(j)].Duration;
    if (s->ProgramDateTime) out.ProgramDateTime = *s->ProgramDateTime + offset;
    out.Duration = p.Duration;
    r.Lookup = HlsItemLookup::Ready;
    return r;
}

// [SECTION] Blocking reload and reload timing

std::string BuildReloadUrl(const std::string& url, std::optional<int64_t> msn, int part, HlsSkipRequest skip)
{
    std::string base = url, fragment;
    if (size_t h = base.find('#'); h != std::string::npos)
    {
        fragment = base.substr(h);
        base.resize(h);
    }
    std::string query;
    if (size_t q = base.find('?'); q != std::string::npos)
    {
        query = base.substr(q + 1);
        base.resize(q);
    }
    std::string kept;
    size_t i = 0;
    while (i <= query.size() && !query.empty())
    {
        size_t j = query.find('&', i);
        if (j == std::string::npos) j = query.size();
        const std::string p = query.substr(i, j - i);
        if (!p.empty() && p.rfind("_HLS_", 0) != 0) kept += (kept.empty() ? "" : "&") + p;
        i = j + 1;
    }
    auto add = [&](const std::string& kv) { kept += (kept.empty() ? "" : "&") + kv; };
    if (msn)
    {
        add("_HLS_msn=" + std::to_string(*msn));
        if (part >= 0) add("_HLS_part=" + std::to_string(part));
    }
    if (skip == HlsSkipRequest::Yes)
        add("_HLS_skip=YES");
    else if (skip == HlsSkipRequest::V2)
        add("_HLS_skip=v2");
    return base + (kept.empty() ? "" : "?" + kept) + fragment;
}

HlsSkipRequest ChooseSkip(const HlsPlaylist& pl, double playlist_age)
{
    if (!pl.ServerControl.CanSkipUntil || pl.EndList) return HlsSkipRequest::No;
    if (playlist_age >= *pl.ServerControl.CanSkipUntil / 2.0) return HlsSkipRequest::No;
    return pl.ServerControl.CanSkipDateRanges ? HlsSkipRequest::V2 : HlsSkipRequest::Yes;
}

double ReloadDelay(const HlsPlaylist& pl, bool changed)
{
    const double td = pl.TargetDuration > 0 ? pl.TargetDuration : 1.0;
    return changed ? td : td / 2.0;
}

bool IsPlaylistStale(const HlsPlaylist& pl, double last_change_time, double now)
{
    if (pl.EndList) return false;
    const double td = pl.TargetDuration > 0 ? pl.TargetDuration : 1.0;
    return now - last_change_time > 1.5 * td;
}

// [SECTION] ABR

void HlsBandwidthEstimator::AddSample(double bytes, double seconds)
{
    if (!(bytes > 0) || !(seconds > 0) || !std::isfinite(bytes) || !std::isfinite(seconds)) return;
    const double bps = 8.0 * bytes / seconds;
    // Each sample weighs at least MinSampleWeight: on a fast link a part arrives in a millisecond, and without the
    // floor the estimate would take thousands of parts to recover from one slow stretch.
    const double weight_s = std::max(seconds, MinSampleWeight);
    auto ewma = [&](double half_life, double& value, double& weight) {
        const double alpha = std::exp(std::log(0.5) / half_life);
        const double adj = std::pow(alpha, weight_s);
        value = bps * (1.0 - adj) + adj * value;
        weight += weight_s;
    };
    ewma(FastHalfLife, Fast, FastWeight);
    ewma(SlowHalfLife, Slow, SlowWeight);
    Samples++;
}

double HlsBandwidthEstimator::Estimate() const
{
    if (Samples == 0) return 0.0;
    auto get = [](double half_life, double value, double weight) {
        const double alpha = std::exp(std::log(0.5) / half_life);
        const double zero_factor = 1.0 - std::pow(alpha, weight);
        return zero_factor > 0 ? value / zero_factor : value;
    };
    return std::min(get(FastHalfLife, Fast, FastWeight), get(SlowHalfLife, Slow, SlowWeight));
}

int ChooseVariant(const std::vector<HlsVariant>& variants, int current, double estimate, double safety, double up_margin)
{
    if (variants.empty()) return -1;
    if (current < 0 || current >= static_cast<int>(variants.size())) current = 0;
    if (!(estimate > 0)) return current;
    const double budget = estimate * safety;
    const int64_t cur_bw = variants[static_cast<size_t>(current)].Bandwidth;
    int best = -1, lowest = 0;
    for (int i = 0; i < static_cast<int>(variants.size()); i++)
    {
        const int64_t bw = variants[static_cast<size_t>(i)].Bandwidth;
        if (bw < variants[static_cast<size_t>(lowest)].Bandwidth) lowest = i;
        const double limit = bw > cur_bw ? budget / up_margin : budget;
        if (static_cast<double>(bw) <= limit && (best < 0 || bw > variants[static_cast<size_t>(best)].Bandwidth)) best = i;
    }
    if (best < 0) return lowest;
    // Stay when the current variant is still affordable and nothing higher qualifies.
    if (variants[static_cast<size_t>(best)].Bandwidth == cur_bw) return current;
    return best;
}

} // namespace livescope
