// libFuzzer target: the origin's recording parsers of files on disk and /vod/ request paths (segment log,
// recording.json, /vod/ path split, Authorization header) never crash, and what they accept is consistent: a parsed
// segment log re-serialises to lines that parse to the same segments, a parsed recording.json round-trips, a /vod/
// file name is one the recorder makes, and the VOD playlist of what was parsed is well formed.
#include <livescope/server/origin/recording.h>

#include <livescope/server/origin/control.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace livescope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<DvrSegment> segments;
    std::string error;
    ParseSegmentLog(text, segments, error);
    std::string again;
    for (const DvrSegment& segment : segments)
        again += SegmentLogLine(segment);
    std::vector<DvrSegment> reparsed;
    if (!ParseSegmentLog(again, reparsed, error) || reparsed.size() != segments.size())
        std::abort();
    for (size_t i = 0; i < segments.size(); i++)
        if (reparsed[i].Msn != segments[i].Msn || reparsed[i].ProgramDateTimeMs != segments[i].ProgramDateTimeMs || reparsed[i].InitId != segments[i].InitId)
            std::abort();
    const std::string playlist = RenderVodMediaPlaylist(segments);
    if (playlist.rfind("#EXTM3U\n", 0) != 0 || playlist.find("#EXT-X-ENDLIST\n") == std::string::npos)
        std::abort();

    RecordingMeta meta;
    if (ParseRecordingMeta(text, meta, error))
    {
        RecordingMeta back;
        if (!ParseRecordingMeta(RenderRecordingMeta(meta), back, error) || back.Name != meta.Name || back.Id != meta.Id ||
            back.Renditions.size() != meta.Renditions.size() || back.Ended != meta.Ended)
            std::abort();
        RenderVodMaster(meta);
    }

    const VodPath path = SplitVodPath(text);
    if (path.PathKind != VodPath::Kind::Invalid && path.PathKind != VodPath::Kind::Index &&
        (!ValidRecordingId(path.Name) || !ValidRecordingId(path.Id) || text.find("..") != std::string_view::npos))
        std::abort();
    if (path.PathKind == VodPath::Kind::File && (!ValidRenditionName(path.Rendition) || path.File.find('/') != std::string::npos))
        std::abort();
    BearerToken(text);
    return 0;
}
