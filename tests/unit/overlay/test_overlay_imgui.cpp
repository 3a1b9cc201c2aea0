// Headless Dear ImGui smoke test for src/overlay/overlay.h: a context, the font atlas, one frame with
// no renderer; the draw list must hold hearts lower right and comments lower left.
#include <doctest/doctest.h>

#include <livescope/overlay/overlay.h>

#include <string>
#include <vector>

using namespace livescope;

namespace {

constexpr float kW = 960.0f, kH = 540.0f;
constexpr OverlayRgb kBatchRgb = 0x10E0F0;  // other viewers' hearts
constexpr OverlayRgb kAuthorRgb = 0xF01080; // a comment author

struct Ctx
{
    ImGuiContext* Context = nullptr;
    ImFont* Font = nullptr;
    Ctx()
    {
        Context = ImGui::CreateContext();
        ImGui::SetCurrentContext(Context);
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr; // no files
        io.LogFilename = nullptr;
        io.DisplaySize = ImVec2(kW, kH);
        io.DeltaTime = 1.0f / 60.0f;
        io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
        Font = OverlayLoadFonts(io, 1.0f);
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsAlpha8(&pixels, &w, &h);
    }
    ~Ctx() { ImGui::DestroyContext(Context); }
    Ctx(const Ctx&) = delete;
    Ctx& operator=(const Ctx&) = delete;
};

struct Box
{
    int Count = 0;
    float MinX = 1e9f, MinY = 1e9f, MaxX = -1e9f, MaxY = -1e9f;
};

// Bounding box of the vertices whose colour (alpha ignored) is `rgb`.
Box VerticesOf(const ImDrawData* dd, OverlayRgb rgb)
{
    const ImU32 want = IM_COL32((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, 0);
    Box b;
    for (int i = 0; i < dd->CmdListsCount; ++i)
        for (const ImDrawVert& v : dd->CmdLists[i]->VtxBuffer)
            if ((v.col & ~IM_COL32_A_MASK) == want)
            {
                ++b.Count;
                b.MinX = std::min(b.MinX, v.pos.x);
                b.MinY = std::min(b.MinY, v.pos.y);
                b.MaxX = std::max(b.MaxX, v.pos.x);
                b.MaxY = std::max(b.MaxY, v.pos.y);
            }
    return b;
}

void Populate(Overlay& o)
{
    OverlayInit(o, OverlayConfig{77, 16.0f});
    o.State.Title = "Cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
                    "e live";
    o.State.ViewersLive = 1234;
    o.State.ViewersTotal = 56789;
    o.State.StartTime = 0.0;
    o.State.OwnRgb = 0xFF3B5C;
    OverlayAddComment(o, CommentEntry{CommentKind::Message, "\xC5\x81ukasz", kAuthorRgb, "Dzie\xC5\x84 dobry! \xE2\x99\xA5", 9.5});
    OverlayAddComment(o, CommentEntry{CommentKind::Join, "Ana", 0x00FF00, "", 9.6});
    o.State.HasPinned = true;
    o.State.Pinned = PinnedQuestion{"host", 0xFFFFFF, "What next?"};
    const HeartColorCount counts[] = {{kBatchRgb, 20}};
    OverlayAddHeartBatch(o, counts, 200.0, 9.0);
}

} // namespace

TEST_SUITE("overlay/imgui")
{
    TEST_CASE("the embedded font is a small subset with Latin Extended-A and a heart")
    {
        Ctx ctx;
        REQUIRE(ctx.Font != nullptr);
        CHECK(OverlayFontDataSize() > 10000);
        CHECK(OverlayFontDataSize() < 120000);
        CHECK(ctx.Font->FindGlyphNoFallback(0x0142) != nullptr); // ł
        CHECK(ctx.Font->FindGlyphNoFallback(0x00E9) != nullptr); // é
        CHECK(ctx.Font->FindGlyphNoFallback(0x2665) != nullptr); // ♥
        CHECK(ctx.Font->FindGlyphNoFallback(0x4E2D) == nullptr); // not CJK
    }

    TEST_CASE("a headless frame draws hearts lower right and comments lower left")
    {
        Ctx ctx;
        Overlay o;
        Populate(o);
        ImGui::NewFrame();
        OverlayNewFrame(o, 10.0, kW, kH);
        OverlayDraw(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), ImVec2(kW, kH), ctx.Font);
        ImGui::Render();
        const ImDrawData* dd = ImGui::GetDrawData();
        REQUIRE(dd != nullptr);
        CHECK(dd->TotalVtxCount > 0);

        const Box hearts = VerticesOf(dd, kBatchRgb);
        CHECK(hearts.Count >= 20 * 12);
        CHECK(hearts.MinX > kW * 0.6f);
        CHECK(hearts.MinY > kH * 0.2f);
        CHECK(hearts.MaxY <= kH);

        const Box comment = VerticesOf(dd, OverlayReadableOnBacking(kAuthorRgb));
        CHECK(comment.Count > 0);
        CHECK(comment.MaxX < kW * 0.5f);
        CHECK(comment.MinY > kH * 0.5f);

        const Box own_button = VerticesOf(dd, 0xFF3B5C);
        CHECK(own_button.MinX > kW * 0.8f);
        CHECK(own_button.MinY > kH * 0.8f);

        const OverlayRect box = OverlayComposeRect(o);
        CHECK(box.W > 0.0f);
        CHECK(box.Bottom() <= kH);
    }

    TEST_CASE("the questions view, the banner and a refusal notice are drawn where the layout put them")
    {
        Ctx ctx;
        constexpr OverlayRgb kAsker = 0x3060F0; // lifted for contrast, looked up as drawn
        for (const ImVec2 size : {ImVec2(1280.0f, 720.0f), ImVec2(300.0f, 250.0f)})
        {
            CAPTURE(size.x);
            Overlay o;
            Populate(o);
            o.State.QuestionsEnabled = true;
            o.State.QuestionsOpen = true;
            o.State.Questions.push_back(OverlayQuestion{"q1", "Asker", kAsker, "Will it ship this year?", 12, true});
            o.State.HasAnswering = true;
            o.State.Answering = OverlayQuestion{"q0", "Host", 0xFFFFFF, "How do votes work?", 30, false};
            OverlayNewFrame(o, 9.9, size.x, size.y);
            OverlayRefused(o, "Slow mode: wait 9 s", "again?"); // shown for kNoticeSeconds from the overlay's now
            ImGui::NewFrame();
            OverlayNewFrame(o, 10.0, size.x, size.y);
            OverlayDraw(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), size, ctx.Font);
            ImGui::Render();
            const ImDrawData* dd = ImGui::GetDrawData();
            REQUIRE(o.Layout.QuestionRows.size() == 1);
            const OverlayRect row = o.Layout.QuestionRows[0].Rect;
            const Box asker = VerticesOf(dd, OverlayReadableOnBacking(kAsker));
            CHECK(asker.Count > 0);
            CHECK(asker.MinX >= row.X);
            CHECK(asker.MaxY <= row.Bottom());
            const Box accent = VerticesOf(dd, 0xFFD54A); // the voted arrow, the banner's label and bar
            CHECK(accent.MinY <= o.Layout.Banner.Bottom());
            CHECK(accent.MaxY >= row.Y);
            const Box notice = VerticesOf(dd, 0x78141E);
            CHECK(notice.Count > 0);
            CHECK(notice.MaxY <= o.Layout.Compose.Y);
            CHECK(o.Compose.Text == "again?");
        }
    }

    TEST_CASE("two overlays in two ImGui contexts draw independently")
    {
        Ctx a;
        Ctx b;
        Overlay oa, ob;
        Populate(oa);
        Populate(ob);
        ob.State.HeartsEnabled = false;
        for (Ctx* c : {&a, &b})
        {
            ImGui::SetCurrentContext(c->Context);
            Overlay& o = c == &a ? oa : ob;
            ImGui::NewFrame();
            OverlayNewFrame(o, 10.0, kW, kH);
            OverlayDraw(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), ImVec2(kW, kH));
            ImGui::Render();
        }
        ImGui::SetCurrentContext(a.Context);
        CHECK(VerticesOf(ImGui::GetDrawData(), kBatchRgb).Count > 0);
        ImGui::SetCurrentContext(b.Context);
        CHECK(VerticesOf(ImGui::GetDrawData(), kBatchRgb).Count == 0);
        CHECK(VerticesOf(ImGui::GetDrawData(), OverlayReadableOnBacking(kAuthorRgb)).Count > 0);
    }
}

TEST_SUITE("overlay/imgui")
{
    TEST_CASE("tiny, empty and long-text overlays draw without trouble")
    {
        Ctx ctx;
        Overlay o;
        Populate(o);
        std::string long_text;
        for (int i = 0; i < 300; ++i)
            long_text += "\xC5\x82";
        o.State.Title = long_text;
        OverlayOnPointerDown(o, 0.0f, 0.0f); // before any frame: no size yet, ignored
        for (const ImVec2 size : {ImVec2(0, 0), ImVec2(40, 30), ImVec2(kW, kH)})
        {
            ImGui::NewFrame();
            OverlayNewFrame(o, 10.0, size.x, size.y);
            OverlaySetFocus(o, OverlayFocus::Compose);
            OverlayOnKeyText(o, long_text);
            OverlayDraw(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), size, ctx.Font);
            ImGui::Render();
            CHECK(o.Compose.CodePoints == kComposeMaxCodePoints);
        }
        CHECK(ImGui::GetDrawData()->TotalVtxCount > 0);
    }
}

TEST_SUITE("overlay/imgui")
{
    TEST_CASE("with the real font, titles and the compose placeholder fit at publisher sizes in English and French")
    {
        Ctx ctx;
        struct Lang
        {
            const char* Title;
            OverlayStrings Strings;
        };
        Lang en{"Soldering the new board", OverlayStrings{}};
        Lang fr{"La tarte aux pommes", OverlayStrings{}};
        fr.Strings = OverlayStringsFrom(kUiStringsFr); // web/ui_strings.json
        for (const ImVec2 size : {ImVec2(280, 498), ImVec2(300, 533), ImVec2(360, 640), ImVec2(420, 747), ImVec2(1280, 720)})
        {
            for (const Lang* lang : {&en, &fr})
            {
                CAPTURE(size.x);
                CAPTURE(lang->Title);
                Overlay o;
                OverlayInit(o, OverlayConfig{5, 16.0f});
                o.State.Title = lang->Title;
                o.State.Strings = lang->Strings;
                o.State.PictureAspect = 16.0f / 9.0f;
                o.State.ControlsWidth = 190.0f;
                o.State.ControlsCompactWidth = 72.0f;
                o.State.ControlsHeight = 28.0f;
                ImGui::NewFrame();
                OverlayNewFrame(o, 10.0, size.x, size.y);
                OverlayDraw(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), size, ctx.Font);
                ImGui::Render();
                const OverlayLayout& l = o.Layout;
                CHECK(l.Title.Fits);
                std::string joined;
                for (const std::string& line : l.Title.Lines)
                    joined += (joined.empty() ? "" : " ") + line;
                CHECK(joined == lang->Title);
                CHECK(l.Placeholder.Form != LabelForm::Ellipsized);
                CHECK(o.Measure(l.Placeholder.Text) <= l.ComposeText.W);
                CHECK_FALSE(OverlayRectsOverlap(l.TitleRect, l.Viewers));
                CHECK_FALSE(OverlayRectsOverlap(l.TitleRect, l.Controls));
                CHECK_FALSE(OverlayRectsOverlap(l.Comments, l.Compose));
                CHECK_FALSE(OverlayRectsOverlap(l.HeartButton, l.Compose));
            }
        }
    }
}

TEST_CASE("the broadcast card draws its message under the title in the middle, in English and French, and nothing without a state")
{
    Ctx ctx;
    Overlay o;
    o.State.Title = "Launch night";
    const auto draw = [&](bool whole_overlay) {
        ImGui::NewFrame();
        OverlayNewFrame(o, 1.0, kW, kH);
        if (whole_overlay)
            OverlayDraw(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), ImVec2(kW, kH), ctx.Font);
        else
            OverlayDrawBroadcast(o, ImGui::GetBackgroundDrawList(), ImVec2(0, 0), ImVec2(kW, kH), ctx.Font);
        ImGui::Render();
        return ImGui::GetDrawData();
    };
    CHECK(VerticesOf(draw(false), 0xD0D0D0).Count == 0); // None: no card
    for (const UiStrings* ui : {&kUiStringsEn, &kUiStringsFr})
    {
        o.State.Strings = OverlayStringsFrom(*ui);
        for (OverlayBroadcast state : {OverlayBroadcast::Starting, OverlayBroadcast::Reconnecting, OverlayBroadcast::Ended})
        {
            o.State.Broadcast = state;
            CHECK_FALSE(OverlayBroadcastMessage(o.State).empty());
            const ImDrawData* dd = draw(false);
            const Box title = VerticesOf(dd, 0xD0D0D0);
            const Box message = VerticesOf(dd, 0xFFFFFF);
            CHECK(title.Count > 0);
            CHECK(message.Count > 0);
            CHECK(title.MaxY <= message.MinY + 1.0f); // the title above the message
            CHECK(message.MinX > kW * 0.1f);          // centred, inside the canvas
            CHECK(message.MaxX < kW * 0.9f);
            CHECK(message.MinY > kH * 0.3f);
            CHECK(message.MaxY < kH * 0.7f);
            CHECK(VerticesOf(draw(true), 0xD0D0D0).Count > 0); // OverlayDraw draws it too
        }
    }
    CHECK(OverlayBroadcastMessage(o.State) == std::string_view(kUiStringsFr.Ended));
    CHECK(OverlayBroadcastFromName("starting") == OverlayBroadcast::Starting);
    CHECK(OverlayBroadcastFromName("reconnecting") == OverlayBroadcast::Reconnecting);
    CHECK(OverlayBroadcastFromName("ended") == OverlayBroadcast::Ended);
    CHECK(OverlayBroadcastFromName("live") == OverlayBroadcast::None);
    CHECK(OverlayBroadcastFromName("error") == OverlayBroadcast::None);
    CHECK(OverlayBroadcastFromName("") == OverlayBroadcast::None);
}
