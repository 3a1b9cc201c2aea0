// The recordings' file edge (docs/replay.md "Origin"): writes segments, init segments, segment logs and recording.json
// under --data-dir in the layout of recording.h, reads them back for /vod/ and the DVR window, scans, recovers and
// deletes. Plain blocking file calls on the origin's io thread: one write per completed segment into the page cache
// (no fsync), small reads; every decision is in recording.h.
#pragma once
#include <livescope/server/origin/live_playlist.h>
#include <livescope/server/origin/recording.h>

#include <cstdint>
#include <string>
#include <vector>

namespace livescope {

constexpr size_t RecordedFileMaxBytes = 64u << 20; // a segment or init file larger than this is not served (corrupt)

class RecordingStore
{
public:
    explicit RecordingStore(std::string dir = {}) : Dir(std::move(dir)) {}
    bool Enabled() const { return !Dir.empty(); }
    const std::string& Root() const { return Dir; }

    // Creates the directory and ends recordings a crashed origin left open (RecoveredEndMs). False with a reason.
    bool Open(std::string& error);
    // A fresh run id for `name` (AllocateRecordingId against the ids on disk and `also_taken`).
    std::string NewId(const std::string& name, int64_t started_ms, const std::vector<std::string>& also_taken) const;
    std::string RecordingDir(const std::string& name, const std::string& id) const;
    std::string RenditionDir(const std::string& name, const std::string& id, const std::string& rendition) const;

    bool WriteMeta(const RecordingMeta& meta, std::string& error);
    bool WriteInit(const std::string& rendition_dir, uint32_t init_id, const std::vector<uint8_t>& bytes, std::string& error);
    // The segment file (its parts in order), then its line in the segment log. `segment.ByteSize` is set here.
    bool WriteSegment(const std::string& rendition_dir, DvrSegment& segment, const std::vector<LivePart>& parts, std::string& error);

    bool LoadMeta(const std::string& name, const std::string& id, RecordingMeta& meta) const;
    bool LoadSegments(const std::string& name, const std::string& id, const std::string& rendition, std::vector<DvrSegment>& out) const;
    // Every recording on disk (unreadable ones skipped), with its bytes.
    std::vector<RecordingSummary> List() const;
    bool Remove(const std::string& name, const std::string& id);

    // A whole file, at most RecordedFileMaxBytes. False when missing or too large.
    static bool ReadFile(const std::string& path, std::string& out);

private:
    std::string Dir;
};

} // namespace livescope
