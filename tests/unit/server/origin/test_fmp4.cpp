// Tests for the pure fMP4 splitter and box inspection (src/server/origin/fmp4.h).
#include <livescope/server/origin/fmp4.h>
#include "mp4_builder.h"

#include <doctest/doctest.h>

using namespace livescope;
using namespace livescope::test;

namespace {

Bytes Stream()
{
    return Cat({InitSegment(), Fragment(0, 6, true, 300, 1), Fragment(3072, 6, false, 200, 2), Box("styp", Bytes{'m', 's', 'd', 'h'}),
                Fragment(6144, 6, false, 100, 3)});
}

std::vector<Fmp4Chunk> SplitInChunksOf(const Bytes& stream, size_t chunk)
{
    Fmp4StreamSplitter splitter;
    std::vector<Fmp4Chunk> out;
    for (size_t at = 0; at < stream.size(); at += chunk)
        REQUIRE(splitter.Feed(stream.data() + at, std::min(chunk, stream.size() - at), out));
    CHECK(splitter.BufferedBytes() == 0);
    return out;
}

} // namespace

TEST_SUITE_BEGIN("origin/fmp4");

TEST_CASE("the splitter cuts init and moof+mdat fragments the same way for every input chunk size")
{
    const Bytes stream = Stream();
    const std::vector<Fmp4Chunk> whole = SplitInChunksOf(stream, stream.size());
    REQUIRE(whole.size() == 4);
    CHECK(whole[0].ChunkKind == Fmp4Chunk::Kind::Init);
    CHECK(whole[0].Bytes == InitSegment());
    CHECK(whole[1].ChunkKind == Fmp4Chunk::Kind::Fragment);
    CHECK(whole[1].Bytes == Fragment(0, 6, true, 300, 1));
    CHECK(whole[2].Bytes == Fragment(3072, 6, false, 200, 2));
    // The styp travels with the fragment that follows it.
    CHECK(whole[3].Bytes == Cat({Box("styp", Bytes{'m', 's', 'd', 'h'}), Fragment(6144, 6, false, 100, 3)}));
    size_t total = 0;
    for (const Fmp4Chunk& chunk : whole)
        total += chunk.Bytes.size();
    CHECK(total == stream.size());

    for (size_t chunk : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(8), size_t(9), size_t(64), size_t(1000), size_t(4093)})
    {
        CAPTURE(chunk);
        const std::vector<Fmp4Chunk> split = SplitInChunksOf(stream, chunk);
        REQUIRE(split.size() == whole.size());
        for (size_t i = 0; i < split.size(); i++)
        {
            CHECK(split[i].ChunkKind == whole[i].ChunkKind);
            CHECK(split[i].Bytes == whole[i].Bytes);
        }
    }
}

TEST_CASE("the splitter holds a partial box until the rest arrives")
{
    const Bytes fragment = Cat({InitSegment(), Fragment(0, 6, true)});
    Fmp4StreamSplitter splitter;
    std::vector<Fmp4Chunk> out;
    REQUIRE(splitter.Feed(fragment.data(), fragment.size() - 1, out));
    CHECK(out.size() == 1);
    CHECK(splitter.BufferedBytes() > 0);
    REQUIRE(splitter.Feed(fragment.data() + fragment.size() - 1, 1, out));
    CHECK(out.size() == 2);
}

TEST_CASE("the splitter understands 64-bit box sizes")
{
    Bytes large = {0, 0, 0, 1, 'm', 'd', 'a', 't'};
    PutU64(large, 16 + 5);
    large.insert(large.end(), {1, 2, 3, 4, 5});
    Bytes moof = Box("moof", Zeros(8));
    const Bytes stream = Cat({InitSegment(), moof, large});
    Fmp4StreamSplitter splitter;
    std::vector<Fmp4Chunk> out;
    REQUIRE(splitter.Feed(stream.data(), stream.size(), out));
    REQUIRE(out.size() == 2);
    CHECK(out[1].Bytes == Cat({moof, large}));
}

TEST_CASE("a bad box size is an error value of the splitter and stays an error")
{
    const Bytes bad = {0, 0, 0, 4, 'm', 'o', 'o', 'f'};
    Fmp4StreamSplitter splitter;
    std::vector<Fmp4Chunk> out;
    CHECK_FALSE(splitter.Feed(bad.data(), bad.size(), out));
    CHECK(splitter.Failed());
    CHECK_FALSE(splitter.ErrorReason().empty());
    const Bytes good = InitSegment();
    CHECK_FALSE(splitter.Feed(good.data(), good.size(), out));
    CHECK(out.empty());
    splitter.Reset();
    CHECK(splitter.Feed(good.data(), good.size(), out));
    CHECK(out.size() == 1);

    Bytes huge = {0x7f, 0xff, 0xff, 0xff, 'm', 'd', 'a', 't'};
    Fmp4StreamSplitter second;
    CHECK_FALSE(second.Feed(huge.data(), huge.size(), out));
}

TEST_CASE("the init parser reads tracks, sizes, timescales and the CODECS attribute")
{
    const Bytes init = InitSegment();
    Mp4InitInfo info;
    Mp4Error error;
    REQUIRE(ParseMp4Init(init.data(), init.size(), info, error));
    REQUIRE(info.Tracks.size() == 2);
    const Mp4Track* video = info.VideoTrack();
    REQUIRE(video != nullptr);
    CHECK(video->TrackId == 1);
    CHECK(video->Timescale == 15360);
    CHECK(video->Width == 1280);
    CHECK(video->Height == 720);
    CHECK(video->Codec == "avc1.42c01f");
    CHECK(info.Tracks[1].IsAudio);
    CHECK(info.Tracks[1].Codec == "mp4a.40.2");
    CHECK(info.CodecsAttribute() == "avc1.42c01f,mp4a.40.2");
}

TEST_CASE("garbage fails the init parser with a reason")
{
    const Bytes junk = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    Mp4InitInfo info;
    Mp4Error error;
    CHECK_FALSE(ParseMp4Init(junk.data(), junk.size(), info, error));
    CHECK(error.Failed);
    CHECK_FALSE(error.Reason.empty());
}

TEST_CASE("the fragment parser measures the video track's start, duration and keyframe")
{
    const Bytes init = InitSegment();
    Mp4InitInfo info;
    Mp4Error error;
    REQUIRE(ParseMp4Init(init.data(), init.size(), info, error));

    const Bytes key = Fragment(30720, 6, true);
    Mp4FragmentInfo fragment;
    REQUIRE(ParseMp4Fragment(key.data(), key.size(), info, fragment, error));
    CHECK(fragment.Independent);
    CHECK(fragment.SampleCount == 6);
    CHECK(fragment.BaseDecodeTime == 30720);
    CHECK(fragment.StartTime == doctest::Approx(2.0));
    CHECK(fragment.Duration == doctest::Approx(0.2));

    const Bytes delta = Fragment(33792, 6, false);
    REQUIRE(ParseMp4Fragment(delta.data(), delta.size(), info, fragment, error));
    CHECK_FALSE(fragment.Independent);
    CHECK(fragment.Duration == doctest::Approx(0.2));
}

TEST_CASE("truncated or foreign fragments fail the fragment parser without crashing")
{
    const Bytes init = InitSegment();
    Mp4InitInfo info;
    Mp4Error error;
    REQUIRE(ParseMp4Init(init.data(), init.size(), info, error));
    const Bytes fragment = Fragment(0, 6, true);
    for (size_t cut = 0; cut < fragment.size(); cut += 13)
    {
        Mp4FragmentInfo out;
        Mp4Error cut_error;
        ParseMp4Fragment(fragment.data(), cut, info, out, cut_error); // must simply return
    }
    const Bytes mdat_only = Box("mdat", Zeros(10));
    Mp4FragmentInfo out;
    CHECK_FALSE(ParseMp4Fragment(mdat_only.data(), mdat_only.size(), info, out, error));
}

TEST_CASE("the payload of the first mdat is found")
{
    const Bytes fragment = Fragment(0, 6, true, 50);
    size_t offset = 0, length = 0;
    REQUIRE(FindMdatPayload(fragment.data(), fragment.size(), offset, length));
    CHECK(length == 50);
    CHECK(offset + length == fragment.size());
    CHECK(fragment[offset] == 3);
}

TEST_SUITE_END();
