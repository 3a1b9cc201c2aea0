// Worker decode pipeline: fMP4 fragments and TS parts through a memory AVIO into libavformat, then libavcodec + swresample.
//
// [SECTION] Box scanning (fMP4 top-level boxes)
// [SECTION] Memory AVIO demux
// [SECTION] Decoders
// [SECTION] DecodePipeline

#include "worker_decode.h"

#include <livescope/player/av/latency.h>

#include <algorithm>
#include <cstring>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
}

namespace livescope {

const char* DecodeFatalName(DecodeFatal fatal) {
  switch (fatal) {
    case DecodeFatal::None: return "none";
    case DecodeFatal::UnsupportedCodec: return "unsupported-codec";
    case DecodeFatal::Encrypted: return "encrypted";
    case DecodeFatal::UnsupportedPixels: return "unsupported-pixel-format";
  }
  return "?";
}

// [SECTION] Box scanning ----------------------------------------------------------------------

namespace {

uint32_t ReadBe32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }

// Size of the complete top-level box at `p` (0 when not complete yet, SIZE_MAX when malformed).
size_t CompleteBoxSize(const uint8_t* p, size_t avail, char type[5]) {
  if (avail < 8) return 0;
  uint64_t size = ReadBe32(p);
  std::memcpy(type, p + 4, 4);
  type[4] = 0;
  size_t header = 8;
  if (size == 1) {
    if (avail < 16) return 0;
    size = (uint64_t{ReadBe32(p + 8)} << 32) | ReadBe32(p + 12);
    header = 16;
  } else if (size == 0) {
    return 0; // "to the end of the file": only complete at EndChunk
  }
  if (size < header || size > (uint64_t{1} << 31)) return SIZE_MAX;
  return size <= avail ? static_cast<size_t>(size) : 0;
}

bool ContainsTag(const std::vector<uint8_t>& bytes, const char* tag) {
  return std::search(bytes.begin(), bytes.end(), tag, tag + 4) != bytes.end();
}

// [SECTION] Memory AVIO demux -------------------------------------------------------------------

struct MemoryReader {
  const uint8_t* Data = nullptr;
  size_t Size = 0, Pos = 0;
};

int MemoryRead(void* opaque, uint8_t* buf, int buf_size) {
  auto* r = static_cast<MemoryReader*>(opaque);
  const size_t n = std::min(static_cast<size_t>(buf_size), r->Size - r->Pos);
  if (n == 0) return AVERROR_EOF;
  std::memcpy(buf, r->Data + r->Pos, n);
  r->Pos += n;
  return static_cast<int>(n);
}

int64_t MemorySeek(void* opaque, int64_t offset, int whence) {
  auto* r = static_cast<MemoryReader*>(opaque);
  if (whence == AVSEEK_SIZE) return static_cast<int64_t>(r->Size);
  int64_t base = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = static_cast<int64_t>(r->Pos); break;
    case SEEK_END: base = static_cast<int64_t>(r->Size); break;
    default: return -1;
  }
  const int64_t pos = base + offset;
  if (pos < 0 || pos > static_cast<int64_t>(r->Size)) return -1;
  r->Pos = static_cast<size_t>(pos);
  return pos;
}

std::string AvErr(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

} // namespace

// [SECTION] Decoders ----------------------------------------------------------------------------

struct DecoderSlot {
  AVCodecContext* Ctx = nullptr;
  AVCodecID Codec = AV_CODEC_ID_NONE;
  std::vector<uint8_t> Extradata;
  void Close() { avcodec_free_context(&Ctx); Codec = AV_CODEC_ID_NONE; Extradata.clear(); }
};

struct DecodePipeline::Impl {
  DecodePipeline* Owner = nullptr;
  NowMsFn NowMs = nullptr;
  std::vector<uint8_t> Init;      // EXT-X-MAP bytes (ftyp+moov)
  std::vector<uint8_t> Pending;   // bytes of the current chunk not demuxed yet
  std::vector<uint8_t> Scratch;   // init + fragment handed to libavformat
  bool ChunkIsInit = false, ChunkIsTs = false;
  int Serial = 0;
  double ChunkPdt = 0.0;          // epoch seconds of the chunk's start
  double ChunkFirstPts = -1.0;    // seconds, first video/audio pts seen in the chunk
  DecoderSlot VideoDec, AudioDec;
  bool VideoEnabled = true, WaitKey = true;
  AVPacket* Pkt = nullptr;
  AVFrame* Frm = nullptr;
  std::vector<AVFrame*> FreeFrames;
  SwrContext* Swr = nullptr;
  int SwrInRate = 0, SwrInFormat = -1, SwrInChannels = 0;
  int OutRate = 48000, OutChannels = 2;
  double Rate = 1.0;
  double VideoDurationHint = 0.0; // seconds, from the stream's frame rate

  AVFrame* AcquireFrame() {
    if (FreeFrames.empty()) return av_frame_alloc();
    AVFrame* f = FreeFrames.back();
    FreeFrames.pop_back();
    return f;
  }

  void Error(const std::string& reason) {
    Owner->Counters.Errors++;
    Owner->Counters.LastError = reason;
  }

  // Opens or reuses the decoder for `par`. Returns false (fatal set) when the codec is unsupported.
  bool EnsureDecoder(DecoderSlot& slot, const AVCodecParameters* par) {
    std::vector<uint8_t> extra(par->extradata, par->extradata + par->extradata_size);
    if (slot.Ctx && slot.Codec == par->codec_id && slot.Extradata == extra) return true;
    slot.Close();
    const AVCodec* codec = avcodec_find_decoder(par->codec_id);
    if (!codec) {
      Owner->Fatal = DecodeFatal::UnsupportedCodec;
      Owner->FatalDetail = std::string("no decoder for codec ") + avcodec_get_name(par->codec_id);
      return false;
    }
    slot.Ctx = avcodec_alloc_context3(codec);
    if (!slot.Ctx || avcodec_parameters_to_context(slot.Ctx, par) < 0 || avcodec_open2(slot.Ctx, codec, nullptr) < 0) {
      slot.Close();
      Error(std::string("cannot open decoder ") + codec->name);
      return false;
    }
    slot.Codec = par->codec_id;
    slot.Extradata = std::move(extra);
    if (par->codec_type == AVMEDIA_TYPE_VIDEO) WaitKey = true;
    return true;
  }

  void DecodeVideo(AVPacket* pkt, AVRational tb) {
    if (!VideoEnabled) { Owner->Counters.SkippedPackets++; return; }
    if (WaitKey && !(pkt->flags & AV_PKT_FLAG_KEY)) { Owner->Counters.SkippedPackets++; return; }
    WaitKey = false;
    const double t0 = NowMs();
    int err = avcodec_send_packet(VideoDec.Ctx, pkt);
    if (err < 0 && err != AVERROR(EAGAIN)) {
      Error("video decode: " + AvErr(err) + " (skipping to the next key frame)");
      WaitKey = true;
      return;
    }
    for (;;) {
      err = avcodec_receive_frame(VideoDec.Ctx, Frm);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) break;
      if (err < 0) { Error("video decode: " + AvErr(err)); WaitKey = true; break; }
      const double t1 = NowMs();
      if (Frm->format != AV_PIX_FMT_YUV420P && Frm->format != AV_PIX_FMT_YUVJ420P) {
        Owner->Fatal = DecodeFatal::UnsupportedPixels;
        const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(Frm->format));
        Owner->FatalDetail = std::string("pixel format ") + (name ? name : "?") + " is not supported";
        av_frame_unref(Frm);
        return;
      }
      DecodedVideo v;
      v.Frame = AcquireFrame();
      av_frame_move_ref(v.Frame, Frm);
      const int64_t ts = v.Frame->best_effort_timestamp != AV_NOPTS_VALUE ? v.Frame->best_effort_timestamp : v.Frame->pts;
      v.Pts = ts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ts) * av_q2d(tb);
      v.Duration = VideoDurationHint;
      v.Serial = Serial;
      if (ChunkFirstPts < 0.0) ChunkFirstPts = v.Pts;
      v.ProgramDateTime = ChunkPdt > 0.0 ? ChunkPdt + (v.Pts - ChunkFirstPts) : 0.0;
      v.ColorMatrix = (v.Frame->colorspace == AVCOL_SPC_BT709) ? 709 : 601;
      v.FullRange = (v.Frame->color_range == AVCOL_RANGE_JPEG || v.Frame->format == AV_PIX_FMT_YUVJ420P) ? 1 : 0;
      v.DecodeMs = t1 - t0;
      Owner->Counters.VideoFrames++;
      Owner->Counters.DecodeMsSum += v.DecodeMs;
      Owner->Counters.Width = v.Frame->width;
      Owner->Counters.Height = v.Frame->height;
      Owner->Video.push_back(v);
    }
  }

  bool EnsureSwr(AVFrame* f) {
    const int channels = f->ch_layout.nb_channels;
    if (Swr && SwrInRate == f->sample_rate && SwrInFormat == f->format && SwrInChannels == channels) return true;
    swr_free(&Swr);
    AVChannelLayout out_layout;
    av_channel_layout_default(&out_layout, OutChannels);
    if (swr_alloc_set_opts2(&Swr, &out_layout, AV_SAMPLE_FMT_FLT, OutRate, &f->ch_layout,
                            static_cast<AVSampleFormat>(f->format), f->sample_rate, 0, nullptr) < 0 || swr_init(Swr) < 0) {
      swr_free(&Swr);
      Error("swresample init failed");
      return false;
    }
    SwrInRate = f->sample_rate;
    SwrInFormat = f->format;
    SwrInChannels = channels;
    return true;
  }

  void DecodeAudio(AVPacket* pkt, AVRational tb) {
    int err = avcodec_send_packet(AudioDec.Ctx, pkt);
    if (err < 0 && err != AVERROR(EAGAIN)) { Error("audio decode: " + AvErr(err)); return; }
    for (;;) {
      err = avcodec_receive_frame(AudioDec.Ctx, Frm);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) break;
      if (err < 0) { Error("audio decode: " + AvErr(err)); break; }
      if (!EnsureSwr(Frm)) { av_frame_unref(Frm); break; }
      const int64_t ts = Frm->best_effort_timestamp != AV_NOPTS_VALUE ? Frm->best_effort_timestamp : Frm->pts;
      const double pts = ts == AV_NOPTS_VALUE ? 0.0 : static_cast<double>(ts) * av_q2d(tb);
      const int max_out = swr_get_out_samples(Swr, Frm->nb_samples) + 64;
      if (Rate != 1.0) {
        const ResampleCompensation c = ResampleCompensationForRate(Rate, max_out);
        swr_set_compensation(Swr, c.SampleDelta, c.Distance);
      }
      const size_t base = Owner->AudioOut.size();
      Owner->AudioOut.resize(base + static_cast<size_t>(max_out * OutChannels));
      uint8_t* out = reinterpret_cast<uint8_t*>(Owner->AudioOut.data() + base);
      const int got = swr_convert(Swr, &out, max_out, const_cast<const uint8_t**>(Frm->extended_data), Frm->nb_samples);
      Owner->AudioOut.resize(base + static_cast<size_t>(std::max(got, 0) * OutChannels));
      if (base == 0) {
        const double delay = static_cast<double>(swr_get_delay(Swr, 1000)) / 1000.0; // seconds still inside swr
        Owner->AudioPts = pts - delay;
        Owner->AudioRate = Rate;
        Owner->AudioSerial = Serial;
      }
      Owner->Counters.AudioFrames++;
      av_frame_unref(Frm);
    }
  }

  // Demuxes `size` bytes (a complete init+fragment, or a TS part) with the named demuxer.
  void Demux(const uint8_t* data, size_t size, const char* format_name) {
    MemoryReader reader{data, size, 0};
    const int io_size = 32768;
    auto* io_buf = static_cast<uint8_t*>(av_malloc(io_size));
    AVIOContext* io = avio_alloc_context(io_buf, io_size, 0, &reader, MemoryRead, nullptr, MemorySeek);
    AVFormatContext* fmt = avformat_alloc_context();
    if (!io || !fmt) { av_free(io_buf); avio_context_free(&io); avformat_free_context(fmt); Error("out of memory"); return; }
    fmt->pb = io;
    fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    int err = avformat_open_input(&fmt, nullptr, av_find_input_format(format_name), nullptr);
    if (err < 0) {
      Error(std::string("demux (") + format_name + "): " + AvErr(err) + ", part skipped");
      av_freep(&io->buffer);
      avio_context_free(&io);
      return;
    }
    if (std::strcmp(format_name, "mpegts") == 0) {
      fmt->probesize = static_cast<int64_t>(size);
      avformat_find_stream_info(fmt, nullptr);
    }
    int video_index = -1, audio_index = -1;
    for (unsigned i = 0; i < fmt->nb_streams; ++i) {
      const AVCodecParameters* par = fmt->streams[i]->codecpar;
      if (par->codec_type == AVMEDIA_TYPE_VIDEO && video_index < 0) video_index = static_cast<int>(i);
      if (par->codec_type == AVMEDIA_TYPE_AUDIO && audio_index < 0) audio_index = static_cast<int>(i);
    }
    if (video_index >= 0) {
      AVStream* st = fmt->streams[video_index];
      if (!EnsureDecoder(VideoDec, st->codecpar)) video_index = -1;
      const AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
      VideoDurationHint = (fr.num > 0 && fr.den > 0) ? av_q2d(av_inv_q(fr)) : 0.0;
    }
    if (audio_index >= 0 && !EnsureDecoder(AudioDec, fmt->streams[audio_index]->codecpar)) audio_index = -1;
    Owner->Counters.Fragments++;
    while (Owner->Fatal == DecodeFatal::None && (err = av_read_frame(fmt, Pkt)) >= 0) {
      const AVRational tb = fmt->streams[Pkt->stream_index]->time_base;
      if (Pkt->stream_index == video_index) DecodeVideo(Pkt, tb);
      else if (Pkt->stream_index == audio_index) DecodeAudio(Pkt, tb);
      av_packet_unref(Pkt);
    }
    if (err < 0 && err != AVERROR_EOF) Error(std::string("demux: ") + AvErr(err) + " (rest of the part skipped)");
    avformat_close_input(&fmt);
    av_freep(&io->buffer);
    avio_context_free(&io);
  }

  void DemuxFragment(const uint8_t* frag, size_t size) {
    if (Init.empty()) { Error("media before its init segment, skipped"); return; }
    Scratch.assign(Init.begin(), Init.end());
    Scratch.insert(Scratch.end(), frag, frag + size);
    Demux(Scratch.data(), Scratch.size(), "mov");
  }

  // Demuxes every complete moof+mdat at the front of Pending; keeps the incomplete rest.
  void ScanFmp4(bool at_end) {
    size_t pos = 0, frag_start = SIZE_MAX;
    std::vector<uint8_t> new_init;
    while (pos < Pending.size()) {
      char type[5];
      size_t box = CompleteBoxSize(Pending.data() + pos, Pending.size() - pos, type);
      if (box == SIZE_MAX) { Error("malformed box in part, rest skipped"); Pending.clear(); return; }
      if (box == 0) {
        if (!at_end) break;
        box = Pending.size() - pos; // a truncated box at the end: hand what there is to the demuxer
      }
      const std::string t(type);
      if (t == "ftyp" || t == "moov") {
        new_init.insert(new_init.end(), Pending.begin() + static_cast<long>(pos), Pending.begin() + static_cast<long>(pos + box));
        if (t == "moov") { Init = std::move(new_init); new_init.clear(); CheckEncryption(Init); }
      } else if (t == "moof") {
        frag_start = pos;
      } else if (t == "mdat" && frag_start != SIZE_MAX) {
        DemuxFragment(Pending.data() + frag_start, pos + box - frag_start);
        frag_start = SIZE_MAX;
      }
      pos += box;
      if (frag_start == SIZE_MAX) { Pending.erase(Pending.begin(), Pending.begin() + static_cast<long>(pos)); pos = 0; }
    }
    if (at_end) Pending.clear();
  }

  void CheckEncryption(const std::vector<uint8_t>& init) {
    if (ContainsTag(init, "encv") || ContainsTag(init, "enca") || ContainsTag(init, "tenc")) {
      Owner->Fatal = DecodeFatal::Encrypted;
      Owner->FatalDetail = "the stream is encrypted (CENC), which livescope does not play";
    }
  }

  void FlushDecoders() {
    if (VideoDec.Ctx) avcodec_flush_buffers(VideoDec.Ctx);
    if (AudioDec.Ctx) avcodec_flush_buffers(AudioDec.Ctx);
    WaitKey = true;
  }
};

// [SECTION] DecodePipeline ----------------------------------------------------------------------

DecodePipeline::DecodePipeline(NowMsFn now_ms) : P(new Impl()) {
  P->Owner = this;
  P->NowMs = now_ms;
  P->Pkt = av_packet_alloc();
  P->Frm = av_frame_alloc();
}

DecodePipeline::~DecodePipeline() {
  while (!Video.empty()) PopVideo();
  for (AVFrame* f : P->FreeFrames) av_frame_free(&f);
  av_packet_free(&P->Pkt);
  av_frame_free(&P->Frm);
  P->VideoDec.Close();
  P->AudioDec.Close();
  swr_free(&P->Swr);
  delete P;
}

void DecodePipeline::SetAudioOutput(int sample_rate, int channels) {
  P->OutRate = std::clamp(sample_rate, 8000, 192000);
  P->OutChannels = std::clamp(channels, 1, 2);
  swr_free(&P->Swr);
}

void DecodePipeline::SetRate(double rate) {
  const double r = std::clamp(rate, 0.5, 1.5);
  if (r == P->Rate) return;
  P->Rate = r;
  if (P->Swr && r == 1.0) swr_set_compensation(P->Swr, 0, 0);
}

void DecodePipeline::SetVideoEnabled(bool enabled) {
  if (enabled && !P->VideoEnabled) P->FlushDecoders();
  P->VideoEnabled = enabled;
}

void DecodePipeline::BeginChunk(bool is_init, bool is_ts, int serial, double pdt) {
  P->Pending.clear();
  P->ChunkIsInit = is_init;
  P->ChunkIsTs = is_ts;
  if (serial != P->Serial) { P->Serial = serial; P->FlushDecoders(); }
  P->ChunkPdt = pdt;
  P->ChunkFirstPts = -1.0;
}

void DecodePipeline::Feed(const uint8_t* bytes, size_t size) {
  if (Fatal != DecodeFatal::None || size == 0) return;
  P->Pending.insert(P->Pending.end(), bytes, bytes + size);
  if (!P->ChunkIsTs && !P->ChunkIsInit) P->ScanFmp4(false);
}

void DecodePipeline::EndChunk(bool ok) {
  if (Fatal != DecodeFatal::None) return;
  if (P->ChunkIsInit) {
    if (ok && !P->Pending.empty()) { P->Init = P->Pending; P->CheckEncryption(P->Init); }
  } else if (P->ChunkIsTs) {
    if (!P->Pending.empty()) {
      // Scrambling control bits (TS header byte 3, top two bits) set on any packet: encrypted.
      for (size_t i = 0; i + 188 <= P->Pending.size(); i += 188)
        if (P->Pending[i] == 0x47 && (P->Pending[i + 3] & 0xC0) != 0) {
          Fatal = DecodeFatal::Encrypted;
          FatalDetail = "the transport stream is scrambled, which livescope does not play";
          return;
        }
      P->Demux(P->Pending.data(), P->Pending.size(), "mpegts");
    }
  } else if (ok) {
    P->ScanFmp4(true);
  } else {
    if (!P->Pending.empty()) P->Error("part aborted with a partial fragment, tail skipped");
  }
  P->Pending.clear();
}

void DecodePipeline::Reset() {
  P->Pending.clear();
  while (!Video.empty()) PopVideo();
  AudioOut.clear();
  P->FlushDecoders();
  swr_free(&P->Swr);
}

void DecodePipeline::PopVideo() {
  AVFrame* f = Video.front().Frame;
  av_frame_unref(f);
  P->FreeFrames.push_back(f);
  Video.pop_front();
}

} // namespace livescope
