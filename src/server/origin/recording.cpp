// Pure rules of the origin's recordings: layout names, segment log, recording.json, run ids, /vod/ paths, VOD
// playlists, crash recovery, /vod/index.json and retention decisions.
// [SECTION] Names and ids
// [SECTION] Segment log
// [SECTION] recording.json
// [SECTION] /vod/ paths and playlists
// [SECTION] Recovery, index and retention
#include <livescope/server/origin/recording.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace livescope {

// [SECTION] Names and ids

namespace {

bool AllOf(std::string_view text, size_t max, bool dash)
{
    if (text.empty() || text.size() > max)
        return false;
    for (char c : text)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (dash && c == '-')))
            return false;
    return true;
}

bool ParseU64(std::string_view text, uint64_t& value)
{
    if (text.empty() || text.size() > 19)
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool ParseI64(std::string_view text, int64_t& value)
{
    if (text.empty() || text.size() > 20)
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

void AppendFixed(std::string& out, double value, int decimals)
{
    char text[64];
    std::snprintf(text, sizeof(text), "%.*f", decimals, value);
    out += text;
}

} // namespace

bool ValidRecordingId(std::string_view id) { return AllOf(id, RecordingIdMaxBytes, true); }
bool ValidRenditionName(std::string_view name) { return AllOf(name, 16, false); }

std::string AllocateRecordingId(int64_t started_ms, const std::vector<std::string>& taken)
{
    const int64_t seconds = started_ms >= 0 ? started_ms / 1000 : (started_ms - 999) / 1000;
    const std::time_t t = std::time_t(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[64];
    std::snprintf(text, sizeof(text), "%04d%02d%02dt%02d%02d%02dz", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    const std::string base = text;
    auto free = [&](const std::string& id) { return std::find(taken.begin(), taken.end(), id) == taken.end(); };
    if (free(base))
        return base;
    for (size_t suffix = 2;; suffix++)
    {
        const std::string id = base + "-" + std::to_string(suffix);
        if (free(id))
            return id;
    }
}

std::string RecordedSegmentName(uint64_t msn) { return "seg-" + std::to_string(msn) + ".m4s"; }
std::string RecordedInitName(uint32_t init_id) { return "init-" + std::to_string(init_id) + ".mp4"; }

// [SECTION] Segment log

std::string SegmentLogLine(const DvrSegment& segment)
{
    std::string line = std::to_string(segment.Msn) + " ";
    AppendFixed(line, segment.Duration, 5);
    line += " " + std::to_string(segment.ProgramDateTimeMs) + " " + (segment.Discontinuity ? "1" : "0") + " " + std::to_string(segment.InitId) + " " +
            std::to_string(segment.ByteSize) + "\n";
    return line;
}

namespace {

bool ParseSegmentLine(std::string_view line, DvrSegment& out)
{
    std::string_view fields[6];
    size_t count = 0;
    while (!line.empty())
    {
        const size_t space = line.find(' ');
        if (count == 6)
            return false;
        fields[count++] = line.substr(0, space);
        line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
    }
    if (count != 6)
        return false;
    uint64_t init = 0;
    if (!ParseU64(fields[0], out.Msn) || !ParseI64(fields[2], out.ProgramDateTimeMs) || !ParseU64(fields[4], init) || init > 0xffffffffu ||
        !ParseU64(fields[5], out.ByteSize) || (fields[3] != "0" && fields[3] != "1"))
        return false;
    out.InitId = uint32_t(init);
    out.Discontinuity = fields[3] == "1";
    // Duration: digits, one '.', digits (what AppendFixed writes); at most a day.
    const std::string_view duration = fields[1];
    if (duration.empty() || duration.size() > 16)
        return false;
    const size_t dot = duration.find('.');
    uint64_t whole = 0, fraction = 0;
    if (!ParseU64(duration.substr(0, dot), whole) || whole > 86400)
        return false;
    double value = double(whole);
    if (dot != std::string_view::npos)
    {
        const std::string_view digits = duration.substr(dot + 1);
        if (!ParseU64(digits, fraction) || digits.size() > 9 || (whole == 86400 && fraction != 0))
            return false;
        value += double(fraction) / std::pow(10.0, double(digits.size()));
    }
    out.Duration = value;
    return true;
}

} // namespace

bool ParseSegmentLog(std::string_view text, std::vector<DvrSegment>& out, std::string& error)
{
    out.clear();
    size_t line_number = 0;
    while (!text.empty())
    {
        const size_t newline = text.find('\n');
        if (newline == std::string_view::npos)
            break; // a line cut short by a crash: ignored
        const std::string_view line = text.substr(0, newline);
        text = text.substr(newline + 1);
        line_number++;
        if (out.size() >= SegmentLogMaxLines)
            break;
        DvrSegment segment;
        if (!ParseSegmentLine(line, segment))
        {
            error = "line " + std::to_string(line_number) + " is not a segment line";
            return false;
        }
        if (!out.empty() && segment.Msn <= out.back().Msn)
        {
            error = "line " + std::to_string(line_number) + ": media sequence numbers must increase";
            return false;
        }
        out.push_back(segment);
    }
    return true;
}

// [SECTION] recording.json

std::string RenderRecordingMeta(const RecordingMeta& meta)
{
    nlohmann::json renditions = nlohmann::json::array();
    for (const RecordedRendition& rendition : meta.Renditions)
        renditions.push_back({{"name", rendition.Name},
                              {"bandwidth", rendition.Bandwidth},
                              {"width", rendition.Width},
                              {"height", rendition.Height},
                              {"frame_rate", rendition.FrameRate},
                              {"codecs", rendition.Codecs}});
    nlohmann::json body = {{"name", meta.Name}, {"id", meta.Id}, {"title", meta.Title}, {"started", meta.StartedMs}, {"renditions", std::move(renditions)}};
    if (meta.Ended)
        body["ended"] = meta.EndedMs;
    if (meta.Recovered)
        body["recovered"] = true;
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

bool ParseRecordingMeta(std::string_view text, RecordingMeta& out, std::string& error)
{
    out = RecordingMeta{};
    const nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
    if (!body.is_object())
    {
        error = "not a JSON object";
        return false;
    }
    auto text_field = [&](const char* key, std::string& value) {
        const auto it = body.find(key);
        if (it == body.end() || !it->is_string())
            return false;
        value = it->get<std::string>();
        return true;
    };
    auto int_field = [&](const nlohmann::json& object, const char* key, int64_t& value) {
        const auto it = object.find(key);
        if (it == object.end() || !it->is_number_integer())
            return false;
        value = it->get<int64_t>();
        return true;
    };
    if (!text_field("name", out.Name) || !ValidRecordingId(out.Name) || !text_field("id", out.Id) || !ValidRecordingId(out.Id))
    {
        error = "name or id missing or invalid";
        return false;
    }
    text_field("title", out.Title);
    if (!int_field(body, "started", out.StartedMs))
    {
        error = "started missing";
        return false;
    }
    out.Ended = int_field(body, "ended", out.EndedMs);
    const auto recovered = body.find("recovered");
    out.Recovered = recovered != body.end() && recovered->is_boolean() && recovered->get<bool>();
    const auto renditions = body.find("renditions");
    if (renditions == body.end() || !renditions->is_array())
    {
        error = "renditions missing";
        return false;
    }
    for (const nlohmann::json& entry : *renditions)
    {
        if (!entry.is_object())
            continue;
        RecordedRendition rendition;
        int64_t bandwidth = 0, width = 0, height = 0;
        const auto name = entry.find("name");
        if (name == entry.end() || !name->is_string() || !ValidRenditionName(name->get<std::string>()))
            continue;
        rendition.Name = name->get<std::string>();
        int_field(entry, "bandwidth", bandwidth);
        int_field(entry, "width", width);
        int_field(entry, "height", height);
        rendition.Bandwidth = uint32_t(std::clamp<int64_t>(bandwidth, 0, 0xffffffff));
        rendition.Width = uint16_t(std::clamp<int64_t>(width, 0, 0xffff));
        rendition.Height = uint16_t(std::clamp<int64_t>(height, 0, 0xffff));
        const auto rate = entry.find("frame_rate");
        if (rate != entry.end() && rate->is_number())
            rendition.FrameRate = std::clamp(rate->get<double>(), 0.0, 1000.0);
        const auto codecs = entry.find("codecs");
        if (codecs != entry.end() && codecs->is_string())
            rendition.Codecs = codecs->get<std::string>().substr(0, 200);
        out.Renditions.push_back(std::move(rendition));
    }
    return true;
}

// [SECTION] /vod/ paths and playlists

std::string ReplayPath(std::string_view name, std::string_view id) { return "/vod/" + std::string(name) + "/" + std::string(id) + "/master.m3u8"; }

VodPath SplitVodPath(std::string_view path)
{
    VodPath out;
    if (path.substr(0, 5) != "/vod/")
        return out;
    if (path == "/vod/index.json")
    {
        out.PathKind = VodPath::Kind::Index;
        return out;
    }
    std::vector<std::string_view> parts;
    std::string_view rest = path.substr(5);
    while (parts.size() < 5)
    {
        const size_t slash = rest.find('/');
        parts.push_back(rest.substr(0, slash));
        if (slash == std::string_view::npos)
            break;
        rest = rest.substr(slash + 1);
    }
    if (parts.size() < 2 || parts.size() > 4 || !ValidRecordingId(parts[0]) || !ValidRecordingId(parts[1]))
        return out;
    out.Name = std::string(parts[0]);
    out.Id = std::string(parts[1]);
    if (parts.size() == 2)
    {
        out.PathKind = VodPath::Kind::Recording;
        return out;
    }
    if (parts.size() == 3)
    {
        if (parts[2] == "master.m3u8")
            out.PathKind = VodPath::Kind::Master;
        return out;
    }
    if (!ValidRenditionName(parts[2]))
        return out;
    out.Rendition = std::string(parts[2]);
    const std::string_view file = parts[3];
    if (file == "index.m3u8")
    {
        out.PathKind = VodPath::Kind::Media;
        return out;
    }
    // Only names RecordedSegmentName / RecordedInitName make (canonical numbers: no leading zeros).
    uint64_t number = 0;
    if (file.size() > 8 && file.substr(0, 4) == "seg-" && file.substr(file.size() - 4) == ".m4s" && ParseU64(file.substr(4, file.size() - 8), number) &&
        RecordedSegmentName(number) == file)
    {
        out.PathKind = VodPath::Kind::File;
        out.File = std::string(file);
    }
    else if (file.size() > 9 && file.substr(0, 5) == "init-" && file.substr(file.size() - 4) == ".mp4" &&
             ParseU64(file.substr(5, file.size() - 9), number) && number <= 0xffffffffu && RecordedInitName(uint32_t(number)) == file)
    {
        out.PathKind = VodPath::Kind::File;
        out.File = std::string(file);
    }
    return out;
}

std::string RenderVodMediaPlaylist(const std::vector<DvrSegment>& segments)
{
    double longest = 0.0;
    for (const DvrSegment& segment : segments)
        longest = std::max(longest, segment.Duration);
    std::string out;
    out.reserve(256 + segments.size() * 100);
    out += "#EXTM3U\n#EXT-X-VERSION:9\n";
    out += "#EXT-X-TARGETDURATION:" + std::to_string(std::max(1, int(std::lround(longest)))) + "\n";
    out += "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n";
    out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(segments.empty() ? 0 : segments.front().Msn) + "\n";
    bool map_written = false;
    uint32_t map_id = 0;
    for (size_t i = 0; i < segments.size(); i++)
    {
        const DvrSegment& segment = segments[i];
        if (segment.Discontinuity && i > 0)
            out += "#EXT-X-DISCONTINUITY\n";
        if (!map_written || segment.InitId != map_id)
        {
            out += "#EXT-X-MAP:URI=\"" + RecordedInitName(segment.InitId) + "\"\n";
            map_id = segment.InitId;
            map_written = true;
        }
        out += "#EXT-X-PROGRAM-DATE-TIME:" + FormatProgramDateTime(segment.ProgramDateTimeMs) + "\n";
        out += "#EXTINF:";
        AppendFixed(out, segment.Duration, 5);
        out += ",\n" + RecordedSegmentName(segment.Msn) + "\n";
    }
    out += "#EXT-X-ENDLIST\n";
    return out;
}

std::string RenderVodMaster(const RecordingMeta& meta)
{
    std::vector<VariantEntry> variants;
    for (const RecordedRendition& rendition : meta.Renditions)
        if (!rendition.Codecs.empty())
            variants.push_back(VariantEntry{rendition.Name + "/index.m3u8", rendition.Bandwidth, rendition.Width, rendition.Height, rendition.FrameRate,
                                            rendition.Codecs});
    return RenderMultivariantPlaylist(variants);
}

// [SECTION] Recovery, index and retention

int64_t RecoveredEndMs(const RecordingMeta& meta, const std::vector<std::vector<DvrSegment>>& renditions)
{
    int64_t end = meta.StartedMs;
    for (const std::vector<DvrSegment>& segments : renditions)
        if (!segments.empty())
            end = std::max(end, segments.back().ProgramDateTimeMs + int64_t(std::llround(segments.back().Duration * 1000.0)));
    return end;
}

std::string RenderVodIndex(std::vector<RecordingSummary> recordings)
{
    std::sort(recordings.begin(), recordings.end(), [](const RecordingSummary& a, const RecordingSummary& b) {
        if (a.Meta.StartedMs != b.Meta.StartedMs)
            return a.Meta.StartedMs > b.Meta.StartedMs;
        return a.Meta.Name != b.Meta.Name ? a.Meta.Name < b.Meta.Name : a.Meta.Id < b.Meta.Id;
    });
    nlohmann::json list = nlohmann::json::array();
    for (const RecordingSummary& recording : recordings)
    {
        const RecordingMeta& meta = recording.Meta;
        nlohmann::json entry = {{"name", meta.Name},
                                {"id", meta.Id},
                                {"title", meta.Title},
                                {"started", meta.StartedMs},
                                {"ended", meta.Ended ? nlohmann::json(meta.EndedMs) : nlohmann::json(nullptr)},
                                {"state", meta.Ended ? "ended" : "recording"},
                                {"bytes", recording.Bytes}};
        if (meta.Ended)
            entry["replay"] = ReplayPath(meta.Name, meta.Id);
        list.push_back(std::move(entry));
    }
    const nlohmann::json body = {{"recordings", std::move(list)}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::vector<size_t> ExpiredRecordings(const std::vector<RecordingMeta>& recordings, int64_t now_ms, int64_t retention_ms)
{
    std::vector<size_t> expired;
    if (retention_ms <= 0)
        return expired;
    for (size_t i = 0; i < recordings.size(); i++)
        if (recordings[i].Ended && now_ms - recordings[i].EndedMs > retention_ms)
            expired.push_back(i);
    return expired;
}

int64_t RetentionSweepMs(int64_t retention_ms) { return std::clamp<int64_t>(retention_ms / 2, 1000, 60000); }

} // namespace livescope
