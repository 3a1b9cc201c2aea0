// Tests for the AES-128-CBC streaming decryptor (HLS METHOD=AES-128) against openssl-made ciphertext.
#include <doctest/doctest.h>
#include "test_media.h"
#include <livescope/player/decode/aes128.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <iterator>
#include <string>
#include <vector>

using namespace livescope;

namespace {

std::vector<uint8_t> Hex(const std::string& hex)
{
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::array<uint8_t, 16> Block(const std::string& hex)
{
    std::array<uint8_t, 16> b{};
    const std::vector<uint8_t> v = Hex(hex);
    std::copy(v.begin(), v.end(), b.begin());
    return b;
}

// Feeds `cipher` in pieces of `step` bytes; returns false when Finish() refuses.
bool Decrypt(const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv, const std::vector<uint8_t>& cipher, size_t step,
             std::vector<uint8_t>& plain, size_t* max_held = nullptr)
{
    std::unique_ptr<HlsDecryptor> d = MakeAes128CbcDecryptor(key, iv);
    plain.clear();
    size_t fed = 0;
    for (size_t i = 0; i < cipher.size(); i += step)
    {
        const size_t n = std::min(step, cipher.size() - i);
        d->Update(cipher.data() + i, n, plain);
        fed += n;
        if (max_held) *max_held = std::max(*max_held, fed - plain.size());
    }
    return d->Finish(plain);
}

} // namespace

TEST_SUITE_BEGIN("player_decode/aes128");

TEST_CASE("openssl's ciphertext of a TS clip decrypts to the clip in any chunking")
{
    const std::vector<uint8_t> clear = ReadMedia("clip.ts");
    const std::vector<uint8_t> cipher = ReadMedia("clip.ts.aes");
    REQUIRE(cipher.size() % 16 == 0);
    REQUIRE(cipher.size() > clear.size());
    const auto key = Block("000102030405060708090a0b0c0d0e0f"), iv = Block("0f0e0d0c0b0a09080706050403020100");
    for (size_t step : {size_t{1}, size_t{7}, size_t{16}, size_t{17}, size_t{1500}, size_t{65536}, cipher.size()})
    {
        CAPTURE(step);
        std::vector<uint8_t> plain;
        size_t max_held = 0;
        REQUIRE(Decrypt(key, iv, cipher, step, plain, &max_held));
        CHECK(plain == clear);
        CHECK(max_held <= 16); // streaming: never more than one block behind
    }
}

TEST_CASE("PKCS#7 padding is stripped for empty, short and block-sized plaintext")
{
    // printf '%s' PLAIN | openssl enc -aes-128-cbc -K 2b7e151628aed2a6abf7158809cf4f3c -iv 000102030405060708090a0b0c0d0e0f | xxd -p
    const auto key = Block("2b7e151628aed2a6abf7158809cf4f3c"), iv = Block("000102030405060708090a0b0c0d0e0f");
    struct Row
    {
        const char* Plain;
        const char* Cipher;
    };
    const Row rows[] = {
        {"", "c84af0b613435d5d9182801a9bd9320b"},
        {"livescope", "6d3559916039874094283df6d515798d"},
        {"0123456789abcdef", "64768548007aef9f3d258e5c34cdc21bde0a1268436e159434fc21de3696d928"},
    };
    for (const Row& row : rows)
    {
        CAPTURE(row.Plain);
        std::vector<uint8_t> plain;
        REQUIRE(Decrypt(key, iv, Hex(row.Cipher), 5, plain));
        CHECK(std::string(plain.begin(), plain.end()) == row.Plain);
    }
}

TEST_CASE("a wrong key, a truncated body or an empty body is refused at Finish")
{
    const auto key = Block("2b7e151628aed2a6abf7158809cf4f3c"), iv = Block("000102030405060708090a0b0c0d0e0f");
    std::vector<uint8_t> cipher = Hex("64768548007aef9f3d258e5c34cdc21bde0a1268436e159434fc21de3696d928");
    std::vector<uint8_t> plain;
    CHECK_FALSE(Decrypt(Block("00000000000000000000000000000001"), iv, cipher, 32, plain));
    cipher.pop_back();
    CHECK_FALSE(Decrypt(key, iv, cipher, 32, plain));
    CHECK_FALSE(Decrypt(key, iv, {}, 1, plain));
    // NIST SP 800-38A F.2.2 (CBC-AES128): three blocks come out at once, the fourth is held back and is not
    // valid padding.
    const std::vector<uint8_t> nist = Hex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e22229516"
                                          "3ff1caa1681fac09120eca42887e2d5c");
    std::unique_ptr<HlsDecryptor> d = MakeAes128CbcDecryptor(key, iv);
    std::vector<uint8_t> out;
    d->Update(nist.data(), nist.size(), out);
    CHECK(out == Hex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52ef"));
    CHECK_FALSE(d->Finish(out));
}

TEST_SUITE_END();
