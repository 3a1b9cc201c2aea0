// Tests for the studio's WebCodecs framing and its Matroska muxer (src/server/origin/include/.../ingest_frames.h).
#include <livescope/server/origin/ingest_frames.h>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace livescope;

namespace {

const uint8_t* Bytes(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::vector<IngestTrack> VideoAndOpus()
{
    return {{0, IngestCodec::H264AnnexB, 1280, 720, 0, 0}, {1, IngestCodec::Opus, 0, 0, 48000, 1}};
}

// An Annex B keyframe: AUD, SPS (profile 0x42, constraints 0xC0, level 0x1F), PPS, IDR slice.
const std::string KeyAu = std::string("\0\0\0\1\x09\xf0", 6) + std::string("\0\0\0\1\x67\x42\xc0\x1f\xaa", 9) + std::string("\0\0\1\x68\xce\x3c\x80", 7) +
                          std::string("\0\0\1\x65\x88\x84\x21", 7);
const std::string DeltaAu = std::string("\0\0\0\1\x41\x9a\x02", 7);

bool Feed(FrameMuxer& muxer, const std::string& message, std::string& out) { return muxer.Feed(Bytes(message), message.size(), out); }

} // namespace

TEST_SUITE_BEGIN("origin/ingest_frames");

TEST_CASE("a stream header and a frame round-trip through the encoders and the parser")
{
    IngestMessage message;
    std::string error;
    const std::string header = EncodeIngestStreamHeader(VideoAndOpus());
    CHECK(header.size() == 3 + 2 * IngestTrackEntryBytes);
    REQUIRE(ParseIngestMessage(Bytes(header), header.size(), message, error));
    CHECK(message.MessageKind == IngestMessage::Kind::StreamHeader);
    REQUIRE(message.Tracks.size() == 2);
    CHECK(message.Tracks[0].Video());
    CHECK(message.Tracks[0].Width == 1280);
    CHECK(message.Tracks[0].Height == 720);
    CHECK(message.Tracks[1].Codec == IngestCodec::Opus);
    CHECK(message.Tracks[1].SampleRate == 48000);
    CHECK(message.Tracks[1].Channels == 1);

    const std::string frame = EncodeIngestFrame(1, true, 1'700'000'000'123'456, 20000, "opus!");
    REQUIRE(ParseIngestMessage(Bytes(frame), frame.size(), message, error));
    CHECK(message.MessageKind == IngestMessage::Kind::Frame);
    CHECK(message.Track == 1);
    CHECK(message.Key);
    CHECK(message.CaptureUs == 1'700'000'000'123'456);
    CHECK(message.DurationUs == 20000);
    CHECK(std::string(reinterpret_cast<const char*>(message.Payload), message.PayloadSize) == "opus!");
}

TEST_CASE("the framing subprotocol is taken out of the offered list, which keeps the key")
{
    bool offered = false;
    CHECK(RemoveFramesSubprotocol("livescope-ingest, KEY.SIG, livescope-frames", offered) == "livescope-ingest, KEY.SIG");
    CHECK(offered);
    CHECK(RemoveFramesSubprotocol("livescope-ingest,KEY.SIG", offered) == "livescope-ingest, KEY.SIG");
    CHECK_FALSE(offered);
    CHECK(RemoveFramesSubprotocol("livescope-frames", offered).empty());
    CHECK(offered);
    CHECK(RemoveFramesSubprotocol("", offered).empty());
    CHECK_FALSE(offered);
}

TEST_CASE("malformed messages are refused with a reason")
{
    IngestMessage message;
    std::string error;
    auto refused = [&](const std::string& bytes) {
        error.clear();
        const bool ok = ParseIngestMessage(Bytes(bytes), bytes.size(), message, error);
        return !ok && !error.empty();
    };
    CHECK(refused(""));
    CHECK(refused("X123"));
    CHECK(refused("S"));
    CHECK(refused(std::string("S\x02\x01", 3) + std::string(11, '\0'))); // version 2
    std::string header = EncodeIngestStreamHeader(VideoAndOpus());
    CHECK(refused(header.substr(0, header.size() - 1)));
    CHECK(refused(EncodeIngestStreamHeader({})));
    CHECK(refused(EncodeIngestStreamHeader({{0, IngestCodec::H264AnnexB, 640, 360, 0, 0}, {1, IngestCodec::H264AnnexB, 640, 360, 0, 0}})));
    CHECK(refused(EncodeIngestStreamHeader({{0, IngestCodec::Opus, 0, 0, 48000, 1}, {0, IngestCodec::H264AnnexB, 640, 360, 0, 0}}))); // same id
    CHECK(refused(EncodeIngestStreamHeader({{0, IngestCodec::H264AnnexB, 8, 8, 0, 0}})));
    CHECK(refused(EncodeIngestStreamHeader({{0, IngestCodec::Opus, 0, 0, 48000, 0}})));
    header = EncodeIngestStreamHeader({{0, IngestCodec::Opus, 0, 0, 48000, 1}});
    header[4] = 9; // codec 9
    CHECK(refused(header));
    CHECK(refused(EncodeIngestFrame(0, false, 1, 0, ""))); // no payload
    CHECK(refused(std::string("F\0\0", 3)));
}

TEST_CASE("Annex B access units split into NAL units and convert to avcC")
{
    const auto units = SplitAnnexB(Bytes(KeyAu), KeyAu.size());
    REQUIRE(units.size() == 4);
    CHECK((units[0].first[0] & 0x1f) == 9);
    CHECK((units[1].first[0] & 0x1f) == 7);
    CHECK(units[1].second == 5);
    CHECK((units[2].first[0] & 0x1f) == 8);
    CHECK((units[3].first[0] & 0x1f) == 5);
    CHECK(units[3].second == 4);
    // Zero bytes before a 4-byte start code (or at the end) are not part of the unit before them.
    const std::string padded = std::string("\0\0\1\x41\x01\0\0\0\0\1\x41\x02\0", 13);
    const auto two = SplitAnnexB(Bytes(padded), padded.size());
    REQUIRE(two.size() == 2);
    CHECK(two[0].second == 2);
    CHECK(two[1].second == 2);
    CHECK(SplitAnnexB(Bytes(std::string("\0\0\0", 3)), 3).empty());

    std::string avcc;
    REQUIRE(BuildAvcC(Bytes(KeyAu), KeyAu.size(), avcc));
    CHECK(avcc == std::string("\x01\x42\xc0\x1f\xff\xe1\x00\x05\x67\x42\xc0\x1f\xaa\x01\x00\x04\x68\xce\x3c\x80", 20));
    CHECK_FALSE(BuildAvcC(Bytes(DeltaAu), DeltaAu.size(), avcc));

    CHECK(AnnexBToLengthPrefixed(Bytes(DeltaAu), DeltaAu.size()) == std::string("\0\0\0\3\x41\x9a\x02", 7));
}

TEST_CASE("audio codec private data: OpusHead and the AAC-LC AudioSpecificConfig")
{
    const std::string head = OpusHead(2, 48000);
    CHECK(head == std::string("OpusHead\x01\x02\0\0\x80\xbb\0\0\0\0\0", 19));
    std::string asc;
    REQUIRE(AacLcAudioSpecificConfig(48000, 1, asc));
    CHECK(asc == std::string("\x11\x88", 2));
    REQUIRE(AacLcAudioSpecificConfig(44100, 2, asc));
    CHECK(asc == std::string("\x12\x10", 2));
    CHECK_FALSE(AacLcAudioSpecificConfig(47999, 1, asc));
}

TEST_CASE("Matroska elements are written with their IDs and shortest sizes")
{
    CHECK(WriteMatroskaCluster(0) == std::string("\x1f\x43\xb6\x75\x01\xff\xff\xff\xff\xff\xff\xff\xe7\x81\x00", 15));
    CHECK(WriteMatroskaCluster(2000) == std::string("\x1f\x43\xb6\x75\x01\xff\xff\xff\xff\xff\xff\xff\xe7\x82\x07\xd0", 16));
    const std::string data = "abc";
    CHECK(WriteMatroskaSimpleBlock(1, 33, true, Bytes(data), 3) == std::string("\xa3\x87\x81\x00\x21\x80"
                                                                               "abc",
                                                                               9));
    CHECK(WriteMatroskaSimpleBlock(2, -1, false, Bytes(data), 3) == std::string("\xa3\x87\x82\xff\xff\x00"
                                                                                "abc",
                                                                                9));
    const std::string big(200, 'x'); // a size of 127 or more takes two bytes (0x7f alone means unknown)
    const std::string block = WriteMatroskaSimpleBlock(1, 0, false, Bytes(big), big.size());
    CHECK(block.substr(0, 3) == std::string("\xa3\x40\xcc", 3));
    const std::string header = WriteMatroskaHeader(VideoAndOpus(), {"AVCC", OpusHead(1, 48000)});
    CHECK(header.substr(0, 4) == "\x1a\x45\xdf\xa3");
    CHECK(header.find("matroska") != std::string::npos);
    CHECK(header.find("V_MPEG4/ISO/AVC") != std::string::npos);
    CHECK(header.find("A_OPUS") != std::string::npos);
    CHECK(header.find(std::string("\x63\xa2\x84"
                                  "AVCC",
                                  7)) != std::string::npos);
    CHECK(header.find(std::string("\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff", 12)) != std::string::npos);
}

TEST_CASE("the muxer starts at the first video keyframe, whose capture time is media time 0")
{
    FrameMuxer muxer;
    std::string out;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
    CHECK(out.empty());
    const int64_t t0 = 1'700'000'000'000'000; // µs
    REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, t0 - 40000, 20000, "early audio"), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, t0 - 33000, 33000, DeltaAu), out));
    CHECK(out.empty());
    CHECK_FALSE(muxer.Started());
    CHECK(muxer.DroppedFrames() == 2);

    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, t0, 33333, KeyAu), out));
    CHECK(muxer.Started());
    CHECK(muxer.CaptureAnchorUs() == t0);
    CHECK(out.substr(0, 4) == "\x1a\x45\xdf\xa3");
    CHECK(out.find("\x01\x42\xc0\x1f\xff\xe1") != std::string::npos); // the avcC from the keyframe's SPS/PPS
    const std::string cluster0 = WriteMatroskaCluster(0);
    const size_t at = out.find(cluster0);
    REQUIRE(at != std::string::npos);
    const std::string key_block = out.substr(at + cluster0.size());
    CHECK(key_block.substr(2, 4) == std::string("\x81\x00\x00\x80", 4));        // track 1, +0 ms, keyframe
    CHECK(key_block.find(std::string("\0\0\0\5\x67", 5)) != std::string::npos); // length-prefixed SPS

    // Audio captured just before the keyframe is dropped; after it, timestamps are capture minus t0, in ms.
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, t0 - 1000, 20000, "a"), out));
    CHECK(out.empty());
    REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, t0 + 20400, 20000, "b"), out));
    CHECK(out == std::string("\xa3\x85\x82\x00\x14\x80"
                             "b",
                             7)); // track 2, +20 ms
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, t0 + 33333, 33333, DeltaAu), out));
    CHECK(out.substr(2, 4) == std::string("\x81\x00\x21\x00", 4)); // +33 ms, not a keyframe
    CHECK(muxer.DroppedFrames() == 3);
}

TEST_CASE("the muxer opens a cluster at each video keyframe and at least every cluster span")
{
    FrameMuxer muxer;
    std::string out;
    const int64_t t0 = 1'000'000'000;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, t0, 0, KeyAu), out));
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, t0 + 2'000'000, 0, KeyAu), out));
    CHECK(out.substr(0, 16) == WriteMatroskaCluster(2000));
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, t0 + 2'000'000 + MatroskaClusterSpanMs * 1000, 0, "late"), out));
    CHECK(out.find(WriteMatroskaCluster(2000 + MatroskaClusterSpanMs)) == 0);
}

TEST_CASE("an audio-only stream starts at its first frame")
{
    FrameMuxer muxer;
    std::string out;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeader({{7, IngestCodec::AacLc, 0, 0, 48000, 2}}), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(7, false, 5'000'000, 21333, "aac"), out));
    CHECK(muxer.Started());
    CHECK(muxer.CaptureAnchorUs() == 5'000'000);
    CHECK(out.find("A_AAC") != std::string::npos);
    CHECK(out.find(std::string("\x63\xa2\x82\x11\x90", 5)) != std::string::npos); // ASC: LC, 48 kHz, stereo
}

TEST_CASE("the muxer fails for good on a frame before the header, an unknown track, a second header or a keyframe without SPS")
{
    std::string out;
    {
        FrameMuxer muxer;
        CHECK_FALSE(Feed(muxer, EncodeIngestFrame(0, true, 1, 0, KeyAu), out));
        CHECK(muxer.Error() == "a frame before the stream header");
        CHECK_FALSE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out)); // failed stays failed
    }
    {
        FrameMuxer muxer;
        REQUIRE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
        CHECK_FALSE(Feed(muxer, EncodeIngestFrame(5, true, 1, 0, "x"), out));
        CHECK_FALSE(muxer.Error().empty());
    }
    {
        FrameMuxer muxer;
        REQUIRE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
        CHECK_FALSE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
    }
    {
        FrameMuxer muxer;
        REQUIRE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
        CHECK_FALSE(Feed(muxer, EncodeIngestFrame(0, true, 1, 0, DeltaAu), out));
        CHECK(muxer.Error() == "the first keyframe has no SPS and PPS");
    }
    CHECK(out.empty());
}

TEST_CASE("a version 2 stream header carries the key frame cadence and the video bitrate")
{
    IngestMessage message;
    std::string error;
    const std::string header = EncodeIngestStreamHeaderV2(VideoAndOpus(), 2000, 1'800'000);
    CHECK(header.size() == 3 + 2 * IngestTrackEntryBytes + IngestHeaderV2TrailerBytes);
    REQUIRE(ParseIngestMessage(Bytes(header), header.size(), message, error));
    CHECK(message.Tracks.size() == 2);
    CHECK(message.KeyframeMs == 2000);
    CHECK(message.VideoBitrate == 1'800'000);
    // Version 1 promises nothing; a version 2 header without its 8 bytes, or with a cadence over 60 s, is refused.
    const std::string v1 = EncodeIngestStreamHeader(VideoAndOpus());
    REQUIRE(ParseIngestMessage(Bytes(v1), v1.size(), message, error));
    CHECK(message.KeyframeMs == 0);
    std::string short_v2 = header.substr(0, header.size() - 1);
    CHECK_FALSE(ParseIngestMessage(Bytes(short_v2), short_v2.size(), message, error));
    CHECK(error.find("version 2") != std::string::npos);
    const std::string slow = EncodeIngestStreamHeaderV2(VideoAndOpus(), 61000, 0);
    CHECK_FALSE(ParseIngestMessage(Bytes(slow), slow.size(), message, error));
    CHECK(error.find("key frame interval") != std::string::npos);
}

TEST_CASE("the origin's hello tells a studio the segment cadence and the top rendition")
{
    EncoderConfig config;
    config.SegmentMs = 4000;
    config.Renditions = {{"720p", 1280, 720, 2000, 96}, {"360p", 640, 360, 600, 96}};
    CHECK(IngestHelloMessage(config) == R"({"segment_ms":4000,"part_ms":200,"width":1280,"height":720,"video_kbps":2000,"frame_rate":30})");
}

namespace {

struct Decider
{
    int Calls = 0;
    bool Answer = true;
    TopCopyFacts Seen;
    static bool Decide(void* context, const TopCopyFacts& facts)
    {
        auto* self = static_cast<Decider*>(context);
        self->Calls++;
        self->Seen = facts;
        return self->Answer;
    }
};

} // namespace

TEST_CASE("in copy mode each video frame is written once the next one gives its duration, and what came meanwhile follows it")
{
    FrameMuxer muxer;
    Decider decider;
    muxer.SetCopyDecider(&Decider::Decide, &decider);
    std::string out;
    const int64_t t0 = 1'700'000'000'000'000; // µs
    REQUIRE(Feed(muxer, EncodeIngestStreamHeaderV2(VideoAndOpus(), 2000, 2'000'000), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, t0, 0, KeyAu), out));
    CHECK(decider.Calls == 1);
    CHECK(decider.Seen.Framed);
    CHECK(decider.Seen.H264);
    CHECK(decider.Seen.Width == 1280);
    CHECK(decider.Seen.Height == 720);
    CHECK(decider.Seen.ProfileIdc == 66);
    CHECK(decider.Seen.KeyframeMs == 2000);
    CHECK(decider.Seen.VideoBitrate == 2'000'000);
    CHECK(muxer.CopyMode());
    CHECK(out.substr(0, 4) == "\x1a\x45\xdf\xa3");
    CHECK(out.find(WriteMatroskaCluster(0)) == std::string::npos); // the key frame is held: no block yet
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, t0 + 20000, 20000, "a1"), out));
    CHECK(out.empty()); // behind the held frame
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, t0 + 47000, 0, DeltaAu), out)); // a variable frame rate: 47 ms
    const std::string units = AnnexBToLengthPrefixed(Bytes(KeyAu), KeyAu.size());
    const std::string expected = WriteMatroskaCluster(0) + WriteMatroskaBlockGroup(1, 0, true, 47, 0, Bytes(units), units.size()) +
                                 WriteMatroskaSimpleBlock(2, 20, true, Bytes(std::string("a1")), 2);
    CHECK(out == expected);
    CHECK(out.find("\x9b\x81\x2f") != std::string::npos); // BlockDuration 47
    CHECK(out.find("\xfb") == std::string::npos);         // a key frame has no ReferenceBlock
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, t0 + 80000, 0, DeltaAu), out));
    CHECK(out.find("\x9b\x81\x21") != std::string::npos); // 33 ms
    CHECK(out.find("\xfb\x82") != std::string::npos);     // a delta frame refers back
}

TEST_CASE("without copy mode frames are written at once, as simple blocks, and nothing holds them to a cadence")
{
    for (bool answer : {false, true})
    {
        FrameMuxer muxer;
        Decider decider;
        decider.Answer = answer;
        muxer.SetCopyDecider(&Decider::Decide, &decider);
        std::string out;
        // Version 1 (no cadence promised): never copied, whatever the decider says.
        REQUIRE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
        REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 0, 0, KeyAu), out));
        CHECK(decider.Calls == 0);
        CHECK_FALSE(muxer.CopyMode());
        CHECK(out.find(WriteMatroskaCluster(0)) != std::string::npos);
        out.clear();
        REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 3'000'000, 0, DeltaAu), out)); // no key at 2 s: fine here
        CHECK(out.find("\xa3") != std::string::npos);
    }
}

TEST_CASE("copy mode holds the stream to its promised key frames: an early extra key is cleared, a missing one fails")
{
    FrameMuxer muxer;
    Decider decider;
    muxer.SetCopyDecider(&Decider::Decide, &decider);
    std::string out;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeaderV2(VideoAndOpus(), 2000, 2'000'000), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 0, 0, KeyAu), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 1'000'000, 0, KeyAu), out)); // mid-window key frame
    CHECK(muxer.ClearedKeyFrames() == 1);
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 2'033'000, 0, DeltaAu), out)); // 33 ms late: allowed
    // The cleared key frame (at 1000 ms) is written as a delta frame: a ReferenceBlock, and no new cluster.
    CHECK(out.find("\xfb\x82") != std::string::npos);
    CHECK(out.find(WriteMatroskaCluster(1000)) == std::string::npos);
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 2'066'000, 0, KeyAu), out)); // the window's key, a frame late
    CHECK(muxer.ClearedKeyFrames() == 1);
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 4'000'000, 0, DeltaAu), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 4'000'000 + KeyframeLateMaxMs * 1000, 0, DeltaAu), out));
    CHECK_FALSE(Feed(muxer, EncodeIngestFrame(0, false, 4'001'000 + KeyframeLateMaxMs * 1000, 0, DeltaAu), out));
    CHECK(muxer.Error().find("no key frame within 400 ms of the 4000 ms boundary") != std::string::npos);
}

TEST_CASE("copy mode takes a key frame a little before a boundary as that boundary's (timestamp jitter)")
{
    FrameMuxer muxer;
    Decider decider;
    muxer.SetCopyDecider(&Decider::Decide, &decider);
    std::string out;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeaderV2(VideoAndOpus(), 2000, 2'000'000), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 0, 0, KeyAu), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, (2000 - KeyframeEarlyMaxMs) * 1000, 0, KeyAu), out)); // early: the 2 s key
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 2'400'000, 0, DeltaAu), out)); // window 1 has its key: no failure
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 3'000'000, 0, KeyAu), out));    // mid-window: cleared
    CHECK(muxer.ClearedKeyFrames() == 1);
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 3'850'000, 0, KeyAu), out)); // 150 ms early: too early, cleared
    CHECK(muxer.ClearedKeyFrames() == 2);
}

TEST_CASE("video timestamps strictly increase, even when two frames share a millisecond")
{
    FrameMuxer muxer;
    std::string out;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeader(VideoAndOpus()), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 0, 0, KeyAu), out));
    out.clear();
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 300, 0, DeltaAu), out)); // rounds to 0 ms
    CHECK(out.substr(2, 4) == std::string("\x81\x00\x01\x00", 4));          // +1 ms
}

TEST_CASE("copy mode holds a video frame with no successor only so long: a video stall does not grow memory")
{
    FrameMuxer muxer;
    Decider decider;
    muxer.SetCopyDecider(&Decider::Decide, &decider);
    std::string out;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeaderV2(VideoAndOpus(), 2000, 2'000'000), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 0, 0, KeyAu), out));
    out.clear();
    for (int i = 1; i <= 40; i++) // 800 ms of audio, no video: all held behind the key frame
        REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, i * 20000, 0, "a"), out));
    CHECK(out.empty());
    for (int i = 41; i <= 60; i++) // past HeldMaxMs: the key frame goes out with a guessed duration, audio flows again
        REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, i * 20000, 0, "a"), out));
    CHECK(out.find("\x9b\x81\x21") != std::string::npos); // BlockDuration 33 ms (no frame duration known yet)
    CHECK(out.find(WriteMatroskaSimpleBlock(2, 1200, true, Bytes(std::string("a")), 1)) != std::string::npos);
    // Many frames on one timestamp are bounded by count.
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 1'300'000, 0, DeltaAu), out));
    out.clear();
    for (size_t i = 1; i < HeldMaxFrames; i++) // the video frame and HeldMaxFrames - 1 frames behind it
        REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, 1'300'000, 0, "b"), out));
    CHECK(out.empty());
    REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, 1'300'000, 0, "b"), out));
    CHECK_FALSE(out.empty());
}

TEST_CASE("when a copied stream ends, its last held video frame and what followed it are written with the last frame duration")
{
    FrameMuxer muxer;
    Decider decider;
    muxer.SetCopyDecider(&Decider::Decide, &decider);
    std::string out;
    REQUIRE(Feed(muxer, EncodeIngestStreamHeaderV2(VideoAndOpus(), 2000, 2'000'000), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, true, 0, 0, KeyAu), out));
    REQUIRE(Feed(muxer, EncodeIngestFrame(0, false, 40000, 0, DeltaAu), out)); // the key frame goes out: 40 ms
    REQUIRE(Feed(muxer, EncodeIngestFrame(1, true, 50000, 0, "z"), out));      // audio behind the held delta frame
    const std::string units = AnnexBToLengthPrefixed(Bytes(DeltaAu), DeltaAu.size());
    const std::string last = WriteMatroskaBlockGroup(1, 40, false, 40, -40, Bytes(units), units.size());
    CHECK(out.find(last) == std::string::npos); // held: its duration is not known yet
    std::string tail;
    muxer.Finish(tail);
    CHECK(tail == last + WriteMatroskaSimpleBlock(2, 50, true, Bytes(std::string("z")), 1));
    std::string again;
    muxer.Finish(again); // nothing is written twice
    CHECK(again.empty());

    FrameMuxer transcoded; // without copy mode nothing is held
    std::string written;
    REQUIRE(Feed(transcoded, EncodeIngestStreamHeader(VideoAndOpus()), written));
    REQUIRE(Feed(transcoded, EncodeIngestFrame(0, true, 0, 0, KeyAu), written));
    std::string none;
    transcoded.Finish(none);
    CHECK(none.empty());
}

TEST_SUITE_END();
