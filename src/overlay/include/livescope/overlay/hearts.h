// Floating hearts: a deterministic particle simulation (clock + seed in, positions out). Pure.
//
// Own hearts spawn at once; other viewers' hearts arrive from the relay as per-colour counts per batch
// window and are thinned to a steady-state budget, then spread over the window so they flow. A cap
// on live particles drops the oldest other-viewer heart first. Reduced motion switches to fewer,
// shorter, straight-rising hearts with no sway or bounce.
#pragma once

#include <livescope/overlay/overlay_types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace livescope {

// Other viewers' hearts of one colour within one relay batch window.
struct HeartColorCount
{
    OverlayRgb Rgb = 0xFF3B5C;
    std::uint32_t Count = 0;
};

struct HeartParams
{
    std::size_t MaxParticles = 400; // live cap; the excess is dropped oldest-first
    float Lifetime = 3.2f;          // seconds, from spawn to gone
    float LifetimeJitter = 0.15f;   // +- fraction of Lifetime
    float ScaleInTime = 0.3f;       // seconds to grow from 0 to full size (with a small overshoot)
    float FadeInTime = 0.08f;       // seconds
    float FadeStart = 0.6f;         // fraction of the lifetime after which alpha falls to 0
    float SwayAmplitude = 0.06f;    // rise heights, peak sideways sway
    float SwayFrequency = 0.8f;     // Hz
    float Drift = 0.25f;            // rise heights, largest net sideways drift (mostly leftwards)
    bool Simple = false;            // straight rise, constant size: the reduced-motion look
};

inline HeartParams HeartParamsReducedMotion()
{
    HeartParams p;
    p.MaxParticles = 8;
    p.Lifetime = 1.6f;
    p.LifetimeJitter = 0.0f;
    p.SwayAmplitude = 0.0f;
    p.Drift = 0.0f;
    p.Simple = true;
    return p;
}

struct HeartParticle
{
    double SpawnTime = 0.0; // seconds, overlay clock
    float Lifetime = 1.0f;  // seconds
    OverlayRgb Rgb = 0;
    float SwayPhase = 0.0f;     // radians
    float SwayAmplitude = 0.0f; // rise heights
    float SwayFrequency = 0.0f; // Hz
    float Drift = 0.0f;         // rise heights, signed (negative = left)
    float Size = 1.0f;          // multiplier of the nominal heart size
    bool Own = false;           // sent by this viewer
    bool Simple = false;        // spawned under reduced motion
};

// One heart at one instant, relative to the emitter (the lower-right heart button).
struct HeartSample
{
    float X = 0.0f;     // rise heights, + right
    float Y = 0.0f;     // rise heights, - up (0 at the emitter, -1 at the top of the column)
    float Scale = 0.0f; // multiplier of the nominal heart size
    float Alpha = 0.0f; // [0, 1]
    OverlayRgb Rgb = 0;
    bool Own = false;
};

struct HeartsSim
{
    HeartParams Normal;                               // used while ReducedMotion is false
    HeartParams Reduced = HeartParamsReducedMotion(); // used while ReducedMotion is true
    bool ReducedMotion = false;
    OverlayRng Rng;
    std::vector<HeartParticle> Live;    // spawned, in insertion order (oldest first)
    std::vector<HeartParticle> Pending; // scheduled batch hearts, sorted by SpawnTime
    std::uint64_t Dropped = 0;          // hearts removed early by the cap
    std::uint64_t Thinned = 0;          // batch hearts never scheduled (over budget)
};

inline const HeartParams& HeartsActiveParams(const HeartsSim& sim)
{
    return sim.ReducedMotion ? sim.Reduced : sim.Normal;
}

void HeartsInit(HeartsSim& sim, std::uint64_t seed);

// Clears every heart (live and pending); keeps params, counters and the PRNG.
void HeartsClear(HeartsSim& sim);

// A heart sent by this viewer: live at `now` at once. The cap still applies.
void HeartsAddOwn(HeartsSim& sim, OverlayRgb rgb, double now);

// Budget of hearts one batch of `window` seconds may schedule: the steady rate that keeps the live
// count at the cap (MaxParticles * window / Lifetime), at least 1, minus what is already pending.
std::size_t HeartsBatchBudget(const HeartsSim& sim, double window);

// Other viewers' hearts from the relay, counted over `window` seconds. Thinned to the budget by
// systematic sampling (each colour keeps its share on average), shuffled, and spread over
// [now, now + window), one heart per equal slot. Returns the number of hearts scheduled.
std::size_t HeartsAddBatch(HeartsSim& sim, std::span<const HeartColorCount> counts, double window, double now);

// Advances to `now`: spawns due pending hearts, removes finished ones, enforces the cap.
void HeartsUpdate(HeartsSim& sim, double now);

// Position, scale and alpha of one heart at `now` (a pure function of the particle and the clock).
HeartSample HeartEvaluate(const HeartParticle& h, double now, const HeartParams& p);

// Samples every live heart at `now` into `out` (cleared first).
void HeartsSample(const HeartsSim& sim, double now, std::vector<HeartSample>& out);

// Outline of a unit heart (width ~1, tip at the origin, lobes up to y ~ -0.9), for a filled path.
// The tip comes first, so a triangle fan from point 0 covers the shape. `arc_segments` per lobe.
void HeartOutline(int arc_segments, std::vector<OverlayPoint>& out);

} // namespace livescope
