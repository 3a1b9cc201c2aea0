// Aes128CbcDecryptor: streaming AES-128-CBC with PKCS#7 padding (HLS METHOD=AES-128) over FFmpeg's av_aes.
//
// Implements the session's HlsDecryptor: Update() hands out every block but the last complete one,
// Finish() checks and strips the padding. Memory: at most one block (16 bytes) held between calls.
// Thread: one decryptor per resource, used from one thread.
#pragma once

#include <livescope/player/hls/hls_decrypt.h>

struct AVAES;

namespace livescope {

class Aes128CbcDecryptor final : public HlsDecryptor
{
public:
    Aes128CbcDecryptor(const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv);
    ~Aes128CbcDecryptor() override;
    Aes128CbcDecryptor(const Aes128CbcDecryptor&) = delete;
    Aes128CbcDecryptor& operator=(const Aes128CbcDecryptor&) = delete;

    void Update(const uint8_t* bytes, size_t size, std::vector<uint8_t>& out) override;
    bool Finish(std::vector<uint8_t>& out) override;

private:
    AVAES* Aes = nullptr;
    uint8_t Iv[16] = {};   // the CBC chaining value (the previous ciphertext block)
    uint8_t Held[16] = {}; // bytes not yet decrypted: the last complete block, or a partial one
    size_t HeldSize = 0;
    bool Failed = false; // the allocation failed: every Finish() is false
};

// An HlsSessionConfig::Decryptor factory.
std::unique_ptr<HlsDecryptor> MakeAes128CbcDecryptor(const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv);

} // namespace livescope
