// The recordings' file edge: std::filesystem and stdio over the layout of recording.h.
#include "vod_store.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace livescope {

namespace fs = std::filesystem;

namespace {

bool WriteWhole(const std::string& path, const void* data, size_t size, const char* mode, std::string& error)
{
    std::FILE* file = std::fopen(path.c_str(), mode);
    if (!file)
    {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    const bool ok = size == 0 || std::fwrite(data, 1, size, file) == size;
    const int saved = errno;
    if (std::fclose(file) != 0 || !ok)
    {
        error = path + ": " + std::strerror(ok ? errno : saved);
        return false;
    }
    return true;
}

bool MakeDirs(const std::string& path, std::string& error)
{
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec)
    {
        error = path + ": " + ec.message();
        return false;
    }
    return true;
}

} // namespace

bool RecordingStore::ReadFile(const std::string& path, std::string& out)
{
    out.clear();
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (!file)
        return false;
    char buffer[65536];
    bool ok = true;
    for (;;)
    {
        const size_t got = std::fread(buffer, 1, sizeof(buffer), file);
        out.append(buffer, got);
        if (out.size() > RecordedFileMaxBytes)
        {
            ok = false;
            break;
        }
        if (got < sizeof(buffer))
        {
            ok = !std::ferror(file);
            break;
        }
    }
    std::fclose(file);
    if (!ok)
        out.clear();
    return ok;
}

std::string RecordingStore::RecordingDir(const std::string& name, const std::string& id) const { return Dir + "/" + name + "/" + id; }
std::string RecordingStore::RenditionDir(const std::string& name, const std::string& id, const std::string& rendition) const
{
    return RecordingDir(name, id) + "/" + rendition;
}

bool RecordingStore::Open(std::string& error)
{
    if (!MakeDirs(Dir, error))
        return false;
    // Recordings a stopped or crashed origin left open end at their last segment.
    for (const RecordingSummary& summary : List())
    {
        if (summary.Meta.Ended)
            continue;
        RecordingMeta meta = summary.Meta;
        std::vector<std::vector<DvrSegment>> renditions;
        for (const RecordedRendition& rendition : meta.Renditions)
        {
            renditions.emplace_back();
            LoadSegments(meta.Name, meta.Id, rendition.Name, renditions.back());
        }
        meta.Ended = true;
        meta.Recovered = true;
        meta.EndedMs = RecoveredEndMs(meta, renditions);
        std::string ignored;
        if (WriteMeta(meta, ignored))
            std::fprintf(stderr, "livescope-origin: recording %s/%s was left open; ended at its last segment\n", meta.Name.c_str(), meta.Id.c_str());
    }
    return true;
}

std::string RecordingStore::NewId(const std::string& name, int64_t started_ms, const std::vector<std::string>& also_taken) const
{
    std::vector<std::string> taken = also_taken;
    std::error_code ec;
    if (Enabled())
        for (fs::directory_iterator it(Dir + "/" + name, ec), end; !ec && it != end; it.increment(ec))
            taken.push_back(it->path().filename().string());
    return AllocateRecordingId(started_ms, taken);
}

bool RecordingStore::WriteMeta(const RecordingMeta& meta, std::string& error)
{
    const std::string dir = RecordingDir(meta.Name, meta.Id);
    if (!MakeDirs(dir, error))
        return false;
    const std::string text = RenderRecordingMeta(meta);
    const std::string path = dir + "/" + RecordingMetaFile;
    if (!WriteWhole(path + ".tmp", text.data(), text.size(), "wb", error))
        return false;
    std::error_code ec;
    fs::rename(path + ".tmp", path, ec);
    if (ec)
    {
        error = path + ": " + ec.message();
        return false;
    }
    return true;
}

bool RecordingStore::WriteInit(const std::string& rendition_dir, uint32_t init_id, const std::vector<uint8_t>& bytes, std::string& error)
{
    return MakeDirs(rendition_dir, error) && WriteWhole(rendition_dir + "/" + RecordedInitName(init_id), bytes.data(), bytes.size(), "wb", error);
}

bool RecordingStore::WriteSegment(const std::string& rendition_dir, DvrSegment& segment, const std::vector<LivePart>& parts, std::string& error)
{
    if (!MakeDirs(rendition_dir, error))
        return false;
    const std::string path = rendition_dir + "/" + RecordedSegmentName(segment.Msn);
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (!file)
    {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    bool ok = true;
    segment.ByteSize = 0;
    for (const LivePart& part : parts)
    {
        if (!part.Bytes || part.Bytes->empty())
            continue;
        ok = ok && std::fwrite(part.Bytes->data(), 1, part.Bytes->size(), file) == part.Bytes->size();
        segment.ByteSize += part.Bytes->size();
    }
    if (std::fclose(file) != 0 || !ok)
    {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    const std::string line = SegmentLogLine(segment);
    return WriteWhole(rendition_dir + "/" + SegmentLogFile, line.data(), line.size(), "ab", error);
}

bool RecordingStore::LoadMeta(const std::string& name, const std::string& id, RecordingMeta& meta) const
{
    if (!Enabled() || !ValidRecordingId(name) || !ValidRecordingId(id))
        return false;
    std::string text, error;
    if (!ReadFile(RecordingDir(name, id) + "/" + RecordingMetaFile, text))
        return false;
    return ParseRecordingMeta(text, meta, error) && meta.Name == name && meta.Id == id;
}

bool RecordingStore::LoadSegments(const std::string& name, const std::string& id, const std::string& rendition, std::vector<DvrSegment>& out) const
{
    std::string text, error;
    out.clear();
    if (!ReadFile(RenditionDir(name, id, rendition) + "/" + SegmentLogFile, text))
        return false;
    ParseSegmentLog(text, out, error); // a bad line: what came before it is kept
    return true;
}

std::vector<RecordingSummary> RecordingStore::List() const
{
    std::vector<RecordingSummary> list;
    if (!Enabled())
        return list;
    std::error_code ec;
    for (fs::directory_iterator names(Dir, ec), end; !ec && names != end; names.increment(ec))
    {
        const std::string name = names->path().filename().string();
        if (!ValidRecordingId(name))
            continue;
        std::error_code inner;
        for (fs::directory_iterator ids(names->path(), inner); !inner && ids != end; ids.increment(inner))
        {
            RecordingSummary summary;
            if (!LoadMeta(name, ids->path().filename().string(), summary.Meta))
                continue;
            std::error_code walk;
            for (fs::recursive_directory_iterator file(ids->path(), walk), files_end; !walk && file != files_end; file.increment(walk))
            {
                std::error_code size_ec;
                if (file->is_regular_file(size_ec))
                {
                    const auto size = file->file_size(size_ec);
                    if (!size_ec)
                        summary.Bytes += size;
                }
            }
            list.push_back(std::move(summary));
        }
    }
    return list;
}

bool RecordingStore::Remove(const std::string& name, const std::string& id)
{
    if (!Enabled() || !ValidRecordingId(name) || !ValidRecordingId(id))
        return false;
    std::error_code ec;
    const auto removed = fs::remove_all(RecordingDir(name, id), ec);
    fs::remove(Dir + "/" + name, ec); // only when now empty
    return removed > 0;
}

} // namespace livescope
