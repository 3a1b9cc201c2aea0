// Playlist to JSON for livescope-probe: every parsed field, camelCase keys, null for absent values.
#include "playlist_json.h"

namespace livescope {

namespace {
using nlohmann::json;

template <typename T>
json Opt(const std::optional<T>& v) { return v ? json(*v) : json(nullptr); }

json Range(const std::optional<HlsByteRange>& r)
{
    if (!r) return nullptr;
    return json{{"offset", r->Offset}, {"length", r->Length}};
}

// AES-128 key with the IV in effect for media sequence number `msn` ("0x" + 32 hex digits).
json Key(const std::optional<HlsKey>& k, int64_t msn)
{
    if (!k) return nullptr;
    static const char* kHex = "0123456789abcdef";
    std::string iv = "0x";
    for (uint8_t b : HlsKeyIv(*k, msn))
    {
        iv += kHex[b >> 4];
        iv += kHex[b & 15];
    }
    return json{{"method", "AES-128"}, {"uri", k->Uri}, {"iv", iv}, {"ivFromSequence", !k->Iv}};
}

json Map(const std::optional<HlsMap>& m)
{
    if (!m) return nullptr;
    return json{{"uri", m->Uri}, {"byteRange", Range(m->Range)}, {"key", Key(m->Key, 0)}};
}

json Variant(const HlsVariant& v)
{
    json j{{"uri", v.Uri}, {"bandwidth", v.Bandwidth}, {"averageBandwidth", Opt(v.AverageBandwidth)}, {"codecs", v.Codecs}, {"resolution", v.Resolution ? json(std::to_string(v.Resolution->Width) + "x" + std::to_string(v.Resolution->Height)) : json(nullptr)}, {"frameRate", Opt(v.FrameRate)}, {"audio", v.Audio}, {"video", v.Video}, {"subtitles", v.Subtitles}, {"closedCaptions", v.ClosedCaptions}};
    return j;
}
} // namespace

nlohmann::json PlaylistToJson(const HlsPlaylist& pl)
{
    json j;
    const bool media = pl.Kind == HlsPlaylistKind::Media;
    j["type"] = media ? "media" : "multivariant";
    j["url"] = pl.Url;
    j["version"] = pl.Version;
    j["independentSegments"] = pl.IndependentSegments;
    j["iFramesOnly"] = pl.IFramesOnly;
    j["start"] = pl.Start ? json{{"timeOffset", pl.Start->TimeOffset}, {"precise", pl.Start->Precise}} : json(nullptr);
    {
        json variants = json::array(), iframes = json::array(), renditions = json::array();
        for (const HlsVariant& v : pl.Variants) variants.push_back(Variant(v));
        for (const HlsVariant& v : pl.IFrameVariants) iframes.push_back(Variant(v));
        for (const HlsMedia& m : pl.Media)
        {
            renditions.push_back({{"type", m.Type}, {"groupId", m.GroupId}, {"name", m.Name}, {"language", m.Language}, {"channels", m.Channels}, {"uri", m.Uri.empty() ? json(nullptr) : json(m.Uri)}, {"default", m.Default}, {"autoselect", m.Autoselect}});
        }
        j["variants"] = variants;
        j["iFrameVariants"] = iframes;
        j["media"] = renditions;
    }
    // Media playlist fields appear in both kinds (null / empty for a multivariant playlist).
    j["targetDuration"] = media ? json(pl.TargetDuration) : json(nullptr);
    j["mediaSequence"] = media ? json(pl.MediaSequence) : json(nullptr);
    j["discontinuitySequence"] = media ? json(pl.DiscontinuitySequence) : json(nullptr);
    j["endList"] = pl.EndList;
    j["playlistType"] = pl.PlaylistType.empty() ? json(nullptr) : json(pl.PlaylistType);
    j["partTarget"] = Opt(pl.PartTarget);
    const HlsServerControl& sc = pl.ServerControl;
    j["serverControl"] = {{"canBlockReload", sc.CanBlockReload}, {"holdBack", Opt(sc.HoldBack)}, {"partHoldBack", Opt(sc.PartHoldBack)}, {"canSkipUntil", Opt(sc.CanSkipUntil)}, {"canSkipDateRanges", sc.CanSkipDateRanges}};
    j["skip"] = pl.Skip ? json{{"skippedSegments", pl.Skip->SkippedSegments}, {"recentlyRemovedDateRanges", pl.Skip->RecentlyRemovedDateRanges}} : json(nullptr);
    json segments = json::array();
    for (const HlsSegment& s : pl.Segments)
    {
        json parts = json::array();
        for (const HlsPart& p : s.Parts)
        {
            parts.push_back({{"uri", p.Uri}, {"duration", p.Duration}, {"independent", p.Independent}, {"gap", p.Gap}, {"byteRange", Range(p.Range)}});
        }
        json seg{{"msn", s.Msn}, {"duration", s.Duration}, {"title", s.Title}, {"discontinuity", s.Discontinuity}, {"discontinuitySequence", s.DiscontinuitySeq}, {"programDateTime", Opt(s.ProgramDateTime)}, {"gap", s.Gap}, {"byteRange", Range(s.Range)}, {"map", Map(s.Map)}, {"key", Key(s.Key, s.Msn)}, {"parts", parts}};
        if (s.IsComplete()) seg["uri"] = s.Uri; // the trailing parts-only entry has no uri
        segments.push_back(std::move(seg));
    }
    j["segments"] = segments;
    json hints = json::array();
    for (const HlsPreloadHint& h : pl.PreloadHints)
    {
        hints.push_back({{"type", h.Type == HlsHintType::Part ? "PART" : "MAP"}, {"uri", h.Uri}, {"byteRangeStart", h.ByteRangeStart}, {"byteRangeLength", Opt(h.ByteRangeLength)}});
    }
    j["preloadHints"] = hints;
    json reports = json::array();
    for (const HlsRenditionReport& r : pl.RenditionReports) reports.push_back({{"uri", r.Uri}, {"lastMsn", Opt(r.LastMsn)}, {"lastPart", Opt(r.LastPart)}});
    j["renditionReports"] = reports;
    json ranges = json::array();
    for (const HlsDateRange& d : pl.DateRanges)
    {
        json attrs = json::object();
        for (const auto& [k, v] : d.Attributes) attrs[k] = v;
        ranges.push_back({{"id", d.Id}, {"class", d.Class}, {"startDate", Opt(d.StartDate)}, {"duration", Opt(d.Duration)}, {"attributes", attrs}});
    }
    j["dateRanges"] = ranges;
    return j;
}

} // namespace livescope
