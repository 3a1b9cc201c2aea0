// Small value types shared by the overlay's pure core: points, rectangles, colours and the PRNG.
#pragma once

#include <cstdint>

namespace livescope {

struct OverlayPoint
{
    float X = 0.0f; // pixels
    float Y = 0.0f; // pixels
};

// Axis-aligned rectangle; X/Y is the top-left corner.
struct OverlayRect
{
    float X = 0.0f; // pixels
    float Y = 0.0f; // pixels
    float W = 0.0f; // pixels
    float H = 0.0f; // pixels
    bool Contains(float px, float py) const { return px >= X && py >= Y && px < X + W && py < Y + H; }
    float Right() const { return X + W; }
    float Bottom() const { return Y + H; }
};

// Colours are plain 0xRRGGBB; alpha is carried separately as a float in [0, 1].
using OverlayRgb = std::uint32_t;

// Deterministic PRNG (SplitMix64). Each overlay owns one; there is no shared or global state.
struct OverlayRng
{
    std::uint64_t State = 0x853C49E6748FEA9BULL;

    void Seed(std::uint64_t seed) { State = seed; }
    std::uint64_t NextU64()
    {
        State += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = State;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, 1).
    float NextFloat() { return static_cast<float>(NextU64() >> 40) * (1.0f / 16777216.0f); }
    // Uniform in [lo, hi).
    float Range(float lo, float hi) { return lo + (hi - lo) * NextFloat(); }
};

} // namespace livescope
