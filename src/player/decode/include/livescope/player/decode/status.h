// Error values of the demux/decode layer: one code enum and a status with a human-readable reason.
#pragma once

#include <string>

namespace livescope {

enum class DecodeCode
{
    Ok,                // the call did what it says
    NeedMore,          // nothing to return until more input is pushed (not an error)
    EndOfStream,       // PushEnd() was called and everything has been returned
    InvalidData,       // corrupt container data; the demuxer skipped to the next fragment or packet
    UnsupportedFormat, // neither fMP4 nor MPEG-TS
    UnsupportedCodec,  // a codec this build cannot decode (or a pixel format other than 8-bit 4:2:0)
    DecodeError,       // the codec rejected a packet; decoding goes on with the next one
    PoolExhausted,     // every pooled frame is held by the caller; release one and call again
    NotConfigured,     // the decoder has no stream parameters yet
    OutOfMemory,
    Internal, // any other FFmpeg failure
};

struct DecodeStatus
{
    DecodeCode Code = DecodeCode::Ok;
    std::string Reason; // empty for Ok and NeedMore

    bool IsOk() const { return Code == DecodeCode::Ok; }
};

const char* DecodeCodeName(DecodeCode code);

} // namespace livescope
