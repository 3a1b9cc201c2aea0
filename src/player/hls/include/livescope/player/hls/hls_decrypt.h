// HlsDecryptor: the small interface through which HlsSession decrypts AES-128 media (METHOD=AES-128:
// AES-128-CBC with PKCS#7 padding). The session stays pure: the caller injects an implementation
// (livescope::player_decode's Aes128CbcDecryptor, over FFmpeg's av_aes) through HlsSessionConfig.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace livescope {

// One decryptor per resource (segment or map), fed its ciphertext in order as it streams in.
class HlsDecryptor
{
public:
    virtual ~HlsDecryptor() = default;
    // Appends the plaintext of every block known not to be the last one to `out`. The last complete
    // block is held back (its padding is only known at the end); so is a partial block.
    virtual void Update(const uint8_t* bytes, size_t size, std::vector<uint8_t>& out) = 0;
    // The body ended: appends the held-back block without its PKCS#7 padding. False when the length was
    // not a positive multiple of 16 bytes or the padding is invalid (a wrong key, most often).
    virtual bool Finish(std::vector<uint8_t>& out) = 0;
};

using HlsDecryptorFactory = std::function<std::unique_ptr<HlsDecryptor>(const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv)>;

} // namespace livescope
