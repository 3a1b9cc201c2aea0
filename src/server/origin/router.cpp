// Pure HTTP routing of the origin: paths to playlists, media and blocking decisions, with fault injection on media.
#include <livescope/server/origin/router.h>

#include <livescope/server/origin/recording.h>

#include <algorithm>
#include <cstdio>

namespace livescope {

namespace {

const char* const M3u8Type = "application/vnd.apple.mpegurl";
const char* const Mp4Type = "video/mp4";
const char* const NoStore = "no-store";
const char* const Immutable = "public, max-age=31536000, immutable";

RouteDecision Text(int status, std::string body, const char* type, std::string cache)
{
    RouteDecision decision;
    decision.Status = status;
    decision.ContentType = type;
    decision.CacheControl = std::move(cache);
    decision.Body = std::move(body);
    return decision;
}

RouteDecision Plain(int status, std::string body) { return Text(status, std::move(body), "text/plain", NoStore); }

RouteDecision SendFile(std::string path)
{
    RouteDecision decision;
    decision.DecisionKind = RouteDecision::Kind::SendFile;
    decision.FilePath = std::move(path);
    return decision;
}

RouteDecision Hold()
{
    RouteDecision decision;
    decision.DecisionKind = RouteDecision::Kind::Hold;
    return decision;
}

RouteDecision ServeMedia(std::string body, bool is_fragment, FaultPlan& faults)
{
    // Faults apply to parts and segments only; init segments are always served.
    FaultAction fault = is_fragment ? faults.Next() : FaultAction{};
    fault.RateKbps = faults.RateKbps(); // the bandwidth limit applies to every media body
    if (fault.Drop)
    {
        RouteDecision drop;
        drop.DecisionKind = RouteDecision::Kind::Drop;
        drop.DelayMs = fault.DelayMs;
        return drop;
    }
    if (fault.Status != 0)
    {
        RouteDecision error = Plain(fault.Status, "injected fault\n");
        error.DelayMs = fault.DelayMs;
        return error;
    }
    if (fault.Corrupt && is_fragment)
        CorruptMdat(body); // a segment is several moof+mdat: corrupt the first one's mdat
    RouteDecision media = Text(200, std::move(body), Mp4Type, fault.Corrupt ? NoStore : Immutable);
    media.DelayMs = fault.DelayMs;
    media.RateKbps = fault.RateKbps;
    return media;
}

} // namespace

RouteDecision Route(const RouterRequest& request, const RouterState& state, FaultPlan& faults)
{
    if (state.Stopping)
        return Plain(503, "shutting down\n");
    if (request.Path.rfind("/control/", 0) == 0)
    {
        RouteDecision control;
        control.DecisionKind = RouteDecision::Kind::Control;
        return control;
    }
    if (request.Path == "/healthz")
        return Plain(200, "ok\n");
    if (request.Path == "/live/master.m3u8")
    {
        if (!state.Ready)
        {
            if (!request.TimedOut)
                return Hold(); // wait for the first segments, so a player never sees an empty playlist
            return Plain(503, "encoder not ready\n");
        }
        std::vector<VariantEntry> variants;
        for (const RouterRendition& rendition : state.Renditions)
        {
            std::string codecs = rendition.HaveInit ? rendition.Init->CodecsAttribute() : std::string();
            if (codecs.empty())
                codecs = "avc1.42c01f,mp4a.40.2";
            variants.push_back(VariantEntry{rendition.Spec->Name + "/index.m3u8", RenditionBandwidth(*rendition.Spec), uint16_t(rendition.Spec->Width),
                                            uint16_t(rendition.Spec->Height), double(state.FrameRate), codecs});
        }
        return Text(200, RenderMultivariantPlaylist(variants), M3u8Type, "public, max-age=2");
    }
    if (request.Path.rfind("/live/", 0) != 0)
        return Plain(404, "not found\n");
    const std::string_view rest = request.Path.substr(6);
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos)
        return Plain(404, "not found\n");
    const std::string_view name = rest.substr(0, slash);
    const std::string_view file = rest.substr(slash + 1);
    size_t index = state.Renditions.size();
    for (size_t i = 0; i < state.Renditions.size(); i++)
        if (state.Renditions[i].Spec->Name == name)
            index = i;
    if (index == state.Renditions.size())
        return Plain(404, "no such rendition\n");
    const LiveRendition& live = *state.Renditions[index].Live;

    if (file == "index.m3u8")
    {
        PlaylistRequest query;
        std::string reason;
        if (!ParsePlaylistQuery(request.Query, query, reason))
            return Plain(400, reason + "\n");
        RequestVerdict verdict = DecidePlaylistRequest(live, query, reason);
        if (verdict == RequestVerdict::Serve && !state.Ready && !query.HasMsn && live.CompleteSegmentCount() == 0)
            verdict = RequestVerdict::Hold;
        if (verdict == RequestVerdict::BadRequest)
            return Plain(400, reason + "\n");
        if (verdict == RequestVerdict::Hold)
            return request.TimedOut ? Plain(503, "the requested media did not appear within 3 target durations\n") : Hold();
        std::vector<RenditionReport> reports;
        for (size_t i = 0; i < state.Renditions.size(); i++)
        {
            uint64_t msn = 0, part = 0;
            if (i != index && state.Renditions[i].Live->LastPosition(msn, part))
                reports.push_back(RenditionReport{"../" + state.Renditions[i].Spec->Name + "/index.m3u8", msn, part});
        }
        // Blocking responses are cacheable (the query names the position); plain reloads get about half a part target.
        char cache[64];
        if (query.HasMsn)
            std::snprintf(cache, sizeof(cache), "public, max-age=%d", 6 * live.TargetDuration());
        else
            std::snprintf(cache, sizeof(cache), "public, max-age=%d", int(live.Config().PartTarget / 2.0 + 0.5));
        return Text(200, RenderMediaPlaylist(live, state.Session, query.Skip, reports, state.Renditions[index].Dvr), M3u8Type, cache);
    }

    const MediaUri uri = ParseMediaUri(file, state.Session);
    switch (uri.UriKind)
    {
        case MediaUri::Kind::Init: {
            SharedBytes bytes = live.FindInit(uint32_t(uri.Number));
            if (!bytes && state.Renditions[index].Dvr)
                return SendFile(state.Renditions[index].RecordDir + "/" + RecordedInitName(uint32_t(uri.Number))); // an old run's
            if (!bytes)
                return Plain(404, "no such init segment\n");
            return ServeMedia(std::string(bytes->begin(), bytes->end()), false, faults);
        }
        case MediaUri::Kind::Part: {
            RequestVerdict verdict = DecidePartRequest(live, uri.Number);
            // Stream the part being built over chunked HTTP/1.1; HEAD, HTTP/1.0 and pending faults wait for the whole part.
            if (verdict == RequestVerdict::Stream && (request.Head || request.Version < 11 || !faults.Idle()))
                verdict = RequestVerdict::Hold;
            if (verdict == RequestVerdict::Stream)
            {
                RouteDecision stream;
                stream.DecisionKind = RouteDecision::Kind::StreamPart;
                stream.StreamRendition = index;
                stream.StreamNumber = uri.Number;
                stream.RateKbps = faults.RateKbps();
                return stream;
            }
            if (verdict == RequestVerdict::Hold)
                return request.TimedOut ? Plain(503, "part did not appear in time\n") : Hold();
            const LivePart* part = live.FindPart(uri.Number);
            if (verdict != RequestVerdict::Serve || !part)
                return Plain(404, "no such part\n");
            return ServeMedia(std::string(part->Bytes->begin(), part->Bytes->end()), true, faults);
        }
        case MediaUri::Kind::Segment: {
            const RequestVerdict verdict = DecideSegmentRequest(live, uri.Number);
            if (verdict == RequestVerdict::Hold)
                return request.TimedOut ? Plain(503, "segment did not complete in time\n") : Hold();
            const LiveSegment* segment = live.FindSegment(uri.Number);
            const DvrWindow* dvr = state.Renditions[index].Dvr;
            if (verdict == RequestVerdict::NotFound && dvr && dvr->Find(uri.Number))
                return SendFile(state.Renditions[index].RecordDir + "/" + RecordedSegmentName(uri.Number)); // older than the live window
            if (verdict != RequestVerdict::Serve || !segment)
                return Plain(404, "no such segment\n");
            std::string body;
            body.reserve(segment->ByteSize);
            for (const LivePart& part : segment->Parts)
                body.append(part.Bytes->begin(), part.Bytes->end());
            return ServeMedia(std::move(body), true, faults);
        }
        case MediaUri::Kind::Invalid:
            break;
    }
    return Plain(404, "not found\n");
}

// [SECTION] Byte ranges

namespace {
// Digits only, no sign, no overflow; false otherwise (empty too).
bool ParseBytePosition(std::string_view text, uint64_t& out)
{
    if (text.empty() || text.size() > 19) return false;
    uint64_t v = 0;
    for (char c : text)
    {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    out = v;
    return true;
}

std::string_view TrimSpaces(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
} // namespace

ByteRange ParseByteRange(std::string_view header, uint64_t size)
{
    ByteRange r;
    header = TrimSpaces(header);
    if (header.empty()) return r;
    constexpr std::string_view kUnit = "bytes=";
    if (header.size() < kUnit.size()) return r;
    for (size_t i = 0; i < kUnit.size(); ++i) // the unit is case-insensitive
        if (static_cast<char>(header[i] | 0x20) != kUnit[i]) return r;
    const std::string_view spec = TrimSpaces(header.substr(kUnit.size()));
    if (spec.find(',') != std::string_view::npos) return r; // several ranges: the whole file
    r.RangeKind = ByteRange::Kind::Unsatisfiable;
    const size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return r;
    const std::string_view a = TrimSpaces(spec.substr(0, dash)), b = TrimSpaces(spec.substr(dash + 1));
    uint64_t first = 0, last = 0;
    if (a.empty())
    { // suffix: the last n bytes
        if (!ParseBytePosition(b, last) || last == 0 || size == 0) return r;
        r.First = last >= size ? 0 : size - last;
        r.Last = size - 1;
        r.RangeKind = ByteRange::Kind::Partial;
        return r;
    }
    if (!ParseBytePosition(a, first)) return r;
    if (b.empty())
        last = size == 0 ? 0 : size - 1;
    else if (!ParseBytePosition(b, last) || last < first)
        return r;
    if (first >= size) return r;
    r.First = first;
    r.Last = std::min(last, size - 1);
    r.RangeKind = ByteRange::Kind::Partial;
    return r;
}

RouteDecision ApplyByteRange(RouteDecision whole, std::string_view range_header)
{
    if (whole.DecisionKind != RouteDecision::Kind::Respond || whole.Status != 200) return whole;
    whole.AcceptRanges = true;
    const uint64_t size = whole.Body.size();
    const ByteRange r = ParseByteRange(range_header, size);
    if (r.RangeKind == ByteRange::Kind::Whole) return whole;
    if (r.RangeKind == ByteRange::Kind::Unsatisfiable)
    {
        RouteDecision refused = Plain(416, "range not satisfiable\n");
        refused.ContentRange = "bytes */" + std::to_string(size);
        refused.AcceptRanges = true;
        return refused;
    }
    whole.Status = 206;
    whole.ContentRange = "bytes " + std::to_string(r.First) + "-" + std::to_string(r.Last) + "/" + std::to_string(size);
    whole.Body = whole.Body.substr(static_cast<size_t>(r.First), static_cast<size_t>(r.Last - r.First + 1));
    return whole;
}

} // namespace livescope
