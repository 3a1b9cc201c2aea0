// M3U8 playlist model and pure parser (multivariant, media and LL-HLS tags; draft-pantos-hls-rfc8216bis).
//
// [SECTION] Model: byte ranges, parts, segments, hints, variants
// [SECTION] Parse result and entry points
//
// URI resolution is in hls_url.h and date-times in hls_date.h (both included here).
//
// Contracts: every function here is pure (text in, value out), thread-agnostic, allocation-only, and
// never throws: errors are returned as values carrying a 1-based line number, a reason and a kind
// (invalid per the spec, or valid but unsupported by livescope). docs/hls.md lists the rules.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hls_date.h"
#include "hls_url.h"

namespace livescope {

// [SECTION] Model: byte ranges, parts, segments, hints, variants

struct HlsByteRange
{
    int64_t Offset = 0; // bytes from the start of the resource (resolved by the parser when implicit)
    int64_t Length = 0; // bytes
    bool operator==(const HlsByteRange&) const = default;
};

// EXT-X-KEY METHOD=AES-128 (KEYFORMAT "identity"): the only encryption kept in the model. METHOD=NONE
// clears it; SAMPLE-AES, SAMPLE-AES-CTR and other key formats are parse errors of kind Unsupported.
struct HlsKey
{
    std::string Uri;                           // absolute; the 16-byte key
    std::optional<std::array<uint8_t, 16>> Iv; // explicit IV; absent = the media sequence number (see HlsKeyIv)
    bool operator==(const HlsKey&) const = default;
};

struct HlsMap
{
    std::string Uri; // absolute (resolved against the playlist URL)
    std::optional<HlsByteRange> Range;
    std::optional<HlsKey> Key; // the AES-128 key in effect at the EXT-X-MAP tag (it then has an explicit IV)
    bool operator==(const HlsMap&) const = default;
};

struct HlsPart
{
    std::string Uri;       // absolute
    double Duration = 0.0; // seconds
    bool Independent = false;
    bool Gap = false;
    std::optional<HlsByteRange> Range;
};

struct HlsSegment
{
    std::string Uri;       // absolute; empty for the trailing entry that only holds parts
    double Duration = 0.0; // seconds (for the trailing entry: sum of its parts)
    std::string Title;
    int64_t Msn = 0;                       // media sequence number
    bool Discontinuity = false;            // EXT-X-DISCONTINUITY precedes it
    int64_t DiscontinuitySeq = 0;          // discontinuity sequence number it belongs to
    std::optional<double> ProgramDateTime; // epoch seconds of its first sample (explicit or extrapolated)
    bool Gap = false;
    std::optional<HlsByteRange> Range;
    std::optional<HlsMap> Map; // the EXT-X-MAP in effect
    std::optional<HlsKey> Key; // the AES-128 key in effect (absent = not encrypted)
    std::vector<HlsPart> Parts;
    bool IsComplete() const { return !Uri.empty(); }
};

enum class HlsHintType
{
    Part,
    Map
};

struct HlsPreloadHint
{
    HlsHintType Type = HlsHintType::Part;
    std::string Uri;                        // absolute
    int64_t ByteRangeStart = 0;             // bytes
    std::optional<int64_t> ByteRangeLength; // bytes; absent = to the end of the resource
};

struct HlsServerControl
{
    bool CanBlockReload = false;
    std::optional<double> HoldBack;     // seconds
    std::optional<double> PartHoldBack; // seconds
    std::optional<double> CanSkipUntil; // seconds
    bool CanSkipDateRanges = false;
};

struct HlsSkip
{
    int64_t SkippedSegments = 0;
    std::vector<std::string> RecentlyRemovedDateRanges;
};

struct HlsRenditionReport
{
    std::string Uri; // absolute
    std::optional<int64_t> LastMsn;
    std::optional<int64_t> LastPart;
};

struct HlsDateRange
{
    std::string Id;
    std::string Class;
    std::optional<double> StartDate;                             // epoch seconds
    std::optional<double> Duration;                              // seconds
    std::vector<std::pair<std::string, std::string>> Attributes; // all attributes, raw values
};

struct HlsResolution
{
    int Width = 0;
    int Height = 0;
};

struct HlsVariant
{
    std::string Uri;                         // absolute
    int64_t Bandwidth = 0;                   // bits per second (peak)
    std::optional<int64_t> AverageBandwidth; // bits per second
    std::string Codecs;
    std::optional<HlsResolution> Resolution;
    std::optional<double> FrameRate;                     // frames per second
    std::string Audio, Video, Subtitles, ClosedCaptions; // rendition group ids
    bool IFrameOnly = false;                             // from EXT-X-I-FRAME-STREAM-INF: kept, never played
};

struct HlsMedia
{
    std::string Type; // AUDIO, VIDEO, SUBTITLES, CLOSED-CAPTIONS
    std::string GroupId, Name, Language, Channels;
    std::string Uri; // absolute; empty when the rendition is muxed into the variant
    bool Default = false, Autoselect = false;
};

struct HlsStart
{
    double TimeOffset = 0.0; // seconds; negative = from the end
    bool Precise = false;
};

enum class HlsPlaylistKind
{
    Multivariant,
    Media
};

struct HlsPlaylist
{
    HlsPlaylistKind Kind = HlsPlaylistKind::Media;
    std::string Url; // the base URL it was parsed against
    int Version = 1;
    bool IndependentSegments = false;
    bool IFramesOnly = false; // EXT-X-I-FRAMES-ONLY
    std::optional<HlsStart> Start;
    // Multivariant
    std::vector<HlsVariant> Variants;       // playable variants
    std::vector<HlsVariant> IFrameVariants; // kept, not played
    std::vector<HlsMedia> Media;
    // Media
    double TargetDuration = 0.0; // seconds
    int64_t MediaSequence = 0;
    int64_t DiscontinuitySequence = 0;
    bool EndList = false;
    std::string PlaylistType;         // "", "EVENT" or "VOD"
    std::optional<double> PartTarget; // seconds (EXT-X-PART-INF)
    bool HasServerControl = false;
    HlsServerControl ServerControl;
    std::optional<HlsSkip> Skip;
    std::vector<HlsSegment> Segments; // full segments, then at most one trailing parts-only entry
    std::vector<HlsPreloadHint> PreloadHints;
    std::vector<HlsRenditionReport> RenditionReports;
    std::vector<HlsDateRange> DateRanges;
};

// [SECTION] Parse result and entry points

enum class HlsParseErrorKind
{
    Invalid,     // the playlist breaks a rule of the spec that a client must enforce (or is not a playlist)
    Unsupported, // the playlist may be valid, but uses what livescope does not play (SAMPLE-AES) or exceeds its limits
};
const char* HlsParseErrorKindName(HlsParseErrorKind kind); // "invalid" or "unsupported"

struct HlsParseError
{
    int Line = 0; // 1-based; 0 when the error is not tied to a line
    std::string Reason;
    HlsParseErrorKind Kind = HlsParseErrorKind::Invalid;
};

struct HlsParseResult
{
    bool Ok = false;
    HlsPlaylist Playlist; // valid when Ok
    HlsParseError Error;  // valid when !Ok
};

struct HlsParseLimits
{
    size_t MaxBytes = 16u << 20;     // whole playlist
    size_t MaxLineBytes = 64u << 10; // one line
    size_t MaxAttributes = 256;      // per attribute list
    size_t MaxSegments = 100000;
};

// Parses `text` (a whole playlist) and resolves every URI against `base_url` (http(s)://, file:// or a
// filesystem path). Returns: Ok with the playlist, or the first error. Never throws.
HlsParseResult ParsePlaylist(std::string_view text, std::string_view base_url, const HlsParseLimits& limits = {});

// The AES-128 IV of a segment: the key's explicit IV, else `msn` as a 128-bit big-endian integer.
std::array<uint8_t, 16> HlsKeyIv(const HlsKey& key, int64_t msn);

} // namespace livescope
