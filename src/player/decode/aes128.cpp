// Aes128CbcDecryptor: HLS AES-128 (CBC, PKCS#7) decryption while the body streams in, with libavutil's av_aes.
#include <livescope/player/decode/aes128.h>

#include <cstring>

extern "C" {
#include <libavutil/aes.h>
#include <libavutil/mem.h>
}

namespace livescope {

Aes128CbcDecryptor::Aes128CbcDecryptor(const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv)
{
    std::memcpy(Iv, iv.data(), sizeof Iv);
    Aes = av_aes_alloc();
    if (!Aes || av_aes_init(Aes, key.data(), 128, 1) < 0) Failed = true;
}

Aes128CbcDecryptor::~Aes128CbcDecryptor() { av_free(Aes); }

void Aes128CbcDecryptor::Update(const uint8_t* bytes, size_t size, std::vector<uint8_t>& out)
{
    if (size == 0 || Failed) return;
    const size_t total = HeldSize + size;
    if (total <= 16)
    {
        std::memcpy(Held + HeldSize, bytes, size);
        HeldSize = total;
        return;
    }
    const size_t keep = total % 16 ? total % 16 : 16; // a partial block, or the complete block that may be the last
    size_t todo = total - keep;                       // a positive multiple of 16
    const size_t base = out.size();
    out.resize(base + todo);
    uint8_t* dst = out.data() + base;
    if (HeldSize > 0)
    {
        uint8_t block[16];
        const size_t fill = 16 - HeldSize;
        std::memcpy(block, Held, HeldSize);
        std::memcpy(block + HeldSize, bytes, fill);
        av_aes_crypt(Aes, dst, block, 1, Iv, 1);
        dst += 16;
        bytes += fill;
        size -= fill;
        todo -= 16;
        HeldSize = 0;
    }
    if (todo > 0) av_aes_crypt(Aes, dst, bytes, static_cast<int>(todo / 16), Iv, 1);
    bytes += todo;
    size -= todo;
    std::memcpy(Held, bytes, size);
    HeldSize = size;
}

bool Aes128CbcDecryptor::Finish(std::vector<uint8_t>& out)
{
    if (Failed || HeldSize != 16)
    {
        HeldSize = 0;
        return false;
    }
    uint8_t block[16];
    av_aes_crypt(Aes, block, Held, 1, Iv, 1);
    HeldSize = 0;
    const uint8_t pad = block[15];
    if (pad < 1 || pad > 16) return false;
    for (size_t i = 16 - pad; i < 16; i++)
    {
        if (block[i] != pad) return false;
    }
    out.insert(out.end(), block, block + (16 - pad));
    return true;
}

std::unique_ptr<HlsDecryptor> MakeAes128CbcDecryptor(const std::array<uint8_t, 16>& key, const std::array<uint8_t, 16>& iv)
{
    return std::make_unique<Aes128CbcDecryptor>(key, iv);
}

} // namespace livescope
