// Unit tests for HLS URL resolution (hls_url.h): the RFC 3986 subset playlists need, and refused references.
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_url.h>

#include <string>

using namespace livescope;

TEST_SUITE_BEGIN("player_hls/hls_url");

TEST_CASE("ResolveUrl handles absolute, network-path, absolute-path, relative and dot segments")
{
    struct Row
    {
        const char* Base;
        const char* Ref;
        const char* Want;
    };
    const Row rows[] = {
        {"http://h:1/a/b/c.m3u8", "d.ts", "http://h:1/a/b/d.ts"},
        {"http://h:1/a/b/c.m3u8", "../x/d.ts", "http://h:1/a/x/d.ts"},
        {"http://h:1/a/b/c.m3u8", "./d.ts?x=1", "http://h:1/a/b/d.ts?x=1"},
        {"http://h:1/a/b/c.m3u8?q=2", "/root.ts", "http://h:1/root.ts"},
        {"http://h:1/a/c.m3u8", "//other/x.ts", "http://other/x.ts"},
        {"http://h:1/a/c.m3u8", "https://z/y.ts", "https://z/y.ts"},
        {"http://h:1", "x.ts", "http://h:1/x.ts"},
        {"/tmp/live/index.m3u8", "seg1.ts", "/tmp/live/seg1.ts"},
        {"fixtures/a.m3u8", "../b/c.ts", "b/c.ts"},
        {"index.m3u8", "seg.ts", "seg.ts"},
    };
    for (const Row& row : rows)
    {
        CAPTURE(row.Ref);
        HlsUrlResult r = ResolveUrl(row.Base, row.Ref);
        REQUIRE(r.Ok);
        CHECK(r.Url == row.Want);
    }
    CHECK_FALSE(ResolveUrl("http://h/a", "").Ok);
    CHECK_FALSE(ResolveUrl("http://h/a", "a\x01"
                                         "b")
                    .Ok);
    CHECK_FALSE(ResolveUrl("", "rel.ts").Ok);
}

TEST_CASE("ResolveUrl drops the base's query and fragment, keeps the reference's, and clamps '..' at the root")
{
    struct Row
    {
        const char* Base;
        const char* Ref;
        const char* Want;
    };
    const Row rows[] = {
        {"http://h/a/b.m3u8#frag", "c.ts", "http://h/a/c.ts"},
        {"http://h/a/b.m3u8?x=1", "?y=2", "http://h/a/b.m3u8?y=2"},
        {"http://h/a/b/c.m3u8", "../../../x.ts", "http://h/x.ts"},
        {"http://h/a/b/c.m3u8", ".", "http://h/a/b/"},
        {"file:///srv/live/a.m3u8", "s.ts", "file:///srv/live/s.ts"},
        {"C:/x/a.m3u8", "b.ts", "C:/x/b.ts"}, // a one-letter "scheme" is a Windows drive
    };
    for (const Row& row : rows)
    {
        CAPTURE(row.Base);
        CAPTURE(row.Ref);
        HlsUrlResult r = ResolveUrl(row.Base, row.Ref);
        REQUIRE(r.Ok);
        CHECK(r.Url == row.Want);
    }
}

TEST_CASE("ResolveUrl refuses spaces, DEL and a network-path reference against a base without a scheme")
{
    const HlsUrlResult space = ResolveUrl("http://h/a.m3u8", "a b.ts");
    CHECK_FALSE(space.Ok);
    CHECK(space.Reason.find("invalid character") != std::string::npos);
    CHECK_FALSE(ResolveUrl("http://h/a.m3u8", "a\x7f"
                                              "b.ts")
                    .Ok);
    const HlsUrlResult network = ResolveUrl("/tmp/a.m3u8", "//cdn/x.ts");
    CHECK_FALSE(network.Ok);
    CHECK(network.Reason.find("needs a base URL with a scheme") != std::string::npos);
}

TEST_SUITE_END();
