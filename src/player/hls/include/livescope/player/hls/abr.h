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
    double ForcedDownBelow = 1.0;     // a switch down is throttle-forced when the estimate or the last sample < current
                                      // BANDWIDTH x this (the link no longer carries what plays): after the start-up step
                                      // it is no oscillation
    double ProbeAfter = 2.0;          // seconds without a link sample (below the top variant) before one part is fetched whole
    int MinSampleBytes = 2048;        // bytes: a smaller body (or tail after the listing) says nothing of the link
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
    bool LastUpWasStartup = false; // the last switch up was the start-up step (the first switch, up from the start variant)
    double LastProbeAt = -1e18;    // seconds: the last part fetched whole to measure the link (HlsAbrWantsProbe)
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

// Decides at `now` (seconds). `estimate`: bits/s (0 unknown), from `samples` throughput samples; `last_sample`: bits/s of
// the most recent sample (0 unknown), which tells a throttle (the link measured below the current variant) while the
// estimate, a moving average, still comes down. Updates `state` when it decides to switch (the caller then switches at
// the next independent part).
HlsAbrDecision HlsAbrDecide(const HlsAbrConfig& config, HlsAbrState& state, const std::vector<HlsVariant>& variants, int current,
                            double estimate, int samples, const HlsAbrHealth& health, double now, double last_sample = 0.0);

// Health over a window of `window` seconds: `frames` due on screen, `dropped` of them dropped, and `decode_ms`
// milliseconds spent decoding (DecodeLoad = the decoder's busy fraction of the window).
HlsAbrHealth HlsAbrHealthOf(int64_t frames, int64_t dropped, double decode_ms, double window);

// The variant to start on: `configured` when it names one; else with ABR the lowest BANDWIDTH (the first picture does
// not wait for an estimate, and the first throughput samples step up within a second); else the first listed.
int HlsAbrStartVariant(const std::vector<HlsVariant>& variants, int configured, bool auto_abr);

// The next lower variant by BANDWIDTH below `current` (current when there is none).
int HlsAbrStepDown(const std::vector<HlsVariant>& variants, int current);

// [SECTION] Throughput samples

// One finished media body, for a throughput sample. Times are seconds on the session's clock.
struct HlsTransfer
{
    bool Hinted = false;      // requested from a preload hint, before the part existed (streamed as it was produced)
    double FirstByteAt = -1;  // the first body byte (-1: none)
    double ListedAt = -1;     // hinted: when a playlist first listed the part (the part complete at the origin); -1: never
    double CompleteAt = 0;    // the last byte
    double Bytes = 0;         // body bytes received
    double BytesAtListed = 0; // hinted: of those, received by ListedAt
};

struct HlsThroughputSample
{
    bool Ok = false;
    double Bytes = 0;   // bytes that measure the link
    double Seconds = 0; // over this many seconds
};

// What a body says of the link. The bytes of a hinted part that came before the playlist listed it were paced by the
// encoder (they flowed as the part was made), so they measure the encoding rate, not the link: they never count. A body
// requested once its part was complete (a listed part, a segment), or a hinted one whose first byte came after the
// listing, counts whole from its first byte (time to first byte excluded); a hinted part listed mid-body counts the bytes
// after the listing over the time after it. Fewer than `min_bytes` (or under 0.5 ms) give no sample.
HlsThroughputSample HlsAbrSampleOf(const HlsTransfer& transfer, int min_bytes = 2048);

// True when the next hinted part should be fetched whole instead (not from its preload hint, once listed), so that
// its body measures the link: ABR on a variant below the top, and no link sample for ProbeAfter seconds (a link faster
// than the encoder gives none from hinted parts, which stream at the encoding rate), nor a probe in that time.
bool HlsAbrWantsProbe(const HlsAbrConfig& config, const HlsAbrState& state, const std::vector<HlsVariant>& variants, int current,
                      double last_sample_at, double now);

// [SECTION] Seamless variant switch

// One side of a variant switch: the last media item of the old variant, or the first of the new one.
struct HlsSwitchPoint
{
    int64_t DiscontinuitySeq = 0;
    double Pdt = 0.0;         // epoch seconds of the item's start; 0 = unknown
    double Duration = 0.0;    // seconds
    bool Independent = false; // starts with a key frame
    bool Ts = false;          // MPEG-TS (no init segment: parameters change in band)
};

// True when playback may go from `last` (old variant) to `next` (new variant) as one timeline: same discontinuity
// sequence, both PDTs known, `next` independent and fMP4, and `next` starting where `last` ends within `tolerance`
// seconds. The worker then keeps its serial (no decoder flush, the page keeps its queue) and only reconfigures the
// decoder at the key frame. Anything else is a discontinuity (a new serial), as a seek or EXT-X-DISCONTINUITY.
bool HlsSwitchIsSeamless(const HlsSwitchPoint& last, const HlsSwitchPoint& next, double tolerance = 0.1);

} // namespace livescope
