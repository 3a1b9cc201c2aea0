// ABR decisions, pure: throughput and health in, a variant out, with the oscillation guards (see abr.h).
#include <livescope/player/hls/abr.h>
#include <livescope/player/hls/playlist_logic.h>

#include <algorithm>

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

void RecordSwitch(const HlsAbrConfig& config, HlsAbrState& state, bool up, double now)
{
    if (up)
        state.LastUpAt = now;
    else
    {
        if (now - state.LastUpAt <= config.OscillationWindow)
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
                            double estimate, int samples, const HlsAbrHealth& health, double now)
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

    // Health first: a variant the machine cannot play goes, whatever the network affords.
    const bool heavy = health.Frames >= config.MinHealthFrames &&
                       (health.DroppedFraction > config.DroppedLimit || health.DecodeLoad > config.DecodeLoadLimit);
    if (heavy && now - state.LastSwitchAt >= std::max(config.MinDownInterval, config.HealthSettle))
    {
        const int lower = HlsAbrStepDown(variants, current);
        if (lower != current)
        {
            state.HealthCapBandwidth = cur_bw;
            state.HealthCapUntil = now + config.HealthCapHold;
            RecordSwitch(config, state, false, now);
            return {lower, HlsAbrReason::Health};
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
    RecordSwitch(config, state, up, now);
    return {target, HlsAbrReason::Throughput};
}

} // namespace livescope
