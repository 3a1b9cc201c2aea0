// Pure LL-HLS origin state and playlist text (RFC 8216bis): window bookkeeping, rendering, blocking decisions.
// [SECTION] Query and URIs
// [SECTION] LiveRendition
// [SECTION] Rendering
// [SECTION] Request decisions
#include <livescope/server/origin/live_playlist.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace livescope {

// [SECTION] Query and URIs

namespace {

bool ParseU64(std::string_view text, uint64_t& value)
{
    if (text.empty() || text.size() > 19)
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

} // namespace

bool ParsePlaylistQuery(std::string_view query, PlaylistRequest& out, std::string& error)
{
    out = PlaylistRequest{};
    while (!query.empty())
    {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        const size_t eq = pair.find('=');
        const std::string_view key = pair.substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
        if (key == "_HLS_msn")
        {
            if (!ParseU64(value, out.Msn))
            {
                error = "_HLS_msn is not a decimal integer";
                return false;
            }
            out.HasMsn = true;
        }
        else if (key == "_HLS_part")
        {
            if (!ParseU64(value, out.Part))
            {
                error = "_HLS_part is not a decimal integer";
                return false;
            }
            out.HasPart = true;
        }
        else if (key == "_HLS_skip")
        {
            if (value == "YES")
                out.Skip = SkipMode::Yes;
            else if (value == "v2")
                out.Skip = SkipMode::V2;
            else
            {
                error = "_HLS_skip must be YES or v2";
                return false;
            }
        }
    }
    if (out.HasPart && !out.HasMsn)
    {
        error = "_HLS_part without _HLS_msn";
        return false;
    }
    return true;
}

std::string PartUri(std::string_view session, uint64_t number) { return "part-" + std::string(session) + "-" + std::to_string(number) + ".m4s"; }
std::string SegmentUri(std::string_view session, uint64_t msn) { return "seg-" + std::string(session) + "-" + std::to_string(msn) + ".m4s"; }
std::string InitUri(std::string_view session, uint32_t init_id) { return "init-" + std::string(session) + "-" + std::to_string(init_id) + ".mp4"; }

MediaUri ParseMediaUri(std::string_view name, std::string_view session)
{
    MediaUri uri;
    struct Form
    {
        std::string_view Prefix;
        std::string_view Suffix;
        MediaUri::Kind UriKind;
    };
    for (const Form& form : {Form{"part-", ".m4s", MediaUri::Kind::Part}, Form{"seg-", ".m4s", MediaUri::Kind::Segment},
                             Form{"init-", ".mp4", MediaUri::Kind::Init}})
    {
        if (name.size() <= form.Prefix.size() + form.Suffix.size() + session.size() + 1 || name.substr(0, form.Prefix.size()) != form.Prefix ||
            name.substr(name.size() - form.Suffix.size()) != form.Suffix)
            continue;
        std::string_view middle = name.substr(form.Prefix.size(), name.size() - form.Prefix.size() - form.Suffix.size());
        if (middle.substr(0, session.size()) != session || middle[session.size()] != '-')
            return uri;
        uint64_t number = 0;
        if (!ParseU64(middle.substr(session.size() + 1), number))
            return uri;
        if (form.UriKind == MediaUri::Kind::Init && number > 0xffffffffu)
            return uri;
        uri.UriKind = form.UriKind;
        uri.Number = number;
        return uri;
    }
    return uri;
}

std::string FormatProgramDateTime(int64_t unix_ms)
{
    const int64_t seconds = unix_ms >= 0 ? unix_ms / 1000 : (unix_ms - 999) / 1000;
    const int millis = int(unix_ms - seconds * 1000);
    const std::time_t t = std::time_t(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[96];
    std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec, millis);
    return text;
}

// [SECTION] LiveRendition

LiveRendition::LiveRendition(LiveWindowConfig config) : WindowConfig(config)
{
    if (!(WindowConfig.PartTarget > 0.0))
        WindowConfig.PartTarget = 0.2;
    if (WindowConfig.SegmentTarget < WindowConfig.PartTarget)
        WindowConfig.SegmentTarget = WindowConfig.PartTarget;
    WindowConfig.WindowSegments = std::max<size_t>(WindowConfig.WindowSegments, 1);
    WindowConfig.PartWindowSegments = std::max<size_t>(WindowConfig.PartWindowSegments, 1);
}

int LiveRendition::TargetDuration() const { return std::max(1, int(std::ceil(WindowConfig.SegmentTarget - 1e-6))); }
double LiveRendition::CanSkipUntil() const { return 6.0 * TargetDuration(); }
double LiveRendition::PartHoldBack() const { return 3.0 * WindowConfig.PartTarget; }

uint64_t LiveRendition::AdvancePartLimit() const
{
    // RFC 8216bis: 3 / PART-TARGET when PART-TARGET < 1 s, else 3.
    return WindowConfig.PartTarget < 1.0 ? uint64_t(std::ceil(3.0 / WindowConfig.PartTarget - 1e-6)) : 3;
}

SharedBytes LiveRendition::FindInit(uint32_t init_id) const
{
    for (const InitEntry& entry : Inits)
        if (entry.Id == init_id)
            return entry.Bytes;
    return nullptr;
}

const LiveSegment* LiveRendition::FindSegment(uint64_t msn) const
{
    if (Window.empty() || msn < Window.front().Msn || msn > Window.back().Msn)
        return nullptr;
    return &Window[size_t(msn - Window.front().Msn)];
}

const LivePart* LiveRendition::FindPart(uint64_t number) const
{
    for (auto it = Window.rbegin(); it != Window.rend(); ++it)
    {
        if (it->Parts.empty() || number < it->Parts.front().Number)
            continue;
        const uint64_t index = number - it->Parts.front().Number;
        return index < it->Parts.size() ? &it->Parts[size_t(index)] : nullptr;
    }
    return nullptr;
}

size_t LiveRendition::CompleteSegmentCount() const
{
    size_t count = 0;
    for (const LiveSegment& segment : Window)
        count += segment.Complete ? 1 : 0;
    return count;
}

bool LiveRendition::LastPosition(uint64_t& msn, uint64_t& part_index) const
{
    if (Window.empty() || Window.back().Parts.empty())
        return false;
    msn = Window.back().Msn;
    part_index = Window.back().Parts.size() - 1;
    return true;
}

void LiveRendition::SetInit(SharedBytes bytes, uint32_t init_id)
{
    if (!bytes || EndedFlag)
        return;
    CloseOpenSegment();
    if (!Window.empty())
        PendingDiscontinuity = true;
    CurrentInit = bytes;
    CurrentInitIdValue = init_id;
    Inits.push_back(InitEntry{init_id, std::move(bytes)});
    Trim();
}

void LiveRendition::AppendChunk(const uint8_t* data, size_t size, double duration, bool has_video, bool independent, int64_t pdt_ms)
{
    if (!CurrentInit || !data || size == 0 || EndedFlag)
        return;
    if (has_video && independent && Building.Active && Building.HasVideo)
        CloseOpenPart(); // a keyframe starts a new part
    // A variable frame rate (a copied camera stream): close the part before a frame that would take it past
    // PART-TARGET, so no part is longer than PART-TARGET (RFC 8216bis 4.4.4.9).
    if (has_video && Building.Active && Building.HasVideo && Building.Duration + duration > WindowConfig.PartTarget + 1e-4)
        CloseOpenPart();
    if (!Building.Active)
    {
        Building = BuildingPart{};
        Building.Active = true;
        Building.Number = NextPart;
    }
    if (has_video && !Building.HasVideo)
    {
        Building.HasVideo = true;
        Building.Independent = independent;
        Building.PdtMs = pdt_ms;
    }
    Building.Bytes.insert(Building.Bytes.end(), data, data + size);
    if (has_video)
        Building.Duration += duration;
    if (Building.HasVideo && Building.Duration + 1e-4 >= WindowConfig.PartTarget)
        CloseOpenPart();
}

void LiveRendition::CloseOpenPart()
{
    if (!Building.Active)
        return;
    BuildingPart part = std::move(Building);
    Building = BuildingPart{};
    if (!part.HasVideo)
    {
        NextPart++; // never listed: skip its number so nobody waits for it
        return;
    }
    AddPart(std::make_shared<const std::vector<uint8_t>>(std::move(part.Bytes)), part.Duration, part.Independent, part.PdtMs);
}

bool LiveRendition::ReadPartBytes(uint64_t number, size_t offset, std::vector<uint8_t>& out, bool& complete) const
{
    out.clear();
    const std::vector<uint8_t>* bytes = nullptr;
    if (const LivePart* part = FindPart(number))
    {
        bytes = part->Bytes.get();
        complete = true;
    }
    else if (IsBuildingPart(number))
    {
        bytes = &Building.Bytes;
        complete = false;
    }
    if (!bytes || offset > bytes->size())
        return false;
    out.assign(bytes->begin() + std::ptrdiff_t(offset), bytes->end());
    return true;
}

void LiveRendition::CloseOpenSegment()
{
    CloseOpenPart();
    if (!Window.empty())
        Window.back().Complete = true;
    Trim();
}

void LiveRendition::End()
{
    CloseOpenSegment();
    EndedFlag = true;
}

void LiveRendition::StartSegment(int64_t pdt_ms)
{
    if (!Window.empty())
        Window.back().Complete = true;
    LiveSegment segment;
    segment.Msn = NextMsn++;
    segment.ProgramDateTimeMs = pdt_ms;
    segment.Discontinuity = PendingDiscontinuity;
    segment.InitId = CurrentInitIdValue;
    PendingDiscontinuity = false;
    Window.push_back(std::move(segment));
    Trim();
}

void LiveRendition::AddPart(SharedBytes bytes, double duration, bool independent, int64_t pdt_ms)
{
    if (!CurrentInit || !bytes || EndedFlag)
        return;
    const double target = WindowConfig.SegmentTarget;
    const double part_target = WindowConfig.PartTarget;
    bool start = Window.empty() || Window.back().Complete;
    if (!start && independent && Window.back().Duration >= target - part_target / 2.0)
        start = true;
    // Safety net: EXTINF rounded to an integer must never exceed the target duration.
    if (!start && Window.back().Duration + duration > TargetDuration() + 0.49)
        start = true;
    if (start)
        StartSegment(pdt_ms);
    LiveSegment& segment = Window.back();
    segment.ByteSize += bytes->size();
    segment.Duration += duration;
    segment.Parts.push_back(LivePart{NextPart++, duration, independent, std::move(bytes)});
}

void LiveRendition::Trim()
{
    size_t complete = CompleteSegmentCount();
    while (complete > WindowConfig.WindowSegments && !Window.empty() && Window.front().Complete)
    {
        complete--;
        if (Window.front().Discontinuity)
            DiscontinuitySeq++; // its EXT-X-DISCONTINUITY tag leaves the playlist
        Window.pop_front();
    }
    // Drop init segments no segment refers to (keep the current one).
    Inits.erase(std::remove_if(Inits.begin(), Inits.end(),
                               [&](const InitEntry& entry) {
                                   if (entry.Id == CurrentInitIdValue)
                                       return false;
                                   for (const LiveSegment& segment : Window)
                                       if (segment.InitId == entry.Id)
                                           return false;
                                   return true;
                               }),
                Inits.end());
}

// [SECTION] Rendering

namespace {

// Appends `value` with a fixed number of decimals.
void AppendFixed(std::string& out, double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof(text), "%.*f", decimals, value);
    out += text;
}

} // namespace

void DvrWindow::Add(const DvrSegment& segment)
{
    if (!List.empty() && segment.Msn <= List.back().Msn)
        return; // recorded twice or out of order: keep the list increasing
    List.push_back(segment);
    TotalSeconds += segment.Duration;
    if (WindowSeconds <= 0.0)
        return;
    while (List.size() > 1 && TotalSeconds - List.front().Duration >= WindowSeconds - 1e-6)
    {
        TotalSeconds -= List.front().Duration;
        if (List.front().Discontinuity)
            DroppedDiscontinuities++;
        List.pop_front();
    }
}

const DvrSegment* DvrWindow::Find(uint64_t msn) const
{
    if (List.empty() || msn < List.front().Msn || msn > List.back().Msn)
        return nullptr;
    // Msns are increasing but may have gaps (a segment that failed to record): binary search.
    const auto it = std::lower_bound(List.begin(), List.end(), msn, [](const DvrSegment& segment, uint64_t value) { return segment.Msn < value; });
    return it != List.end() && it->Msn == msn ? &*it : nullptr;
}

namespace {

// One line of the playlist: a recorded segment from the DVR window or a segment of the live window.
struct ListedSegment
{
    uint64_t Msn = 0;
    double Duration = 0.0;
    int64_t ProgramDateTimeMs = 0;
    bool Discontinuity = false;
    uint32_t InitId = 0;
    bool Complete = true;
    const std::vector<LivePart>* Parts = nullptr; // live window only
};

} // namespace

std::string RenderMediaPlaylist(const LiveRendition& rendition, std::string_view session, SkipMode skip,
                                const std::vector<RenditionReport>& reports, const DvrWindow* dvr)
{
    const LiveWindowConfig& config = rendition.Config();
    const std::deque<LiveSegment>& window = rendition.Segments();
    std::vector<ListedSegment> listed;
    listed.reserve(window.size() + (dvr ? dvr->Segments().size() : 0));
    uint64_t discontinuity_sequence = rendition.DiscontinuitySequence();
    if (dvr && !window.empty())
    {
        // The recorded segments just before the live window, as one run of consecutive msns (a segment that failed to
        // record ends the run: a playlist numbers its segments by position).
        const std::deque<DvrSegment>& recorded = dvr->Segments();
        size_t end = 0; // one past the last recorded segment older than the live window
        while (end < recorded.size() && recorded[end].Msn < window.front().Msn)
            end++;
        size_t begin = end;
        uint64_t expected = window.front().Msn;
        while (begin > 0 && recorded[begin - 1].Msn + 1 == expected)
        {
            begin--;
            expected = recorded[begin].Msn;
        }
        if (begin < end)
        {
            discontinuity_sequence = dvr->DiscontinuitySequence();
            for (size_t i = 0; i < begin; i++)
                discontinuity_sequence += recorded[i].Discontinuity ? 1 : 0;
        }
        for (size_t i = begin; i < end; i++)
        {
            const DvrSegment& segment = recorded[i];
            listed.push_back(ListedSegment{segment.Msn, segment.Duration, segment.ProgramDateTimeMs, segment.Discontinuity, segment.InitId, true, nullptr});
        }
    }
    const size_t live_from = listed.size();
    for (const LiveSegment& segment : window)
        listed.push_back(ListedSegment{segment.Msn, segment.Duration, segment.ProgramDateTimeMs, segment.Discontinuity, segment.InitId, segment.Complete,
                                       &segment.Parts});

    std::string out;
    out.reserve(4096 + listed.size() * 96);
    out += "#EXTM3U\n#EXT-X-VERSION:9\n";
    out += "#EXT-X-TARGETDURATION:" + std::to_string(rendition.TargetDuration()) + "\n";
    out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES";
    out += ",CAN-SKIP-UNTIL=";
    AppendFixed(out, rendition.CanSkipUntil(), 3);
    out += ",PART-HOLD-BACK=";
    AppendFixed(out, rendition.PartHoldBack(), 3);
    out += "\n";
    out += "#EXT-X-PART-INF:PART-TARGET=";
    AppendFixed(out, config.PartTarget, 3);
    out += "\n";
    if (dvr && dvr->KeepsAll())
        out += "#EXT-X-PLAYLIST-TYPE:EVENT\n";
    out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(listed.empty() ? 0 : listed.front().Msn) + "\n";
    out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(discontinuity_sequence) + "\n";

    // Delta update: skip the oldest segments while what remains still spans at least CAN-SKIP-UNTIL.
    size_t skipped = 0;
    if (skip != SkipMode::None && !listed.empty())
    {
        std::vector<double> tail(listed.size() + 1, 0.0); // tail[i]: seconds from the start of segment i to the end
        for (size_t i = listed.size(); i-- > 0;)
            tail[i] = tail[i + 1] + listed[i].Duration;
        while (skipped + 1 < listed.size() && listed[skipped].Complete && tail[skipped + 1] >= rendition.CanSkipUntil())
            skipped++;
        if (skipped > 0)
            out += "#EXT-X-SKIP:SKIPPED-SEGMENTS=" + std::to_string(skipped) + "\n";
    }

    const size_t parts_from = live_from + (window.size() > config.PartWindowSegments ? window.size() - config.PartWindowSegments : 0);
    uint32_t map_id = 0;
    bool map_written = false;
    for (size_t i = skipped; i < listed.size(); i++)
    {
        const ListedSegment& segment = listed[i];
        if (segment.Discontinuity)
            out += "#EXT-X-DISCONTINUITY\n";
        if (!map_written || segment.InitId != map_id)
        {
            out += "#EXT-X-MAP:URI=\"" + InitUri(session, segment.InitId) + "\"\n";
            map_id = segment.InitId;
            map_written = true;
        }
        out += "#EXT-X-PROGRAM-DATE-TIME:" + FormatProgramDateTime(segment.ProgramDateTimeMs) + "\n";
        if (i >= parts_from && segment.Parts)
        {
            for (const LivePart& part : *segment.Parts)
            {
                out += "#EXT-X-PART:DURATION=";
                AppendFixed(out, part.Duration, 5);
                out += ",URI=\"" + PartUri(session, part.Number) + "\"";
                if (part.Independent)
                    out += ",INDEPENDENT=YES";
                out += "\n";
            }
        }
        if (segment.Complete)
        {
            out += "#EXTINF:";
            AppendFixed(out, segment.Duration, 5);
            out += ",\n";
            out += SegmentUri(session, segment.Msn) + "\n";
        }
    }
    if (rendition.Ended())
        out += "#EXT-X-ENDLIST\n";
    else if (rendition.HasInit())
        out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" + PartUri(session, rendition.NextPartNumber()) + "\"\n";
    for (const RenditionReport& report : reports)
        out += "#EXT-X-RENDITION-REPORT:URI=\"" + report.Uri + "\",LAST-MSN=" + std::to_string(report.LastMsn) +
               ",LAST-PART=" + std::to_string(report.LastPart) + "\n";
    return out;
}

std::string RenderMultivariantPlaylist(const std::vector<VariantEntry>& variants)
{
    std::string out = "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n";
    for (const VariantEntry& variant : variants)
    {
        out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(variant.Bandwidth);
        if (variant.Width > 0 && variant.Height > 0)
            out += ",RESOLUTION=" + std::to_string(variant.Width) + "x" + std::to_string(variant.Height);
        if (variant.FrameRate > 0.0)
        {
            out += ",FRAME-RATE=";
            AppendFixed(out, variant.FrameRate, 3);
        }
        if (!variant.Codecs.empty())
            out += ",CODECS=\"" + variant.Codecs + "\"";
        out += "\n" + variant.Uri + "\n";
    }
    return out;
}

// [SECTION] Request decisions

namespace {

// True when the playlist already contains segment `msn` (complete), or part `part` of it when has_part.
bool PlaylistContains(const LiveRendition& rendition, uint64_t msn, bool has_part, uint64_t part)
{
    const std::deque<LiveSegment>& window = rendition.Segments();
    if (window.empty())
        return false;
    if (msn < window.front().Msn)
        return true;
    const LiveSegment* segment = rendition.FindSegment(msn);
    if (!segment)
        return false;
    if (!has_part)
        return segment->Complete;
    if (part < segment->Parts.size())
        return true;
    // A part index past the end of a finished segment means part 0 of the next one.
    return segment->Complete && msn < window.back().Msn && !window[size_t(msn + 1 - window.front().Msn)].Parts.empty();
}

} // namespace

RequestVerdict DecidePlaylistRequest(const LiveRendition& rendition, const PlaylistRequest& request, std::string& reason)
{
    if (request.HasPart && !request.HasMsn)
    {
        reason = "_HLS_part without _HLS_msn";
        return RequestVerdict::BadRequest;
    }
    if (!request.HasMsn || rendition.Ended())
        return RequestVerdict::Serve; // an ended playlist never grows: answer with what there is
    uint64_t last_msn = 0, last_part = 0;
    if (!rendition.LastPosition(last_msn, last_part))
        return RequestVerdict::Hold; // nothing yet: wait for the first part
    if (request.Msn > last_msn + 2)
    {
        reason = "_HLS_msn is more than two segments past the last one";
        return RequestVerdict::BadRequest;
    }
    if (request.HasPart && request.Msn == last_msn && request.Part > last_part + rendition.AdvancePartLimit())
    {
        reason = "_HLS_part is beyond the advance part limit";
        return RequestVerdict::BadRequest;
    }
    return PlaylistContains(rendition, request.Msn, request.HasPart, request.Part) ? RequestVerdict::Serve : RequestVerdict::Hold;
}

RequestVerdict DecidePartRequest(const LiveRendition& rendition, uint64_t number)
{
    if (rendition.FindPart(number))
        return RequestVerdict::Serve;
    if (rendition.IsBuildingPart(number))
        return RequestVerdict::Stream;
    if (rendition.Ended())
        return RequestVerdict::NotFound;
    const uint64_t next = rendition.NextPartNumber();
    if (number >= next && number - next < rendition.AdvancePartLimit())
        return RequestVerdict::Hold;
    return RequestVerdict::NotFound;
}

RequestVerdict DecideSegmentRequest(const LiveRendition& rendition, uint64_t msn)
{
    const LiveSegment* segment = rendition.FindSegment(msn);
    if (segment)
        return segment->Complete ? RequestVerdict::Serve : RequestVerdict::Hold;
    const std::deque<LiveSegment>& window = rendition.Segments();
    if (!rendition.Ended() && !window.empty() && msn == window.back().Msn + 1)
        return RequestVerdict::Hold; // the next segment: a client polling ahead
    return RequestVerdict::NotFound;
}

} // namespace livescope
