// Tests for the pure fMP4 box scanner and MPEG-TS cut scanner (src/player/decode/container_scan.cpp).
#include <doctest/doctest.h>
#include <livescope/player/decode/container_scan.h>

#include <cstring>
#include <vector>

using namespace livescope;

namespace {

void PutBox(std::vector<uint8_t>& out, const char* type, size_t payload, uint8_t fill = 0)
{
    const auto size = static_cast<uint32_t>(payload + 8);
    out.push_back(static_cast<uint8_t>(size >> 24));
    out.push_back(static_cast<uint8_t>(size >> 16));
    out.push_back(static_cast<uint8_t>(size >> 8));
    out.push_back(static_cast<uint8_t>(size));
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), payload, fill);
}

std::vector<uint8_t> TsPacket(uint16_t pid, bool pusi, bool pes_start, unsigned pes_len)
{
    std::vector<uint8_t> p(kTsPacketSize, 0xFF);
    p[0] = 0x47;
    p[1] = static_cast<uint8_t>((pusi ? 0x40 : 0) | ((pid >> 8) & 0x1F));
    p[2] = static_cast<uint8_t>(pid & 0xFF);
    p[3] = 0x10; // payload only
    if (pes_start)
    {
        p[4] = 0;
        p[5] = 0;
        p[6] = 1;
        p[7] = 0xE0;
        p[8] = static_cast<uint8_t>(pes_len >> 8);
        p[9] = static_cast<uint8_t>(pes_len & 0xFF);
    }
    return p;
}

} // namespace

TEST_SUITE_BEGIN("player_decode/container_scan");

TEST_CASE("an fMP4 stream splits into an init unit and complete moof+mdat fragments only")
{
    std::vector<uint8_t> s;
    PutBox(s, "ftyp", 16);
    PutBox(s, "moov", 100);
    const size_t init_end = s.size();
    PutBox(s, "styp", 8);
    PutBox(s, "moof", 50);
    PutBox(s, "mdat", 300);
    const size_t frag_end = s.size();

    Mp4Unit u = ScanMp4Unit(s);
    CHECK(u.Kind == Mp4UnitKind::Init);
    CHECK(u.Size == init_end);
    const std::span<const uint8_t> rest(s.data() + init_end, s.size() - init_end);
    u = ScanMp4Unit(rest);
    CHECK(u.Kind == Mp4UnitKind::Fragment);
    CHECK(u.Size == frag_end - init_end);
    // Every strict prefix of the fragment is "need more", never a partial fragment.
    for (size_t n = 0; n < rest.size(); ++n)
        CHECK(ScanMp4Unit(rest.first(n)).Kind == Mp4UnitKind::NeedMore);
}

TEST_CASE("corrupt fMP4 bytes are skipped up to the next plausible moof")
{
    std::vector<uint8_t> s(37, 0xAB); // garbage
    const size_t good = s.size();
    PutBox(s, "moof", 20);
    PutBox(s, "mdat", 20);
    Mp4Unit u = ScanMp4Unit(s);
    CHECK(u.Kind == Mp4UnitKind::Corrupt);
    CHECK(u.Size == good);
    CHECK_FALSE(u.Reason.empty());
    u = ScanMp4Unit(std::span<const uint8_t>(s.data() + good, s.size() - good));
    CHECK(u.Kind == Mp4UnitKind::Fragment);

    // A box claiming a huge size is corrupt, not "need more" forever.
    std::vector<uint8_t> huge;
    PutBox(huge, "moof", 8);
    huge[0] = 0x7F;
    CHECK(ScanMp4Unit(huge, 1u << 20).Kind == Mp4UnitKind::Corrupt);

    // mdat with no moof, and two moofs in a row.
    std::vector<uint8_t> orphan;
    PutBox(orphan, "mdat", 10);
    CHECK(ScanMp4Unit(orphan).Kind == Mp4UnitKind::Corrupt);
    std::vector<uint8_t> twice;
    PutBox(twice, "moof", 10);
    PutBox(twice, "moof", 10);
    PutBox(twice, "mdat", 10);
    u = ScanMp4Unit(twice);
    CHECK(u.Kind == Mp4UnitKind::Corrupt);
    CHECK(u.Size == 18);
}

TEST_CASE("the TS cut lands at the last video PES start, or the last PES start without video")
{
    std::vector<uint8_t> s;
    auto add = [&](const std::vector<uint8_t>& p) { s.insert(s.end(), p.begin(), p.end()); };
    add(TsPacket(0, true, false, 0));    // PAT (PSI, not PES)
    add(TsPacket(0x100, true, true, 0)); // video PES start, unbounded
    add(TsPacket(0x100, false, false, 0));
    add(TsPacket(0x101, true, true, 400)); // audio PES, bounded
    add(TsPacket(0x100, true, true, 0));   // next video PES: cut here
    add(TsPacket(0x100, false, false, 0));
    add(TsPacket(0x101, true, true, 400));
    CHECK(LooksLikeTs(s));
    TsCut c = ScanTsCut(s);
    CHECK(c.Packets == 7);
    CHECK(c.SafeEnd == 4 * kTsPacketSize);

    std::vector<uint8_t> audio_only;
    for (int i = 0; i < 3; ++i)
    {
        auto p = TsPacket(0x101, true, true, 100);
        audio_only.insert(audio_only.end(), p.begin(), p.end());
    }
    CHECK(ScanTsCut(audio_only).SafeEnd == 2 * kTsPacketSize);

    // Lost sync in the middle is skipped, not fatal.
    std::vector<uint8_t> broken = s;
    broken.insert(broken.begin() + 2 * kTsPacketSize, 5, 0x00);
    c = ScanTsCut(broken);
    CHECK(c.Resyncs >= 1);
    CHECK(c.SafeEnd == 4 * kTsPacketSize + 5);
    CHECK_FALSE(LooksLikeTs(std::vector<uint8_t>(10, 0)));
}

TEST_CASE("an init segment with an encv, enca or tenc box is reported as encrypted")
{
    std::vector<uint8_t> clear;
    PutBox(clear, "ftyp", 8);
    PutBox(clear, "moov", 0);
    PutBox(clear, "avc1", 24, 0x11);
    CHECK_FALSE(Mp4HasEncryption(clear));
    CHECK_FALSE(Mp4HasEncryption({}));
    for (const char* tag : {"encv", "enca", "tenc"})
    {
        std::vector<uint8_t> init;
        PutBox(init, "ftyp", 8);
        PutBox(init, "moov", 0);
        PutBox(init, tag, 24, 0x11);
        CHECK_MESSAGE(Mp4HasEncryption(init), tag);
        init.resize(init.size() - 24 - 8 + 2); // the tag cut in half is not a match
        CHECK_FALSE(Mp4HasEncryption(init));
    }
}

TEST_CASE("a TS packet with scrambling control bits set marks the stream as scrambled")
{
    std::vector<uint8_t> s;
    for (int i = 0; i < 3; ++i)
    {
        auto p = TsPacket(0x100, i == 0, i == 0, 0);
        s.insert(s.end(), p.begin(), p.end());
    }
    CHECK_FALSE(TsIsScrambled(s));
    std::vector<uint8_t> scrambled = s;
    scrambled[2 * kTsPacketSize + 3] |= 0x80; // transport_scrambling_control = 10 (even key)
    CHECK(TsIsScrambled(scrambled));
    // A partial trailing packet is not looked at.
    scrambled.resize(2 * kTsPacketSize + 10);
    CHECK_FALSE(TsIsScrambled(scrambled));
}

TEST_SUITE_END();
