// Tests for how HlsSession's events are reported (severity, rendition changes: src/player/hls/hls_session.cpp).
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_session.h>

#include <string>

using namespace livescope;

TEST_SUITE_BEGIN("player_hls/hls_events");

TEST_CASE("event severity counts failures as errors, a lost position as a warning, loads as information and traffic as quiet")
{
    CHECK(HlsEventSeverityOf(HlsEvent::RequestFailed) == HlsEventSeverity::Error);
    CHECK(HlsEventSeverityOf(HlsEvent::ParseFailed) == HlsEventSeverity::Error);
    CHECK(HlsEventSeverityOf(HlsEvent::DeltaMergeFailed) == HlsEventSeverity::Error);
    CHECK(HlsEventSeverityOf(HlsEvent::MediaSkipped) == HlsEventSeverity::Warning);
    CHECK(HlsEventSeverityOf(HlsEvent::FellBehind) == HlsEventSeverity::Warning);
    CHECK(HlsEventSeverityOf(HlsEvent::PlaylistStale) == HlsEventSeverity::Warning);
    CHECK(HlsEventSeverityOf(HlsEvent::BlockingMiss) == HlsEventSeverity::Warning);
    CHECK(HlsEventSeverityOf(HlsEvent::PlaylistLoaded) == HlsEventSeverity::Info);
    CHECK(HlsEventSeverityOf(HlsEvent::EndOfStream) == HlsEventSeverity::Info);
    CHECK(HlsEventSeverityOf(HlsEvent::MediaLoaded) == HlsEventSeverity::Quiet);
    CHECK(HlsEventSeverityOf(HlsEvent::PlaylistUpdated) == HlsEventSeverity::Quiet);
    CHECK(HlsEventSeverityOf(HlsEvent::HintUsed) == HlsEventSeverity::Quiet);
    CHECK(std::string(HlsEventSeverityName(HlsEventSeverity::Warning)) == "warn");
    CHECK(HlsEventChangesRendition(HlsEvent::VariantSwitched));
    CHECK(HlsEventChangesRendition(HlsEvent::StartPointChosen));
    CHECK_FALSE(HlsEventChangesRendition(HlsEvent::MediaLoaded));
    CHECK_FALSE(HlsEventChangesRendition(HlsEvent::EndOfStream));
}

TEST_SUITE_END();
