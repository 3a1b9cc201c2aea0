// ABR decisions, pure: throughput and health in, a variant out, with the oscillation guards (see abr.h).
#include <livescope/player/hls/abr.h>
#include <livescope/player/hls/playlist_logic.h>

#include <algorithm>
#include <cmath>

namespace livescope {

int HlsAbrStepDown(const std::vector<HlsVariant>& variants, int current)
{
    if (current < 0 || current >= static_cast<int>(variants.size())) return current;
    const int64_t cur = variants[static_cast<size_t>(current)].Bandwidth;
    int best = current;
    for (int i = 0; i < static_cast<int>(variants.size()); i++)
    {
        const int64_t bw = variants[static_cast<size_t>(i)].Bandwidth;
        if (bw < cur && (best == current || bw > variants[static_cast<size_t>(best)].Bandwidth)) best = i;
    }
    return best;
}

int HlsAbrStartVariant(const std::vector<HlsVariant>& variants, int configured, bool auto_abr)
{
    if (variants.empty()) return -1;
    if (configured >= 0 && configured < static_cast<int>(variants.size())) return configured;
    if (!auto_abr) return 0;
    int lowest = 0;
    for (int i = 1; i < static_cast<int>(variants.size()); i++)
        if (variants[static_cast<size_t>(i)].Bandwidth < variants[static_cast<size_t>(lowest)].Bandwidth) lowest = i;
    return lowest;
}

HlsAbrHealth HlsAbrHealthOf(int64_t frames, int64_t dropped, double decode_ms, double window)
{
    HlsAbrHealth h;
    h.Frames = frames > 0 ? frames : 0;
    h.DroppedFraction = frames > 0 ? std::clamp(double(dropped) / double(frames), 0.0, 1.0) : 0.0;
    h.DecodeLoad = window > 0 && decode_ms > 0 ? decode_ms / (window * 1000.0) : 0.0;
    h.Window = window > 0 ? window : 0.0;
    return h;
}

namespace {

// `forced`: a switch down because the link no longer carries the current variant at all (a throttle). Following the
// start-up step (a deliberate probe from the lowest variant), that is the link changing, not the controller flapping.
void RecordSwitch(const HlsAbrConfig& config, HlsAbrState& state, bool up, double now, bool forced = false)
{
    if (up)
    {
        state.LastUpWasStartup = state.LastSwitchAt < -1e17;
        state.LastUpAt = now;
    }
    else
    {
        const bool exempt = forced && state.LastUpWasStartup;
        if (now - state.LastUpAt <= config.OscillationWindow && !exempt)
        {
            state.Oscillations++;
            state.UpHold = std::min(config.UpHoldMax, (state.UpHold > 0 ? state.UpHold : config.UpHoldBase) * 2.0);
        }
        state.LastDownAt = now;
    }
    state.LastSwitchAt = now;
}

} // namespace

HlsAbrDecision HlsAbrDecide(const HlsAbrConfig& config, HlsAbrState& state, const std::vector<HlsVariant>& variants, int current,
                            double estimate, int samples, const HlsAbrHealth& health, double now, double last_sample)
{
    HlsAbrDecision stay{current, HlsAbrReason::Stay};
    if (!state.Started)
    {
        state.Started = true;
        state.StartedAt = now;
    }
    if (variants.size() < 2 || current < 0 || current >= static_cast<int>(variants.size())) return stay;
    const int64_t cur_bw = variants[static_cast<size_t>(current)].Bandwidth;
    if (state.HealthCapBandwidth > 0 && now >= state.HealthCapUntil) state.HealthCapBandwidth = 0;

    // The link measured below what plays: a throttle (the last sample reacts before the moving average).
    const double measured = last_sample > 0 && estimate > 0 ? std::min(estimate, last_sample) : (last_sample > 0 ? last_sample : estimate);
    const bool link_short = samples > 0 && measured > 0 && measured < double(cur_bw) * config.ForcedDownBelow;

    // Health first: a variant the machine cannot play goes, whatever the network affords.
    const bool heavy = health.Frames >= config.MinHealthFrames &&
                       (health.DroppedFraction > config.DroppedLimit || health.DecodeLoad > config.DecodeLoadLimit);
    if (heavy && now - state.LastSwitchAt >= std::max(config.MinDownInterval, config.HealthSettle))
    {
        const int lower = HlsAbrStepDown(variants, current);
        if (lower != current)
        {
            // Frames dropped while the link does not carry the variant are late frames, the link's doing: a throttle-forced
            // step down, with no cap on the variant (the machine plays it well on a link that carries it).
            if (!link_short)
            {
                state.HealthCapBandwidth = cur_bw;
                state.HealthCapUntil = now + config.HealthCapHold;
            }
            RecordSwitch(config, state, false, now, link_short);
            return {lower, link_short ? HlsAbrReason::Throughput : HlsAbrReason::Health};
        }
    }

    if (samples < config.MinSamples || !(estimate > 0)) return stay;
    // The variants in reach: those below the health cap (the current one always counts).
    std::vector<HlsVariant> reach;
    std::vector<int> index;
    for (int i = 0; i < static_cast<int>(variants.size()); i++)
    {
        const int64_t bw = variants[static_cast<size_t>(i)].Bandwidth;
        if (i == current || state.HealthCapBandwidth == 0 || bw < state.HealthCapBandwidth)
        {
            reach.push_back(variants[static_cast<size_t>(i)]);
            index.push_back(i);
        }
    }
    const int cur_in_reach = static_cast<int>(std::find(index.begin(), index.end(), current) - index.begin());
    const int pick = ChooseVariant(reach, cur_in_reach, estimate, config.Safety, config.UpMargin);
    if (pick < 0) return stay;
    const int target = index[static_cast<size_t>(pick)];
    if (target == current) return stay;
    const bool up = variants[static_cast<size_t>(target)].Bandwidth > cur_bw;
    if (up)
    {
        const bool first = state.LastSwitchAt < -1e17;
        if (first ? now - state.StartedAt < config.FirstUpAfter : now - state.LastSwitchAt < config.MinSwitchInterval) return stay;
        const double hold = state.UpHold > 0 ? state.UpHold : config.UpHoldBase;
        if (now - state.LastDownAt < hold) return stay;
    }
    else if (now - state.LastSwitchAt < config.MinDownInterval)
        return stay;
    RecordSwitch(config, state, up, now, !up && link_short);
    return {target, HlsAbrReason::Throughput};
}

HlsThroughputSample HlsAbrSampleOf(const HlsTransfer& t, int min_bytes)
{
    HlsThroughputSample s;
    if (t.FirstByteAt < 0) return s;
    double t0 = t.FirstByteAt;
    double bytes = t.Bytes;
    if (t.Hinted && t.ListedAt > t.FirstByteAt)
    {
        // Paced by the encoder until the listing: only what came after it measures the link.
        t0 = t.ListedAt;
        bytes -= t.BytesAtListed;
    }
    if (t.Hinted && t.ListedAt < 0) return s; // never listed: all of it paced by the encoder
    const double seconds = t.CompleteAt - t0;
    if (!(seconds > 0.0005) || !(bytes >= static_cast<double>(min_bytes))) return s;
    s.Ok = true;
    s.Bytes = bytes;
    s.Seconds = seconds;
    return s;
}

bool HlsAbrWantsProbe(const HlsAbrConfig& config, const HlsAbrState& state, const std::vector<HlsVariant>& variants, int current,
                      double last_sample_at, double now)
{
    if (current < 0 || current >= static_cast<int>(variants.size()) || variants.size() < 2) return false;
    const int64_t cur = variants[static_cast<size_t>(current)].Bandwidth;
    bool top = true;
    for (const HlsVariant& v : variants)
        top = top && v.Bandwidth <= cur;
    if (top) return false;
    return now - last_sample_at >= config.ProbeAfter && now - state.LastProbeAt >= config.ProbeAfter;
}

bool HlsSwitchIsSeamless(const HlsSwitchPoint& last, const HlsSwitchPoint& next, double tolerance)
{
    if (next.Ts || last.Ts || !next.Independent) return false;
    if (last.DiscontinuitySeq != next.DiscontinuitySeq) return false;
    if (!(last.Pdt > 0.0) || !(next.Pdt > 0.0)) return false;
    return std::abs(next.Pdt - (last.Pdt + last.Duration)) <= tolerance;
}

} // namespace livescope
