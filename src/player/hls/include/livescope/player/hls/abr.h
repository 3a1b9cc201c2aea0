// ABR decisions, pure: which variant to play next from the throughput estimate and the playback's health, with the
// guards that keep it from oscillating. HlsSession calls HlsAbrDecide at each media completion; no clocks, no I/O.
#pragma once

#include "m3u8.h"

#include <cstdint>
#include <vector>

namespace livescope {

struct HlsAbrConfig
{
    double Safety = 0.8;              // a variant is affordable when BANDWIDTH <= estimate x Safety
    double UpMargin = 1.2;            // a higher variant needs BANDWIDTH <= estimate x Safety / UpMargin
    double MinSwitchInterval = 4.0;   // seconds between two switches up
    double MinDownInterval = 1.0;     // seconds between a switch and a switch down (a throttle is met at once)
    double FirstUpAfter = 0.5;        // seconds after start before the first step up (fast start from a low variant)
    int MinSamples = 2;               // throughput samples before any throughput-driven switch
    double UpHoldBase = 8.0;          // seconds after a switch down before a switch up may follow
    double UpHoldMax = 64.0;          // seconds: the longest hold, after repeated oscillation
    double OscillationWindow = 20.0;  // seconds: a switch down this soon after a switch up doubles the hold
    double DroppedLimit = 0.15;       // fraction of frames dropped over the health window that means "too heavy"
    double DecodeLoadLimit = 0.9;     // decode time per frame / frame interval that means "too heavy"
    int MinHealthFrames = 30;         // frames in the health window before health is judged
    double HealthCapHold = 30.0;      // seconds a variant found too heavy stays out of reach
    double HealthSettle = 6.0;        // seconds after a switch decision before health is judged (a switch drops a few frames)
};

// How playback copes, over the last window (the page's dropped frames, the worker's decode time).
struct HlsAbrHealth
{
    int64_t Frames = 0;        // frames due in the window
    double DroppedFraction = 0; // of those, dropped (0..1)
    double DecodeLoad = 0;     // decode time per frame / frame interval (1.0 = decode takes all the time there is)
    double Window = 0;         // seconds the figures cover (ending at the report)
};

// What the controller remembers between decisions. Reset with a fresh value at a new session.
struct HlsAbrState
{
    double StartedAt = 0.0;        // seconds, when playback began (the first decision's clock)
    bool Started = false;
    double LastSwitchAt = -1e18;   // seconds
    double LastUpAt = -1e18;       // seconds
    double LastDownAt = -1e18;     // seconds
    double UpHold = 0.0;           // seconds; 0 = UpHoldBase
    int64_t HealthCapBandwidth = 0; // variants at or above this BANDWIDTH are out of reach until HealthCapUntil; 0 = none
    double HealthCapUntil = 0.0;   // seconds
    int64_t Oscillations = 0;      // down-switches that came within OscillationWindow of an up-switch
};

enum class HlsAbrReason
{
    Stay,       // keep the current variant
    Throughput, // the estimate affords a different variant
    Health,     // frames are dropped or decoding cannot keep up: step down
};

struct HlsAbrDecision
{
    int Variant = -1; // the variant to play (== current to stay)
    HlsAbrReason Reason = HlsAbrReason::Stay;
};

// Decides at `now` (seconds). `estimate`: bits/s (0 unknown), from `samples` throughput samples. Updates `state` when
// it decides to switch (the caller then switches at the next independent part).
HlsAbrDecision HlsAbrDecide(const HlsAbrConfig& config, HlsAbrState& state, const std::vector<HlsVariant>& variants, int current,
                            double estimate, int samples, const HlsAbrHealth& health, double now);

// Health over a window of `window` seconds: `frames` due on screen, `dropped` of them dropped, and `decode_ms`
// milliseconds spent decoding (DecodeLoad = the decoder's busy fraction of the window).
HlsAbrHealth HlsAbrHealthOf(int64_t frames, int64_t dropped, double decode_ms, double window);

// The variant to start on: `configured` when it names one; else with ABR the lowest BANDWIDTH (the first picture does
// not wait for an estimate, and the first throughput samples step up within a second); else the first listed.
int HlsAbrStartVariant(const std::vector<HlsVariant>& variants, int configured, bool auto_abr);

// The next lower variant by BANDWIDTH below `current` (current when there is none).
int HlsAbrStepDown(const std::vector<HlsVariant>& variants, int current);

} // namespace livescope
