// Floating hearts simulation (see hearts.h).
#include <livescope/overlay/hearts.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace livescope {

namespace {

constexpr float kTwoPi = 2.0f * std::numbers::pi_v<float>;

HeartParticle MakeParticle(HeartsSim& sim, OverlayRgb rgb, double spawn, bool own)
{
    const HeartParams& p = HeartsActiveParams(sim);
    HeartParticle h;
    h.SpawnTime = spawn;
    h.Rgb = rgb;
    h.Own = own;
    h.Simple = p.Simple;
    h.Lifetime = std::max(0.05f, p.Lifetime * (1.0f + sim.Rng.Range(-p.LifetimeJitter, p.LifetimeJitter)));
    h.SwayPhase = sim.Rng.Range(0.0f, kTwoPi);
    h.SwayAmplitude = p.SwayAmplitude * sim.Rng.Range(0.5f, 1.0f);
    h.SwayFrequency = p.SwayFrequency * sim.Rng.Range(0.7f, 1.3f);
    h.Drift = p.Drift * sim.Rng.Range(-1.0f, 0.1f); // mostly leftwards, away from the edge
    h.Size = p.Simple ? 1.0f : sim.Rng.Range(0.8f, 1.1f);
    if (own)
        h.Size = p.Simple ? 1.0f : 1.15f;
    return h;
}

void EnforceCap(HeartsSim& sim)
{
    const std::size_t cap = HeartsActiveParams(sim).MaxParticles;
    if (sim.Live.size() <= cap)
        return;
    std::size_t excess = sim.Live.size() - cap;
    sim.Dropped += excess;
    // Oldest other-viewer hearts go first; own hearts only when nothing else is left.
    std::vector<bool> drop(sim.Live.size(), false);
    for (std::size_t i = 0; i < sim.Live.size() && excess > 0; ++i)
        if (!sim.Live[i].Own)
        {
            drop[i] = true;
            --excess;
        }
    for (std::size_t i = 0; i < sim.Live.size() && excess > 0; ++i)
        if (!drop[i])
        {
            drop[i] = true;
            --excess;
        }
    std::size_t w = 0;
    for (std::size_t i = 0; i < sim.Live.size(); ++i)
        if (!drop[i])
            sim.Live[w++] = sim.Live[i];
    sim.Live.resize(w);
}

float EaseOutBack(float t)
{
    constexpr float c1 = 1.70158f;
    constexpr float c3 = c1 + 1.0f;
    const float u = t - 1.0f;
    return 1.0f + c3 * u * u * u + c1 * u * u;
}

} // namespace

void HeartsInit(HeartsSim& sim, std::uint64_t seed)
{
    sim.Rng.Seed(seed);
    HeartsClear(sim);
}

void HeartsClear(HeartsSim& sim)
{
    sim.Live.clear();
    sim.Pending.clear();
}

void HeartsAddOwn(HeartsSim& sim, OverlayRgb rgb, double now)
{
    sim.Live.push_back(MakeParticle(sim, rgb, now, true));
    EnforceCap(sim);
}

std::size_t HeartsBatchBudget(const HeartsSim& sim, double window)
{
    const HeartParams& p = HeartsActiveParams(sim);
    if (!(window > 0.0) || !std::isfinite(window))
        window = 0.2;
    const double steady = static_cast<double>(p.MaxParticles) * window / std::max(0.05, static_cast<double>(p.Lifetime));
    std::size_t budget = std::max<std::size_t>(1, static_cast<std::size_t>(steady + 1e-6)); // float lifetimes are inexact
    budget = std::min(budget, p.MaxParticles);
    return sim.Pending.size() >= budget ? 0 : budget - sim.Pending.size();
}

std::size_t HeartsAddBatch(HeartsSim& sim, std::span<const HeartColorCount> counts, double window, double now)
{
    if (!(window > 0.0) || !std::isfinite(window))
        window = 0.2;
    window = std::min(window, 5.0);
    std::uint64_t total = 0;
    for (const HeartColorCount& c : counts)
        total += c.Count;
    if (total == 0)
        return 0;
    const std::size_t budget = HeartsBatchBudget(sim, window);
    const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(total, budget));
    sim.Thinned += total - take;
    if (take == 0)
        return 0;

    // Systematic sampling over the batch's hearts (one pick every total/take hearts, from a random
    // offset): each colour keeps its share on average, and a rare colour still shows up over time
    // even when only one heart per batch survives.
    std::vector<OverlayRgb> colours;
    colours.reserve(take);
    const double step = static_cast<double>(total) / static_cast<double>(take);
    const double offset = static_cast<double>(sim.Rng.NextFloat()) * step;
    std::size_t colour = 0;
    std::uint64_t colour_end = counts.empty() ? 0 : counts[0].Count; // cumulative count, exclusive
    for (std::size_t k = 0; k < take; ++k)
    {
        const double pos = offset + step * static_cast<double>(k);
        while (colour + 1 < counts.size() && pos >= static_cast<double>(colour_end))
            colour_end += counts[++colour].Count;
        colours.push_back(counts[colour].Rgb);
    }
    for (std::size_t i = colours.size(); i > 1; --i) // Fisher-Yates, so colours interleave
        std::swap(colours[i - 1], colours[static_cast<std::size_t>(sim.Rng.NextU64() % i)]);

    // One heart per equal slot of the window, jittered inside its slot.
    const double slot = window / static_cast<double>(colours.size());
    for (std::size_t j = 0; j < colours.size(); ++j)
    {
        const double t = now + slot * (static_cast<double>(j) + static_cast<double>(sim.Rng.NextFloat()));
        sim.Pending.push_back(MakeParticle(sim, colours[j], t, false));
    }
    std::stable_sort(sim.Pending.begin(), sim.Pending.end(),
                     [](const HeartParticle& a, const HeartParticle& b) { return a.SpawnTime < b.SpawnTime; });
    return colours.size();
}

void HeartsUpdate(HeartsSim& sim, double now)
{
    std::size_t due = 0;
    while (due < sim.Pending.size() && sim.Pending[due].SpawnTime <= now)
        ++due;
    sim.Live.insert(sim.Live.end(), sim.Pending.begin(), sim.Pending.begin() + static_cast<std::ptrdiff_t>(due));
    sim.Pending.erase(sim.Pending.begin(), sim.Pending.begin() + static_cast<std::ptrdiff_t>(due));
    std::erase_if(sim.Live, [now](const HeartParticle& h) { return now - h.SpawnTime >= h.Lifetime; });
    EnforceCap(sim);
}

HeartSample HeartEvaluate(const HeartParticle& h, double now, const HeartParams& p)
{
    HeartSample s;
    s.Rgb = h.Rgb;
    s.Own = h.Own;
    const float age = static_cast<float>(std::max(0.0, now - h.SpawnTime)); // seconds
    const float life = std::clamp(age / h.Lifetime, 0.0f, 1.0f);
    const float fade_in = p.FadeInTime > 0.0f ? std::min(1.0f, age / p.FadeInTime) : 1.0f;
    const float fade_out = life <= p.FadeStart ? 1.0f : 1.0f - (life - p.FadeStart) / std::max(1e-3f, 1.0f - p.FadeStart);
    s.Alpha = std::clamp(fade_in * fade_out, 0.0f, 1.0f);
    if (h.Simple)
    {
        s.X = 0.0f;
        s.Y = -life;
        s.Scale = h.Size;
        return s;
    }
    const float ease = 1.0f - (1.0f - life) * (1.0f - life);
    s.Y = -(0.35f * ease + 0.65f * life);
    const float sway_in = std::min(1.0f, life * 5.0f);
    s.X = h.Drift * life + h.SwayAmplitude * sway_in * std::sin(kTwoPi * h.SwayFrequency * age + h.SwayPhase);
    const float grow = p.ScaleInTime > 0.0f ? std::min(1.0f, age / p.ScaleInTime) : 1.0f;
    s.Scale = h.Size * EaseOutBack(grow);
    return s;
}

void HeartsSample(const HeartsSim& sim, double now, std::vector<HeartSample>& out)
{
    out.clear();
    out.reserve(sim.Live.size());
    const HeartParams& p = HeartsActiveParams(sim);
    for (const HeartParticle& h : sim.Live)
        out.push_back(HeartEvaluate(h, now, p));
}

void HeartOutline(int arc_segments, std::vector<OverlayPoint>& out)
{
    // Two lobes (circles of radius r centred at (+-cx, cy), y up) joined to the tip by tangents.
    // Computed in y-up coordinates, then flipped and shifted so the shape is centred on the origin.
    out.clear();
    arc_segments = std::clamp(arc_segments, 2, 64);
    constexpr float r = 0.28f, cx = 0.22f, cy = 0.65f;
    constexpr float center_y = 0.93f * 0.5f; // half the height, tip (0) to lobe tops (cy + r)
    const float dist = std::sqrt(cx * cx + cy * cy);
    const float tangent = std::atan2(cy, cx) - std::acos(-r / dist); // radians
    const float notch = std::atan2(std::sqrt(r * r - cx * cx), -cx); // radians
    out.push_back({0.0f, center_y});
    for (int i = 0; i <= arc_segments; ++i)
    { // right lobe, tangent point -> notch
        const float a = tangent + (notch - tangent) * static_cast<float>(i) / static_cast<float>(arc_segments);
        out.push_back({cx + r * std::cos(a), -(cy + r * std::sin(a)) + center_y});
    }
    for (int i = arc_segments - 1; i >= 0; --i)
    { // left lobe, mirrored, notch -> tangent point
        const OverlayPoint m = out[static_cast<std::size_t>(i) + 1];
        out.push_back({-m.X, m.Y});
    }
}

} // namespace livescope
