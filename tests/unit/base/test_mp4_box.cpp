// Tests for the shared ISO BMFF box reading (src/base/mp4_box.cpp).
#include <doctest/doctest.h>
#include <livescope/base/mp4_box.h>

#include <vector>

using namespace livescope;

TEST_SUITE_BEGIN("base/mp4_box");

TEST_CASE("big-endian integers are read most significant byte first")
{
    const uint8_t b[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    CHECK(ReadBe16(b) == 0x0102u);
    CHECK(ReadBe32(b) == 0x01020304u);
    CHECK(ReadBe64(b) == 0x0102030405060708ull);
    CHECK(FourCC('m', 'o', 'o', 'f') == 0x6D6F6F66u);
}

TEST_CASE("box headers are read with 32- and 64-bit sizes and rejected when implausible")
{
    const std::vector<uint8_t> b = {0, 0, 0, 12, 'm', 'o', 'o', 'f', 0, 0, 0, 0};
    BoxHeader h = ReadBoxHeader(b);
    CHECK(h.Status == BoxStatus::Ok);
    CHECK(h.Type == FourCC('m', 'o', 'o', 'f'));
    CHECK(h.Size == 12);
    CHECK(ReadBoxHeader(std::span<const uint8_t>(b.data(), 7)).Status == BoxStatus::NeedMore);
    const uint8_t large[16] = {0, 0, 0, 1, 'm', 'd', 'a', 't', 0, 0, 0, 0, 0, 0, 0, 40};
    h = ReadBoxHeader(large);
    CHECK(h.Status == BoxStatus::Ok);
    CHECK(h.Size == 40);
    CHECK(h.HeaderSize == 16);
    CHECK(ReadBoxHeader(std::span<const uint8_t>(large, 12)).Status == BoxStatus::NeedMore);
    const uint8_t zero[8] = {0, 0, 0, 0, 'm', 'd', 'a', 't'};
    CHECK(ReadBoxHeader(zero).Status == BoxStatus::Invalid);
    const uint8_t small[8] = {0, 0, 0, 4, 'm', 'd', 'a', 't'};
    CHECK(ReadBoxHeader(small).Status == BoxStatus::Invalid);
    const uint8_t binary[8] = {0, 0, 0, 16, 0x01, 0x02, 'a', 't'};
    CHECK(ReadBoxHeader(binary).Status == BoxStatus::Invalid);
}

TEST_SUITE_END();
