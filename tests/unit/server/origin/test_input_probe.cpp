// Tests for the first look at a publisher's stream (src/server/origin/include/livescope/server/origin/input_probe.h).
#include <livescope/server/origin/input_probe.h>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace livescope;

namespace {

// One 188-byte TS packet on `pid` whose payload starts a section `section` (pointer field 0), padded with 0xFF.
std::string TsSectionPacket(int pid, const std::vector<uint8_t>& section)
{
    std::string packet = {char(0x47), char(0x40 | (pid >> 8)), char(pid & 0xFF), char(0x10), char(0x00)};
    for (uint8_t b : section)
        packet += char(b);
    packet.resize(188, char(0xFF));
    return packet;
}

std::string TsFiller(int count)
{
    std::string out;
    for (int i = 0; i < count; i++)
    {
        std::string packet = {char(0x47), char(0x1F), char(0xFF), char(0x10)};
        packet.resize(188, char(0xFF));
        out += packet;
    }
    return out;
}

// PAT naming program 1 on PMT PID 0x1000, and a PMT with the given (stream type, descriptors) entries. CRCs are zero:
// the probe does not check them (ffmpeg does).
std::string TsProgram(const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& streams)
{
    const std::vector<uint8_t> pat = {0x00, 0xB0, 13, 0x00, 0x01, 0xC1, 0x00, 0x00, 0x00, 0x01, 0xF0, 0x00, 0, 0, 0, 0};
    std::vector<uint8_t> body = {0xE1, 0x00, 0xF0, 0x00}; // PCR PID 0x100, no program info
    int pid = 0x100;
    for (const auto& [type, descriptors] : streams)
    {
        body.insert(body.end(), {type, uint8_t(0xE0 | (pid >> 8)), uint8_t(pid & 0xFF), uint8_t(0xF0), uint8_t(descriptors.size())});
        body.insert(body.end(), descriptors.begin(), descriptors.end());
        pid++;
    }
    const size_t length = 5 + body.size() + 4; // after the length field: 5 header bytes, the body, the CRC
    std::vector<uint8_t> pmt = {0x02, uint8_t(0xB0 | (length >> 8)), uint8_t(length & 0xFF), 0x00, 0x01, 0xC1, 0x00, 0x00};
    pmt.insert(pmt.end(), body.begin(), body.end());
    pmt.insert(pmt.end(), {0, 0, 0, 0});
    return TsSectionPacket(0, pat) + TsSectionPacket(0x1000, pmt);
}

std::string Ebml(uint32_t id, const std::string& body, bool unknown_size = false)
{
    std::string out;
    for (int shift = 24; shift >= 0; shift -= 8)
        if ((id >> shift) != 0 || shift == 0)
            out += char((id >> shift) & 0xFF);
    if (unknown_size)
        out += std::string("\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 8);
    else
    {
        out += char(0x40 | (body.size() >> 8));
        out += char(body.size() & 0xFF);
    }
    return out + body;
}

std::string WebmHead(const std::vector<int>& track_types)
{
    std::string tracks;
    for (int type : track_types)
        tracks += Ebml(0xAE, Ebml(0xD7, "\x01") + Ebml(0x83, std::string(1, char(type))));
    return Ebml(0x1A45DFA3, Ebml(0x4282, "webm")) + Ebml(0x18538067, "", true).substr(0, 12) + Ebml(0x1549A966, Ebml(0x2AD7B1, "\x0F\x42\x40")) +
           Ebml(0x1654AE6B, tracks);
}

} // namespace

TEST_SUITE_BEGIN("origin/input_probe");

TEST_CASE("an MPEG-TS program map says whether the stream carries video, audio or both")
{
    const std::vector<uint8_t> none;
    InputLayout layout = ProbeInputLayout(TsProgram({{0x1B, none}, {0x0F, none}}) + TsFiller(4));
    CHECK(layout.LayoutKind == InputLayout::Kind::Known);
    CHECK(layout.Video);
    CHECK(layout.Audio);
    layout = ProbeInputLayout(TsProgram({{0x0F, none}}) + TsFiller(4));
    CHECK(layout.LayoutKind == InputLayout::Kind::Known);
    CHECK_FALSE(layout.Video);
    CHECK(layout.Audio);
    layout = ProbeInputLayout(TsProgram({{0x24, none}}) + TsFiller(4));
    CHECK(layout.Video);
    CHECK_FALSE(layout.Audio);
    // Opus in MPEG-TS is private data with a registration descriptor; other private data is not audio.
    layout = ProbeInputLayout(TsProgram({{0x1B, none}, {0x06, {0x05, 4, 'O', 'p', 'u', 's'}}}) + TsFiller(4));
    CHECK(layout.Audio);
    layout = ProbeInputLayout(TsProgram({{0x1B, none}, {0x06, {0x56, 0}}}) + TsFiller(4));
    CHECK_FALSE(layout.Audio);
    // Only data streams: nothing to go on.
    CHECK(ProbeInputLayout(TsProgram({{0x15, none}}) + TsFiller(4)).LayoutKind == InputLayout::Kind::Unknown);
}

TEST_CASE("MPEG-TS needs more bytes until its program map, and is unknown when sync is lost before it")
{
    const std::string program = TsProgram({{0x1B, {}}, {0x0F, {}}});
    CHECK(ProbeInputLayout(TsFiller(2)).LayoutKind == InputLayout::Kind::NeedMore);
    CHECK(ProbeInputLayout(TsFiller(6)).LayoutKind == InputLayout::Kind::NeedMore);
    CHECK(ProbeInputLayout(TsFiller(6) + std::string(188, 'x') + program).LayoutKind == InputLayout::Kind::Unknown);
    // Leading bytes before the first sync byte are skipped.
    CHECK(ProbeInputLayout("abc" + program + TsFiller(4)).LayoutKind == InputLayout::Kind::Known);
    // A stream of packets that never names a program is called unknown at the probe's limit.
    CHECK(ProbeInputLayout(TsFiller(int(InputProbeMaxBytes / 188) + 1)).LayoutKind == InputLayout::Kind::Unknown);
}

TEST_CASE("Matroska and WebM tracks say whether the stream carries video, audio or both")
{
    InputLayout layout = ProbeInputLayout(WebmHead({1, 2}));
    CHECK(layout.LayoutKind == InputLayout::Kind::Known);
    CHECK(layout.Video);
    CHECK(layout.Audio);
    layout = ProbeInputLayout(WebmHead({2}));
    CHECK_FALSE(layout.Video);
    CHECK(layout.Audio);
    layout = ProbeInputLayout(WebmHead({1}));
    CHECK(layout.Video);
    CHECK_FALSE(layout.Audio);
    // Cut anywhere before the end of Tracks: more bytes are needed.
    const std::string head = WebmHead({1, 2});
    for (size_t cut = 0; cut < head.size(); cut++)
        CHECK(ProbeInputLayout(head.substr(0, cut)).LayoutKind == InputLayout::Kind::NeedMore);
}

TEST_CASE("media before any track list, and bytes that are no known container, are unknown")
{
    const std::string no_tracks = Ebml(0x1A45DFA3, Ebml(0x4282, "webm")) + Ebml(0x18538067, "", true).substr(0, 12) + Ebml(0x1F43B675, "", true);
    CHECK(ProbeInputLayout(no_tracks).LayoutKind == InputLayout::Kind::Unknown);
    CHECK(ProbeInputLayout(std::string(4096, 'z')).LayoutKind == InputLayout::Kind::Unknown);
    std::string random;
    uint32_t state = 12345;
    for (int i = 0; i < 8192; i++)
    {
        state = state * 1103515245u + 12345u;
        random += char(state >> 24);
    }
    CHECK(ProbeInputLayout(random).LayoutKind != InputLayout::Kind::Known);
    CHECK(ProbeInputLayout("").LayoutKind == InputLayout::Kind::NeedMore);
}
