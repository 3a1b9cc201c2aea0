// Pure fMP4 stream splitting: bytes in (any chunking), init segment and moof+mdat fragments out, with the facts a live origin needs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace livescope {

// One track of an init segment (moov/trak), as far as playlists and fragment timing need it.
struct Mp4Track
{
    uint32_t TrackId = 0;
    uint32_t Timescale = 0;             // ticks per second (mdhd)
    bool IsVideo = false;               // hdlr 'vide'
    bool IsAudio = false;               // hdlr 'soun'
    uint16_t Width = 0;                 // pixels (sample entry)
    uint16_t Height = 0;                // pixels (sample entry)
    std::string Codec;                  // RFC 6381 string: "avc1.42c01f", "mp4a.40.2"; empty when unknown
    uint32_t DefaultSampleDuration = 0; // ticks (trex)
    uint32_t DefaultSampleFlags = 0;    // ISO 14496-12 sample flags (trex)
};

struct Mp4InitInfo
{
    std::vector<Mp4Track> Tracks;
    const Mp4Track* VideoTrack() const;  // first video track or nullptr
    std::string CodecsAttribute() const; // "avc1.42c01f,mp4a.40.2"
};

// Facts about one moof+mdat fragment, measured on the video track (or the first track without video).
struct Mp4FragmentInfo
{
    bool Independent = false;    // first video sample is a sync sample
    uint64_t BaseDecodeTime = 0; // ticks of the measured track (tfdt)
    double StartTime = 0.0;      // seconds, media time (tfdt / timescale)
    double Duration = 0.0;       // seconds, sum of the measured track's sample durations
    uint32_t SampleCount = 0;    // samples of the measured track
};

// Error-as-value result of the parsers below.
struct Mp4Error
{
    bool Failed = false;
    std::string Reason;
};

// Parses ftyp+moov. Returns false and fills error on malformed input; never throws.
bool ParseMp4Init(const uint8_t* data, size_t size, Mp4InitInfo& out, Mp4Error& error);

// Parses a fragment (optional styp/prft/sidx, then moof, then mdat) against the init segment's tracks. A moof without
// the measured track succeeds with SampleCount 0.
bool ParseMp4Fragment(const uint8_t* data, size_t size, const Mp4InitInfo& init, Mp4FragmentInfo& out, Mp4Error& error);

// Finds the payload of the first mdat box in a fragment. Returns false when there is none.
bool FindMdatPayload(const uint8_t* data, size_t size, size_t& offset, size_t& length);

// One unit cut from the stream: the init segment or one fragment (a part).
struct Fmp4Chunk
{
    enum class Kind
    {
        Init,     // ftyp+moov (and anything before moov)
        Fragment, // [styp|prft|sidx...] moof mdat
    };
    Kind ChunkKind = Kind::Fragment;
    std::vector<uint8_t> Bytes;
};

// Incremental splitter: Feed() any number of bytes at a time; complete chunks are appended to `out`.
// Chunking of the input never changes the output. Errors (bad box size, box over MaxBoxSize) are sticky.
class Fmp4StreamSplitter
{
public:
    static constexpr uint64_t MaxBoxSize = 64u * 1024u * 1024u; // bytes

    bool Feed(const uint8_t* data, size_t size, std::vector<Fmp4Chunk>& out);
    bool Failed() const { return Error.Failed; }
    const std::string& ErrorReason() const { return Error.Reason; }
    size_t BufferedBytes() const { return Pending.size() - Consumed; }
    void Reset();

private:
    void EmitBox(const uint8_t* box, size_t size, std::vector<Fmp4Chunk>& out);

    std::vector<uint8_t> Pending;  // bytes not yet cut into boxes (from Consumed on)
    size_t Consumed = 0;           // bytes of Pending already cut
    std::vector<uint8_t> Building; // the chunk being assembled
    bool BuildingHasMoof = false;
    bool BuildingIsInit = false;
    Mp4Error Error;
};

} // namespace livescope
