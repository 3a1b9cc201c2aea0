// OverlayState: the plain data the app layer fills from protocol messages and the page (no protocol
// or player types here), and OverlayActions: what the overlay asks the app to send.
#pragma once

#include <livescope/overlay/comments.h>
#include <livescope/overlay/hearts.h>
#include <livescope/overlay/overlay_types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace livescope {

// Every user-visible string, so the app can localise them.
struct OverlayStrings {
    std::string Live = "LIVE";
    std::string Send = "Send";
    std::string Placeholder = "Ask a question\xE2\x80\xA6"; // "Ask a question…"
    std::string PlaceholderShort = "Ask\xE2\x80\xA6";          // "Ask…", when the full one does not fit
    std::string Joined = "joined";                          // "<name> joined"
    std::string Pinned = "Pinned";
    std::string TotalViewers = "total";                     // "<n> total" under the live count
    std::string SendHeart = "Send a heart";                 // heart button's accessible name
};

// A batch of other viewers' hearts, queued by the app and consumed by OverlayNewFrame.
struct OverlayHeartBatch {
    std::vector<HeartColorCount> Counts;
    double WindowMs = 200.0; // milliseconds the relay aggregated over
};

struct OverlayState {
    std::string Title;                        // broadcast title or theme, UTF-8
    bool IsLive = true;                       // shows the LIVE badge and the elapsed time
    double StartTime = 0.0;                   // seconds, overlay clock, when the broadcast began
    std::uint64_t ViewersLive = 0;            // watching now
    std::uint64_t ViewersTotal = 0;           // watched at some point
    std::string ViewersLiveLabel;             // localised compact form of ViewersLive (e.g. "1,2 k"); empty = built-in English
    std::string ViewersTotalLabel;            // likewise for ViewersTotal
    std::vector<CommentEntry> Comments;       // oldest first; see OverlayAddComment
    bool HasPinned = false;
    PinnedQuestion Pinned;
    std::vector<OverlayHeartBatch> HeartBatches; // drained by OverlayNewFrame
    OverlayRgb OwnRgb = 0xFF3B5C;             // this viewer's heart colour
    bool ReducedMotion = false;               // from prefers-reduced-motion
    bool HeartsEnabled = true;
    bool CommentsEnabled = true;
    float PictureAspect = 0.0f;               // width / height of the video frame; 0 = no picture yet
    // The DOM controls row (sound and fullscreen buttons) the layout places: its size with the full
    // labels and with the short (icon-only) ones, in pixels. 0 x 0: there is none.
    float ControlsWidth = 0.0f;               // pixels
    float ControlsCompactWidth = 0.0f;        // pixels
    float ControlsHeight = 0.0f;              // pixels
    OverlayStrings Strings;
};

// What the overlay asks the app to do, accumulated until OverlayTakeActions.
struct OverlayActions {
    int HeartsToSend = 0;                     // own hearts tapped (already shown locally)
    std::vector<std::string> Comments;        // submitted compose texts, trimmed UTF-8, <= 280 code points
    bool ComposeFocusChanged = false;         // ComposeFocused changed since the last take
    bool ComposeFocused = false;              // the glue should focus its hidden <input> while true
    bool ComposeTextChanged = false;          // the model text changed from the overlay side
};

} // namespace livescope
