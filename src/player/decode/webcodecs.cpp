// Pure WebCodecs decisions: codec strings (RFC 6381, ISO/IEC 14496-15 annex E), the decode path policy and the timestamp map.
#include <livescope/player/decode/webcodecs.h>

#include <cmath>
#include <cstdio>

namespace livescope {

// [SECTION] Codec strings

namespace {

// Calls fn(nal_payload) for each NAL unit of Annex B bytes (start codes 00 00 01 or 00 00 00 01); stops when fn returns true.
template <typename Fn>
bool ForEachAnnexBNal(std::span<const uint8_t> b, Fn fn)
{
    size_t i = 0;
    auto next_start = [&](size_t from) -> size_t {
        for (size_t k = from; k + 3 <= b.size(); ++k)
            if (b[k] == 0 && b[k + 1] == 0 && b[k + 2] == 1) return k;
        return b.size();
    };
    i = next_start(0);
    while (i < b.size())
    {
        const size_t begin = i + 3;
        size_t end = next_start(begin);
        const size_t next = end;
        while (end > begin && b[end - 1] == 0) --end; // trailing zeros belong to the next 4-byte start code
        if (end > begin && fn(b.subspan(begin, end - begin))) return true;
        i = next;
    }
    return false;
}

} // namespace

bool AvcIsAvcC(std::span<const uint8_t> extradata) { return extradata.size() >= 7 && extradata[0] == 1; }

std::vector<uint8_t> AnnexBParameterSets(std::span<const uint8_t> annexb)
{
    std::vector<uint8_t> out;
    ForEachAnnexBNal(annexb, [&](std::span<const uint8_t> nal) {
        const int type = nal[0] & 0x1f;
        if (type == 7 || type == 8)
        {
            out.insert(out.end(), {0, 0, 0, 1});
            out.insert(out.end(), nal.begin(), nal.end());
        }
        return false;
    });
    return out;
}

bool AnnexBHasNal(std::span<const uint8_t> annexb, int nal_type)
{
    return ForEachAnnexBNal(annexb, [&](std::span<const uint8_t> nal) { return (nal[0] & 0x1F) == nal_type; });
}

std::string AvcCodecString(std::span<const uint8_t> data)
{
    const uint8_t* plc = nullptr; // profile_idc, constraint flags, level_idc
    if (AvcIsAvcC(data))
        plc = data.data() + 1;
    else
        ForEachAnnexBNal(data, [&](std::span<const uint8_t> nal) {
            if ((nal[0] & 0x1F) != 7 || nal.size() < 4) return false;
            plc = nal.data() + 1;
            return true;
        });
    if (!plc || plc[0] == 0) return "";
    char s[16];
    std::snprintf(s, sizeof s, "avc1.%02x%02x%02x", plc[0], plc[1], plc[2]);
    return s;
}

std::string HevcCodecString(std::span<const uint8_t> h)
{
    if (h.size() < 23 || h[0] != 1) return "";
    const int space = h[1] >> 6, tier = (h[1] >> 5) & 1, profile = h[1] & 0x1F;
    uint32_t compat = (uint32_t{h[2]} << 24) | (uint32_t{h[3]} << 16) | (uint32_t{h[4]} << 8) | h[5];
    uint32_t reversed = 0;
    for (int i = 0; i < 32; ++i) reversed |= ((compat >> i) & 1u) << (31 - i);
    std::string s = "hvc1.";
    if (space > 0) s += static_cast<char>('A' + space - 1);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%d.%x.%c%d", profile, reversed, tier ? 'H' : 'L', h[12]);
    s += buf;
    int last = 5; // constraint bytes 6..11; trailing zero bytes are omitted
    while (last >= 0 && h[6 + static_cast<size_t>(last)] == 0) --last;
    for (int i = 0; i <= last; ++i)
    {
        std::snprintf(buf, sizeof buf, ".%X", h[6 + static_cast<size_t>(i)]);
        s += buf;
    }
    return s;
}

std::string AacCodecString(std::span<const uint8_t> asc)
{
    int aot = 2;
    if (!asc.empty())
    {
        aot = asc[0] >> 3;
        if (aot == 31 && asc.size() >= 2) aot = 32 + (((asc[0] & 7) << 3) | (asc[1] >> 5));
        if (aot == 0 || aot == 31) return "";
    }
    return "mp4a.40." + std::to_string(aot);
}

// [SECTION] Decode path

std::optional<DecoderChoice> DecoderChoiceFromName(std::string_view name)
{
    if (name == "auto" || name.empty()) return DecoderChoice::Auto;
    if (name == "webcodecs") return DecoderChoice::WebCodecs;
    if (name == "wasm") return DecoderChoice::Wasm;
    return std::nullopt;
}

const char* DecoderChoiceName(DecoderChoice choice)
{
    switch (choice)
    {
        case DecoderChoice::Auto: return "auto";
        case DecoderChoice::WebCodecs: return "webcodecs";
        case DecoderChoice::Wasm: return "wasm";
    }
    return "?";
}

const char* DecodePathName(DecodePath path)
{
    switch (path)
    {
        case DecodePath::Wasm: return "wasm";
        case DecodePath::Probing: return "probing";
        case DecodePath::WebCodecs: return "webcodecs";
    }
    return "?";
}

DecodePath DecodePathPolicy::Set(DecodePath path, std::string reason)
{
    if (path != DecodePath::Probing)
    {
        if (Decided && path != LastDecoding) SwitchCount++;
        LastDecoding = path;
        Decided = true;
    }
    Current = path;
    CurrentReason = std::move(reason);
    return Current;
}

DecodePath DecodePathPolicy::OnConfig(int generation, std::string_view codec)
{
    CurrentGeneration = generation;
    CurrentCodec = std::string(codec);
    if (Config.Choice == DecoderChoice::Wasm) return Set(DecodePath::Wasm, "forced");
    if (!Config.WebCodecsAvailable) return Set(DecodePath::Wasm, "no WebCodecs");
    if (codec.empty()) return Set(DecodePath::Wasm, "codec not described for WebCodecs");
    if (FailureCount >= Config.MaxFailures) return Set(DecodePath::Wasm, "WebCodecs failed " + std::to_string(FailureCount) + " times");
    for (const Answer& a : Answers)
        if (a.Codec == codec) return a.Supported ? Set(DecodePath::WebCodecs, "supported") : Set(DecodePath::Wasm, "unsupported codec " + a.Codec);
    return Set(DecodePath::Probing, "asking about " + CurrentCodec);
}

DecodePath DecodePathPolicy::OnSupport(int generation, bool supported)
{
    if (generation != CurrentGeneration || Current != DecodePath::Probing) return Current;
    Answers.push_back({CurrentCodec, supported});
    if (Answers.size() > 16) Answers.erase(Answers.begin());
    return supported ? Set(DecodePath::WebCodecs, "supported") : Set(DecodePath::Wasm, "unsupported codec " + CurrentCodec);
}

DecodePath DecodePathPolicy::OnError(std::string_view reason)
{
    if (Current == DecodePath::Wasm) return Current;
    FailureCount++;
    return Set(DecodePath::Wasm, "WebCodecs error: " + std::string(reason));
}

bool FallbackKeepsFrame(int serial, double pts, bool has_last_output, int last_serial, double last_pts)
{
    if (!has_last_output || serial != last_serial) return true;
    return pts > last_pts + 1e-6;
}

// [SECTION] Timestamp map

int64_t WebCodecsTimeline::TimestampOf(double pts) { return std::isfinite(pts) ? std::llround(pts * 1e6) : 0; }

int64_t WebCodecsTimeline::Submit(const WebCodecsChunkMeta& meta)
{
    const int64_t ts = TimestampOf(meta.Pts);
    if (Entries.size() >= kCapacity) Entries.pop_front();
    Entries.push_back({ts, meta});
    return ts;
}

std::optional<WebCodecsChunkMeta> WebCodecsTimeline::Output(int64_t timestamp)
{
    for (auto it = Entries.begin(); it != Entries.end(); ++it)
        if (it->Timestamp == timestamp)
        {
            WebCodecsChunkMeta m = it->Meta;
            Entries.erase(it);
            return m;
        }
    return std::nullopt;
}

// [SECTION] Audio

std::optional<AdtsHeader> ParseAdtsHeader(std::span<const uint8_t> b)
{
    static constexpr int kRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350};
    if (b.size() < 7 || b[0] != 0xFF || (b[1] & 0xF6) != 0xF0) return std::nullopt; // sync word, layer 0
    AdtsHeader h;
    h.HeaderSize = (b[1] & 1) ? 7 : 9; // protection_absent = 0: a 16-bit CRC follows
    h.ObjectType = ((b[2] >> 6) & 3) + 1;
    h.SampleRateIndex = (b[2] >> 2) & 0xF;
    const int channel_config = ((b[2] & 1) << 2) | (b[3] >> 6);
    h.FrameSize = (static_cast<size_t>(b[3] & 3) << 11) | (static_cast<size_t>(b[4]) << 3) | (b[5] >> 5);
    if (h.SampleRateIndex > 12 || channel_config == 0 || h.FrameSize < h.HeaderSize || b.size() < h.HeaderSize) return std::nullopt;
    h.SampleRate = kRates[h.SampleRateIndex];
    h.Channels = channel_config == 7 ? 8 : channel_config;
    h.Asc[0] = static_cast<uint8_t>((h.ObjectType << 3) | (h.SampleRateIndex >> 1));
    h.Asc[1] = static_cast<uint8_t>(((h.SampleRateIndex & 1) << 7) | (channel_config << 3));
    return h;
}

int64_t AudioChunkTracker::Submit(const WebCodecsChunkMeta& meta)
{
    const int64_t ts = WebCodecsTimeline::TimestampOf(meta.Pts);
    if (!Full()) Entries.push_back({ts, meta});
    return ts;
}

AudioChunkTracker::Output AudioChunkTracker::OnOutput(int64_t timestamp)
{
    Output out;
    while (!Entries.empty() && Entries.front().Timestamp <= timestamp + kSlackUs)
    {
        Last = Entries.front();
        Entries.pop_front();
        out.Done++;
    }
    if (out.Done == 0 && !Entries.empty() && !(Last && Last->Timestamp <= timestamp))
    {
        Last = Entries.front(); // before every chunk in flight: the decoder shifted its output back
        Entries.pop_front();
        out.Done = 1;
    }
    if (!Last) return out;
    out.Meta = Last->Meta;
    out.Meta->Pts = Last->Meta.Pts + static_cast<double>(timestamp - Last->Timestamp) * 1e-6;
    return out;
}

void AudioChunkTracker::Clear()
{
    Entries.clear();
    Last.reset();
}

// [SECTION] Decoder modules -----------------------------------------------------------------------------

DecoderModule WasmDecoderModule(MediaCodec codec, bool own)
{
    if (own) return DecoderModule::Own;
    switch (codec)
    {
        case MediaCodec::H264:
        case MediaCodec::Aac: return DecoderModule::Worker;
        case MediaCodec::Hevc: return DecoderModule::Hevc;
        case MediaCodec::Unknown: return DecoderModule::Own;
    }
    return DecoderModule::Own;
}

const char* DecoderModuleName(DecoderModule module)
{
    switch (module)
    {
        case DecoderModule::Own: return "";
        case DecoderModule::Worker: return "livescope_worker";
        case DecoderModule::Hevc: return "livescope_decoder_hevc";
    }
    return "";
}

} // namespace livescope
