// Tests for src/overlay/hearts.h: deterministic physics at a fixed clock and seed.
#include <doctest/doctest.h>

#include <livescope/overlay/hearts.h>

#include <cmath>
#include <vector>

using namespace livescope;

namespace {
std::vector<HeartSample> SampleAt(const HeartsSim& sim, double now)
{
    std::vector<HeartSample> out;
    HeartsSample(sim, now, out);
    return out;
}
} // namespace

TEST_SUITE("overlay/hearts")
{
    TEST_CASE("the same seed and clock give the same hearts, another seed does not")
    {
        const HeartColorCount counts[] = {{0xFF0000, 30}, {0x00FF00, 10}};
        HeartsSim a, b, c;
        HeartsInit(a, 42);
        HeartsInit(b, 42);
        HeartsInit(c, 43);
        for (HeartsSim* s : {&a, &b, &c})
        {
            HeartsAddBatch(*s, counts, 0.2, 10.0);
            HeartsUpdate(*s, 11.0);
        }
        const auto sa = SampleAt(a, 11.0), sb = SampleAt(b, 11.0), sc = SampleAt(c, 11.0);
        REQUIRE(sa.size() == sb.size());
        REQUIRE(!sa.empty());
        bool differs = sa.size() != sc.size();
        for (std::size_t i = 0; i < sa.size(); ++i)
        {
            CHECK(sa[i].X == sb[i].X);
            CHECK(sa[i].Y == sb[i].Y);
            CHECK(sa[i].Rgb == sb[i].Rgb);
            if (!differs && (sa[i].X != sc[i].X || sa[i].Y != sc[i].Y))
                differs = true;
        }
        CHECK(differs);
    }

    TEST_CASE("an own heart is live at once and starts at the emitter")
    {
        HeartsSim sim;
        HeartsInit(sim, 7);
        HeartsAddOwn(sim, 0x3366FF, 5.0);
        REQUIRE(sim.Live.size() == 1);
        CHECK(sim.Live[0].Own);
        const HeartSample s0 = HeartEvaluate(sim.Live[0], 5.0, sim.Normal);
        CHECK(s0.X == doctest::Approx(0.0f));
        CHECK(s0.Y == doctest::Approx(0.0f));
        CHECK(s0.Scale == doctest::Approx(0.0f));
        CHECK(s0.Rgb == 0x3366FFu);
        const HeartSample s1 = HeartEvaluate(sim.Live[0], 5.1, sim.Normal);
        CHECK(s1.Alpha == doctest::Approx(1.0f));
        CHECK(s1.Y < 0.0f);
    }

    TEST_CASE("a heart rises steadily, sways within bounds, scales in and fades out")
    {
        HeartsSim sim;
        HeartsInit(sim, 99);
        HeartsAddOwn(sim, 0xFF0000, 0.0);
        const HeartParticle h = sim.Live[0];
        float prev_y = 1.0f;
        for (int i = 1; i <= 30; ++i)
        {
            const double t = h.Lifetime * i / 30.0;
            const HeartSample s = HeartEvaluate(h, t, sim.Normal);
            CHECK(s.Y < prev_y);
            CHECK(std::fabs(s.X) <= sim.Normal.Drift + sim.Normal.SwayAmplitude + 1e-4f);
            prev_y = s.Y;
        }
        CHECK(prev_y == doctest::Approx(-1.0f));
        CHECK(HeartEvaluate(h, h.Lifetime, sim.Normal).Alpha == doctest::Approx(0.0f));
        CHECK(HeartEvaluate(h, sim.Normal.ScaleInTime, sim.Normal).Scale == doctest::Approx(h.Size));
        CHECK(HeartEvaluate(h, sim.Normal.ScaleInTime * 0.5, sim.Normal).Scale < h.Size * 1.2f);
        HeartsUpdate(sim, h.Lifetime + 0.01);
        CHECK(sim.Live.empty());
    }

    TEST_CASE("a batch is spread over its window, one heart per slot")
    {
        HeartsSim sim;
        HeartsInit(sim, 1);
        const HeartColorCount counts[] = {{0xFF00FF, 20}};
        CHECK(HeartsAddBatch(sim, counts, 0.2, 100.0) == 20);
        CHECK(sim.Live.empty());
        REQUIRE(sim.Pending.size() == 20);
        for (std::size_t j = 0; j < sim.Pending.size(); ++j)
        {
            CHECK(sim.Pending[j].SpawnTime >= 100.0 + 0.01 * static_cast<double>(j) - 1e-9);
            CHECK(sim.Pending[j].SpawnTime < 100.0 + 0.01 * static_cast<double>(j + 1) + 1e-9);
        }
        HeartsUpdate(sim, 100.1);
        CHECK(sim.Live.size() == 10);
        HeartsUpdate(sim, 100.2);
        CHECK(sim.Live.size() == 20);
        CHECK(sim.Pending.empty());
    }

    TEST_CASE("a large batch is thinned in proportion to each colour")
    {
        HeartsSim sim;
        HeartsInit(sim, 5);
        // Budget: 400 live * 0.2 s / 3.2 s lifetime = 25 hearts per batch.
        CHECK(HeartsBatchBudget(sim, 0.2) == 25);
        const HeartColorCount counts[] = {{0xFF0000, 300}, {0x0000FF, 100}};
        CHECK(HeartsAddBatch(sim, counts, 0.2, 0.0) == 25);
        CHECK(sim.Thinned == 375);
        std::size_t red = 0, blue = 0;
        for (const HeartParticle& h : sim.Pending)
            (h.Rgb == 0xFF0000 ? red : blue) += 1;
        CHECK(red + blue == 25);
        CHECK(red >= 18); // 18.75 on average
        CHECK(red <= 19);
    }

    TEST_CASE("under heavy thinning every colour still appears over many batches")
    {
        HeartsSim sim;
        HeartsInit(sim, 8);
        sim.ReducedMotion = true; // one heart per batch survives
        const HeartColorCount counts[] = {{0xFF0000, 30}, {0x00FF00, 12}, {0x0000FF, 6}};
        std::size_t seen[3] = {0, 0, 0};
        double now = 0.0;
        for (int b = 0; b < 480; ++b, now += 0.2)
        {
            CHECK(HeartsAddBatch(sim, counts, 0.2, now) == 1);
            for (const HeartParticle& h : sim.Pending)
                seen[h.Rgb == 0xFF0000 ? 0 : h.Rgb == 0x00FF00 ? 1
                                                               : 2] += 1;
            HeartsUpdate(sim, now + 0.2);
        }
        CHECK(seen[0] > seen[1]);
        CHECK(seen[1] > seen[2]);
        CHECK(seen[2] > 20); // 60 expected
    }

    TEST_CASE("the live cap is honoured under a flood, dropping other hearts before own ones")
    {
        HeartsSim sim;
        HeartsInit(sim, 3);
        sim.Normal.MaxParticles = 50;
        const HeartColorCount counts[] = {{0xFF0000, 100000}};
        double now = 0.0;
        for (int frame = 0; frame < 600; ++frame, now += 1.0 / 60.0)
        {
            if (frame % 12 == 0)
                HeartsAddBatch(sim, counts, 0.2, now);
            if (frame % 3 == 0)
                HeartsAddOwn(sim, 0x00FF00, now);
            HeartsUpdate(sim, now);
            CHECK(sim.Live.size() <= 50);
        }
        CHECK(sim.Dropped > 0);
        std::size_t own = 0;
        for (const HeartParticle& h : sim.Live)
            own += h.Own ? 1 : 0;
        CHECK(own > 40); // ~64 own hearts would be alive uncapped; other hearts went first
    }

    TEST_CASE("reduced motion gives fewer, straight, constant-size hearts")
    {
        const HeartColorCount counts[] = {{0xFF0000, 200}};
        HeartsSim normal, reduced;
        HeartsInit(normal, 11);
        HeartsInit(reduced, 11);
        reduced.ReducedMotion = true;
        std::size_t max_normal = 0, max_reduced = 0;
        double now = 0.0;
        for (int frame = 0; frame < 300; ++frame, now += 1.0 / 60.0)
        {
            for (HeartsSim* s : {&normal, &reduced})
            {
                if (frame % 12 == 0)
                    HeartsAddBatch(*s, counts, 0.2, now);
                HeartsUpdate(*s, now);
            }
            max_normal = std::max(max_normal, normal.Live.size());
            max_reduced = std::max(max_reduced, reduced.Live.size());
        }
        CHECK(max_reduced <= reduced.Reduced.MaxParticles);
        CHECK(max_reduced * 10 < max_normal);
        for (const HeartSample& s : SampleAt(reduced, now))
        {
            CHECK(s.X == 0.0f);
            CHECK(s.Scale == 1.0f);
        }
    }

    TEST_CASE("the heart outline starts at the tip and is symmetric")
    {
        std::vector<OverlayPoint> pts;
        HeartOutline(5, pts);
        REQUIRE(pts.size() == 12);
        CHECK(pts[0].X == 0.0f);
        for (const OverlayPoint& p : pts)
        {
            CHECK(p.Y <= pts[0].Y + 1e-5f); // the tip is the lowest point
            CHECK(std::fabs(p.X) <= 0.51f);
        }
        for (std::size_t i = 1; i <= 5; ++i)
        {
            CHECK(pts[i].X == doctest::Approx(-pts[pts.size() - i].X));
            CHECK(pts[i].Y == doctest::Approx(pts[pts.size() - i].Y));
        }
    }
}
