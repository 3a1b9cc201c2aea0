// FFmpeg's demuxer (Demuxer: libavformat's mov and mpegts) behind PureDemuxer's interface: MediaPackets, not AVPackets.
#pragma once

#include <livescope/player/decode/demuxer.h>
#include <livescope/player/decode/media_packet.h>
#include <livescope/player/decode/status.h>

#include <cstdint>
#include <span>

namespace livescope {

// The full worker module's demuxer (docs/decode.md "The module split"): what FFmpeg's demuxers play and the pure ones
// do not (AAC in TS with channel configuration 0, H.264 in TS whose only random access points are recovery points,
// several programs or sample descriptions, edit lists), with the worker's one packet type. The same contract as
// PureDemuxer (single-threaded, Push copies and never blocks, poll ReadPacket until NeedMore).
//
// Each packet is converted as the pure demuxers give it, so that the decoders and the WebCodecs queues see one shape:
// - stream parameters from the codec parameters (codec, extradata, size, sample rate, channels, the time base);
//   Generation bumps when any of them changes;
// - MPEG-TS video: Annex B (AnnexB = true), the extradata FFmpeg found, if any, is kept;
// - MPEG-TS AAC: the ADTS header is stripped and its AudioSpecificConfig becomes the extradata (raw frames, as the pure
//   TS demuxer gives them and AudioDecoder wants them), except where a 2-byte AudioSpecificConfig cannot describe the
//   frame (channel configuration 0: the layout is a PCE in the frame; several raw data blocks in one ADTS frame): then
//   the ADTS frame goes whole with no extradata, FFmpeg's AAC decoder reads its header, and the audio stays on FFmpeg.
// - the key flag is FFmpeg's (TS: IDR pictures and the H.264 parser's recovery points).
class FfmpegMediaDemuxer
{
public:
    void Push(std::span<const uint8_t> bytes, int serial, int64_t tag = 0) { Demux.Push(bytes, serial, tag); }
    void PushBoundary() { Demux.PushBoundary(); }
    void PushEnd() { Demux.PushEnd(); }
    void Reset();

    // Ok, NeedMore, EndOfStream, or an error after which the next call resumes (Demuxer::ReadPacket). A stream whose
    // codec is not H.264, HEVC or AAC comes out with MediaCodec::Unknown.
    DecodeStatus ReadPacket(MediaPacket& out);

    ContainerKind Container() const { return Demux.Container(); }
    int Serial() const { return Demux.Serial(); }
    size_t BufferedBytes() const { return Demux.BufferedBytes(); }
    int Errors() const { return Demux.Errors(); }
    bool SawUnknownCodec() const { return UnknownCodec; }

private:
    Demuxer Demux;
    MediaStreamInfo Info[2];            // video, audio: the records packets point at
    int SourceGeneration[2] = {-1, -1}; // the Demuxer's ParamsGeneration Info[k] was built from
    bool UnknownCodec = false;
};

} // namespace livescope
