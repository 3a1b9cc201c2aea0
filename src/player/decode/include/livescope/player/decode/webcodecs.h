// Pure WebCodecs decisions: codec strings from demuxed parameters, which decode path (WebCodecs or the wasm decoder), when to fall back, and the timestamp map.
#pragma once

// [SECTION] Codec strings
// [SECTION] Decode path (choice, probing, fallback)
// [SECTION] Timestamp map (WebCodecs chunk timestamps <-> stream time, serial, chunk tag)
// [SECTION] Audio (AAC through AudioDecoder: ADTS headers, chunks in flight for the fallback)
// [SECTION] Decoder modules (which wasm module holds the wasm path's decoder for a codec)
//
// No FFmpeg and no browser call here: the worker (src/app/worker/worker_decode.cpp) feeds these with the demuxer's
// parameters and the browser's answers, and web/runtime/player-worker.js only moves chunks and frames.

#include <livescope/player/decode/media_packet.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

// [SECTION] Codec strings ------------------------------------------------------------------------------

// "avc1.PPCCLL" (RFC 6381) from H.264 codec parameters: an avcC record (fMP4: first byte 1) or Annex B bytes holding an
// SPS (TS extradata, or a key frame). "" when neither form yields a profile and level.
std::string AvcCodecString(std::span<const uint8_t> avcc_or_annexb);
// "hvc1.P.C.TL.CC..." (ISO/IEC 14496-15 annex E) from an hvcC record. "" when the record is too short or not hvcC.
std::string HevcCodecString(std::span<const uint8_t> hvcc);
// "mp4a.40.N" from an AudioSpecificConfig (N = audio object type); "mp4a.40.2" (AAC-LC) when the config is empty (ADTS).
std::string AacCodecString(std::span<const uint8_t> audio_specific_config);
// True when the Annex B bytes hold the given NAL unit type (H.264: 7 = SPS, 8 = PPS, 5 = IDR slice).
bool AnnexBHasNal(std::span<const uint8_t> annexb, int nal_type);
// The H.264 SPS and PPS NAL units (types 7, 8) of Annex B bytes, each behind a 4-byte start code, in their order; empty
// when there is none. What goes before a later key frame that lacks them (MPEG-TS: parameter sets in band).
std::vector<uint8_t> AnnexBParameterSets(std::span<const uint8_t> annexb);
// True when H.264 codec parameters are an avcC record (length-prefixed samples, the record is the WebCodecs
// `description`); false for Annex B (start codes; no description, parameter sets in band).
bool AvcIsAvcC(std::span<const uint8_t> extradata);

// [SECTION] Decode path ---------------------------------------------------------------------------------

// The widget's `decoder` option: auto (WebCodecs where the browser accepts the stream, else wasm), or one path forced.
enum class DecoderChoice
{
    Auto,
    WebCodecs,
    Wasm,
};
// "auto", "webcodecs", "wasm" (case-sensitive); nullopt for anything else.
std::optional<DecoderChoice> DecoderChoiceFromName(std::string_view name);
const char* DecoderChoiceName(DecoderChoice choice);

enum class DecodePath
{
    Wasm,      // FFmpeg's decoder compiled to wasm, in the worker
    Probing,   // waiting for VideoDecoder.isConfigSupported: packets are held, nothing is decoded yet
    WebCodecs, // the browser's VideoDecoder
};
const char* DecodePathName(DecodePath path);

struct DecodePathConfig
{
    DecoderChoice Choice = DecoderChoice::Auto;
    bool WebCodecsAvailable = false; // the worker has VideoDecoder (typeof VideoDecoder !== 'undefined')
    int MaxFailures = 3;             // WebCodecs errors in one session after which it is not tried again
};

// Decides the video path per codec configuration. A configuration is asked about once (answers are cached by codec
// string); a WebCodecs error moves the current configuration to wasm (the worker replays the packets since the last key
// frame, so the switch costs no stall), and a later configuration may try WebCodecs again until MaxFailures.
// Forcing `webcodecs` where the browser lacks it or refuses the codec still plays, on wasm (Reason says why).
class DecodePathPolicy
{
public:
    explicit DecodePathPolicy(const DecodePathConfig& config = {}) : Config(config) {}

    // A new video configuration `generation` with its codec string ("" when it cannot be described to WebCodecs, e.g.
    // a codec without a string here). Returns the path for its packets; Probing: hold them, ask Question().
    DecodePath OnConfig(int generation, std::string_view codec);
    // The browser's answer about `generation`'s codec (stale generations are ignored). Returns the path now.
    DecodePath OnSupport(int generation, bool supported);
    // WebCodecs failed mid-stream (decoder error callback, configure throwing). Returns the path now (Wasm).
    DecodePath OnError(std::string_view reason);

    DecodePath Path() const { return Current; }
    // The path for stats: Probing until a first configuration is decided (Path()'s Wasm before it only means "not
    // configured yet", and the page opens its module early on a 'wasm' path: web/runtime/playback.js posterSee).
    DecodePath ReportedPath() const { return Decided ? Current : DecodePath::Probing; }
    int Generation() const { return CurrentGeneration; }
    const std::string& Codec() const { return CurrentCodec; }
    // Why the current path: "forced", "unsupported codec", "no WebCodecs", "WebCodecs error: ...", "supported".
    const std::string& Reason() const { return CurrentReason; }
    int Failures() const { return FailureCount; }
    int Switches() const { return SwitchCount; } // changes between Wasm and WebCodecs (Probing not counted)

private:
    struct Answer
    {
        std::string Codec;
        bool Supported = false;
    };
    DecodePath Set(DecodePath path, std::string reason);
    DecodePathConfig Config;
    DecodePath Current = DecodePath::Wasm;
    DecodePath LastDecoding = DecodePath::Wasm; // last non-Probing path, for Switches
    bool Decided = false;                       // a non-Probing path was taken once
    int CurrentGeneration = -1;
    std::string CurrentCodec, CurrentReason = "not configured";
    int FailureCount = 0, SwitchCount = 0;
    std::vector<Answer> Answers;
};

// After a fallback, the wasm decoder replays the packets since the last key frame: a replayed picture is shown only
// when WebCodecs did not already output it (same serial and a pts not after the last one output).
bool FallbackKeepsFrame(int serial, double pts, bool has_last_output, int last_serial, double last_pts);

// [SECTION] Timestamp map --------------------------------------------------------------------------------

// What a WebCodecs chunk stands for: a VideoFrame comes back with only its chunk's timestamp.
struct WebCodecsChunkMeta
{
    double Pts = 0.0;      // seconds, stream time
    double Duration = 0.0; // seconds, 0 = unknown
    int Serial = 0;
    int64_t Tag = 0;       // the demuxer tag of the chunk's bytes (PDT lookup)
    double SubmitMs = 0.0; // milliseconds (worker clock) when queued for the browser: decode time on output
};

// Chunk timestamps are the pts in whole microseconds (WebCodecs timestamps are integers); the map finds a frame's
// metadata from its timestamp. Bounded: entries whose frame never comes (dropped by the browser) go oldest first.
class WebCodecsTimeline
{
public:
    static constexpr size_t kCapacity = 256; // chunks in flight at most (a few seconds of video)
    static int64_t TimestampOf(double pts);  // microseconds
    // Records a chunk; returns its timestamp (microseconds).
    int64_t Submit(const WebCodecsChunkMeta& meta);
    // The metadata of the chunk whose frame came out with `timestamp` (removed), or nullopt (unknown: after a reset,
    // or evicted).
    std::optional<WebCodecsChunkMeta> Output(int64_t timestamp);
    void Clear() { Entries.clear(); }
    size_t Size() const { return Entries.size(); }

private:
    struct Entry
    {
        int64_t Timestamp = 0;
        WebCodecsChunkMeta Meta;
    };
    std::deque<Entry> Entries;
};

// [SECTION] Audio ------------------------------------------------------------------------------------------
//
// The audio path is decided by a second DecodePathPolicy (same option, same rules; WebCodecsAvailable = the worker has
// AudioDecoder): fMP4 gives the AudioSpecificConfig as the demuxer's extradata (the `description`); TS gives ADTS frames,
// whose header is stripped and turned into the AudioSpecificConfig (AudioDecoder is given raw AAC frames either way).

struct AdtsHeader
{
    size_t HeaderSize = 0;   // bytes: 7, or 9 with a CRC
    size_t FrameSize = 0;    // bytes, header included
    int ObjectType = 0;      // MPEG-4 audio object type (profile + 1): 2 = AAC-LC
    int SampleRateIndex = 0; // 0..12
    int SampleRate = 0;      // Hz
    int Channels = 0;        // 1..6, or 8 (channel configuration 7: 7.1)
    uint8_t Asc[2] = {0, 0}; // the AudioSpecificConfig it stands for
};
// The ADTS header at the start of `bytes`; nullopt when there is none (no sync word, short, a reserved sample rate, or
// channel configuration 0, whose layout is in the stream and which stays on the FFmpeg decoder).
std::optional<AdtsHeader> ParseAdtsHeader(std::span<const uint8_t> bytes);

// Audio chunks handed to AudioDecoder whose AudioData has not come out yet, oldest first. AudioData comes back with a
// timestamp that is normally its chunk's; the map also copes with a decoder that shifts or splits its output. On a
// mid-stream error the chunks still in flight are decoded again by FFmpeg, so the switch loses no audio.
class AudioChunkTracker
{
public:
    static constexpr size_t kCapacity = 512; // chunks in flight at most (about 11 s of 48 kHz AAC)
    // microseconds: a chunk counts as output when AudioData comes out at most this much before its timestamp (Chromium
    // recomputes output timestamps and rounds them 1 us low; an AAC frame lasts 21333 us at 48 kHz)
    static constexpr int64_t kSlackUs = 1000;
    // Records a chunk; returns its timestamp (microseconds, WebCodecsTimeline::TimestampOf). Nothing is recorded when
    // Full() (the decoder outputs nothing: the caller falls back to FFmpeg before that).
    int64_t Submit(const WebCodecsChunkMeta& meta);
    bool Full() const { return Entries.size() >= kCapacity; }
    struct Output
    {
        std::optional<WebCodecsChunkMeta> Meta; // the chunk the AudioData belongs to, Pts moved to the data's own start
        size_t Done = 0;                        // chunks now complete (removed from the front)
    };
    // AudioData came out with `timestamp` (microseconds): every chunk at or before it (kSlackUs) is complete, and the data belongs
    // to the last of them. Data after the last complete chunk (a split output) belongs to that chunk again; data before
    // every chunk in flight (a decoder that shifts its output back) to the oldest. No chunk known: Meta is nullopt.
    Output OnOutput(int64_t timestamp);
    size_t InFlight() const { return Entries.size(); }
    void Clear();

private:
    struct Entry
    {
        int64_t Timestamp = 0;
        WebCodecsChunkMeta Meta;
    };
    std::deque<Entry> Entries;
    std::optional<Entry> Last; // the last chunk completed, for a split output
};

// [SECTION] Decoder modules -----------------------------------------------------------------------------

// The worker's wasm is split by codec (docs/decode.md "The module split"): the light module (no FFmpeg decoder), the full
// module `livescope_worker` (FFmpeg's H.264 and AAC decoders) and `livescope_decoder_hevc` (FFmpeg's HEVC decoder only).
// On the wasm path a stream's codec decodes in the running module when its FFmpeg has the decoder (`own`), otherwise in
// the decoder module that has it, loaded on demand. An unknown codec stays with the running module (which reports it
// unsupported: no module has its decoder).
enum class DecoderModule
{
    Own,    // the running module's own FFmpeg decoder
    Worker, // livescope_worker: H.264 and AAC
    Hevc,   // livescope_decoder_hevc: HEVC
};
DecoderModule WasmDecoderModule(MediaCodec codec, bool own);
// The module's file name without extension ("livescope_worker", "livescope_decoder_hevc"); "" for Own.
const char* DecoderModuleName(DecoderModule module);

} // namespace livescope
