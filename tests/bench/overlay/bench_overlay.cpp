// Overlay benchmark: CPU time per frame (OverlayNewFrame + OverlayDraw, and with ImGui's own
// NewFrame/Render) for a headless 1280x720 overlay with 1000 live hearts and 50 comments.
// Prints figures only; never pass/fail. Usage: bench_overlay [frames] [hearts]
#include <livescope/overlay/overlay.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace livescope;

namespace {

double Percentile(std::vector<double> v, double q)
{
    if (v.empty())
        return 0.0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

double Mean(const std::vector<double>& v)
{
    double s = 0.0;
    for (double x : v)
        s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

} // namespace

int main(int argc, char** argv)
{
    const int frames = argc > 1 ? std::max(1, std::atoi(argv[1])) : 600;
    const std::size_t hearts = argc > 2 ? static_cast<std::size_t>(std::max(1, std::atoi(argv[2]))) : 1000;
    constexpr float kW = 1280.0f, kH = 720.0f;
    constexpr double kDt = 1.0 / 60.0;

    ImGuiContext* ctx = ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    io.DisplaySize = ImVec2(kW, kH);
    io.DeltaTime = static_cast<float>(kDt);
    io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
    ImFont* font = OverlayLoadFonts(io, 1.0f);
    unsigned char* pixels = nullptr;
    int tex_w = 0, tex_h = 0;
    io.Fonts->GetTexDataAsAlpha8(&pixels, &tex_w, &tex_h);

    Overlay o;
    OverlayInit(o, OverlayConfig{2024, 16.0f});
    o.Hearts.Normal.MaxParticles = hearts;
    o.State.Title = "Sunday bake-off: cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
                    "e & pierogi z wi\xC5\x9Bniami";
    o.State.ViewersLive = 15321;
    o.State.ViewersTotal = 3400000;
    o.State.HasPinned = true;
    o.State.Pinned = PinnedQuestion{"host", 0xFFD54A, "Which filling should we try next: cherries, cheese or potatoes?"};
    const char* texts[] = {
        "hello from Krak\xC3\xB3w!",
        "\xC2\xBF"
        "Cu\xC3\xA1nto az\xC3\xBA"
        "car lleva?",
        "so good \xE2\x99\xA5",
        "Sch\xC3\xB6n, dass ihr wieder live seid. Gr\xC3\xBC\xC3\x9F\x65 aus M\xC3\xBCnchen und einen sch\xC3\xB6nen Sonntag!",
        "first time here",
        "Za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 g\xC4\x99\xC5\x9Bl\xC4\x85 ja\xC5\xBA\xC5\x84",
        "supercalifragilisticexpialidociouswithoutanyspacesatallinthisverylongword",
    };
    const OverlayRgb colours[] = {0xFF6B6B, 0x4ECDC4, 0xFFE66D, 0x9B5DE5, 0x00BBF9, 0xF15BB5};

    double now = 100.0;
    for (int i = 0; i < 50; ++i)
    {
        CommentEntry e;
        e.Kind = i % 7 == 3 ? CommentKind::Join : CommentKind::Message;
        e.Author = "viewer" + std::to_string(i);
        e.AuthorRgb = colours[i % 6];
        e.Text = texts[i % 7];
        e.Time = now;
        OverlayAddComment(o, std::move(e));
    }

    std::vector<double> overlay_ms, total_ms;
    std::size_t live_sum = 0, vtx_sum = 0;
    const int warmup = 600; // also lets V8 tier the wasm up before measuring
    for (int f = -warmup; f < frames; ++f, now += kDt)
    {
        // Relay batches every 200 ms plus own taps, topped up so `hearts` are live.
        if (f % 12 == 0)
        {
            const HeartColorCount counts[] = {{0xFF3B5C, 40}, {0x4ECDC4, 25}, {0xFFE66D, 10}};
            OverlayAddHeartBatch(o, counts, 200.0, now);
        }
        while (o.Hearts.Live.size() < hearts)
            HeartsAddOwn(o.Hearts, colours[o.Hearts.Live.size() % 6], now - 0.001 * static_cast<double>(o.Hearts.Live.size() % 2000));
        // Keep the comments inside their 8 s window, as a busy room would.
        for (CommentEntry& e : o.State.Comments)
            e.Time = now - 1.0;

        const auto t0 = std::chrono::steady_clock::now();
        ImGui::NewFrame();
        const auto t1 = std::chrono::steady_clock::now();
        OverlayNewFrame(o, now, kW, kH);
        OverlayDraw(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), ImVec2(kW, kH), font);
        const auto t2 = std::chrono::steady_clock::now();
        ImGui::Render();
        const auto t3 = std::chrono::steady_clock::now();
        if (f < 0)
            continue;
        overlay_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
        total_ms.push_back(std::chrono::duration<double, std::milli>(t3 - t0).count());
        live_sum += o.Hearts.Live.size();
        vtx_sum += static_cast<std::size_t>(ImGui::GetDrawData()->TotalVtxCount);
        OverlayTakeActions(o);
    }
    const double n = static_cast<double>(overlay_ms.size());
    std::printf("frames %d, live hearts %.0f (mean), comments %zu (%zu lines laid out), vertices %.0f (mean), font %zu bytes\n",
                frames, static_cast<double>(live_sum) / n, o.State.Comments.size(), o.Comments.VisibleLines,
                static_cast<double>(vtx_sum) / n, OverlayFontDataSize());
    std::printf("overlay     ms/frame mean %.3f  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f\n", Mean(overlay_ms), Percentile(overlay_ms, 0.5),
                Percentile(overlay_ms, 0.95), Percentile(overlay_ms, 0.99), Percentile(overlay_ms, 1.0));
    std::printf("with imgui  ms/frame mean %.3f  p50 %.3f  p95 %.3f  p99 %.3f  max %.3f\n", Mean(total_ms), Percentile(total_ms, 0.5),
                Percentile(total_ms, 0.95), Percentile(total_ms, 0.99), Percentile(total_ms, 1.0));
    ImGui::DestroyContext(ctx);
    return 0;
}
