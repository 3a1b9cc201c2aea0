// Unit tests for the relaxed box header reading (BoxHeaderOptions): size 0 to the end of the range, any type.
#include <doctest/doctest.h>

#include <livescope/base/mp4_box.h>

#include <vector>

using namespace livescope;

TEST_SUITE_BEGIN("base/mp4_box");

TEST_CASE("a size-0 box runs to the end of the range only when the reader allows it")
{
    const std::vector<uint8_t> b = {0, 0, 0, 0, 'm', 'd', 'a', 't', 1, 2, 3, 4, 5};
    CHECK(ReadBoxHeader(b).Status == BoxStatus::Invalid);
    CHECK(ReadBoxHeader(b, BoxHeaderOptions{}).Status == BoxStatus::Invalid);
    const BoxHeader h = ReadBoxHeader(b, BoxHeaderOptions{.AnyType = false, .SizeZeroToEnd = true});
    CHECK(h.Status == BoxStatus::Ok);
    CHECK(h.Type == FourCC('m', 'd', 'a', 't'));
    CHECK(h.Size == b.size());
    CHECK(h.HeaderSize == 8u);
}

TEST_CASE("a non-printable type is read only when the reader takes any type")
{
    const std::vector<uint8_t> b = {0, 0, 0, 16, 0x01, 0x02, 'a', 't', 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(ReadBoxHeader(b).Status == BoxStatus::Invalid);
    const BoxHeader h = ReadBoxHeader(b, BoxHeaderOptions{.AnyType = true, .SizeZeroToEnd = false});
    CHECK(h.Status == BoxStatus::Ok);
    CHECK(h.Size == 16u);
    // The other checks stay: a size below the header and a short 64-bit header.
    const std::vector<uint8_t> small = {0, 0, 0, 4, 0x01, 0x02, 'a', 't'};
    CHECK(ReadBoxHeader(small, BoxHeaderOptions{.AnyType = true, .SizeZeroToEnd = true}).Status == BoxStatus::Invalid);
    const std::vector<uint8_t> large = {0, 0, 0, 1, 0x01, 0x02, 'a', 't', 0, 0};
    CHECK(ReadBoxHeader(large, BoxHeaderOptions{.AnyType = true, .SizeZeroToEnd = true}).Status == BoxStatus::NeedMore);
}

TEST_SUITE_END();
