#!/bin/sh
# Regenerates the fixture videos in fixtures/videos/ (see fixtures/videos/README.md for what
# each one tests). Every picture and sound is synthetic (lavfi testsrc2 / sine), so no
# copyrighted media is involved and nothing is downloaded.
#
# Deterministic: the same ffmpeg build gives byte-identical files on every run. That needs
# one encoder thread (multi-threaded x264/libvpx may split work differently run to run) and
# the bitexact flags (no creation times, random Matroska UIDs or "Lavf" version strings).
# A different ffmpeg/x264/libvpx version gives different bytes but the same properties,
# which is all the tests look at. Made with Debian 12's ffmpeg 5.1.
#
# Usage: sh scripts/make-fixtures.sh   (needs ffmpeg on PATH: apt-get install -y ffmpeg)
set -eu

root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
out="$root/fixtures/videos"
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

command -v ffmpeg >/dev/null 2>&1 || {
  echo "make-fixtures: ffmpeg is not on PATH (apt-get install -y ffmpeg)" >&2
  exit 1
}

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# Picture: a moving test pattern of the given size, frame rate and length.
video_in() { echo "testsrc2=size=$1:rate=$2:duration=$3"; }
# Sound: a 440 Hz tone, long enough for any fixture (-shortest cuts it to the picture).
audio_in='sine=frequency=440:sample_rate=44100:duration=30'

# Output flags shared by every file: no metadata we did not ask for, reproducible bytes.
exact='-map_metadata -1 -fflags +bitexact -flags +bitexact -threads 1'
# H.264 the way phones and editors write it: High profile, yuv420p, a low bitrate that keeps
# each file well under 1 MB.
h264='-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p'
aac='-c:a aac -b:a 64k -ac 2'

# h264_aac <size> <fps> <seconds> <video bitrate> <output> [extra output options...]
h264_aac() {
  size=$1 fps=$2 secs=$3 rate=$4 file=$5
  shift 5
  # shellcheck disable=SC2086 # $exact/$h264/$aac are deliberate word lists
  ff -f lavfi -i "$(video_in "$size" "$fps" "$secs")" -f lavfi -i "$audio_in" \
    $h264 -b:v "$rate" $aac -shortest $exact "$@" "$file"
}

# shellcheck disable=SC2086
{
  # Valid: 9:16 portrait, the shape TikTok recommends. faststart puts the index first, as
  # exported by most editors.
  h264_aac 540x960 30 5 300k "$out/valid-vertical.mp4" -movflags +faststart

  # Valid: 16:9 landscape in a QuickTime container (major brand "qt  "), as an iPhone or
  # Final Cut writes it; the upload's Content-Type must be video/quicktime.
  h264_aac 960x540 30 4 300k "$out/valid-horizontal.mov" -f mov

  # Valid: WebM with VP9 and Opus (WebM allows only VP8/VP9/AV1 with Vorbis/Opus).
  ff -f lavfi -i "$(video_in 540x960 30 4)" -f lavfi -i "$audio_in" \
    -c:v libvpx-vp9 -b:v 300k -deadline good -cpu-used 4 -row-mt 0 -pix_fmt yuv420p \
    -c:a libopus -b:a 64k -ar 48000 -shortest $exact "$out/valid.webm"

  # Valid: a phone recording. The pixels are stored landscape (960x540) with a 90-degree
  # display matrix, so it plays portrait: its real size is 540x960. 29.97 fps (30000/1001),
  # the NTSC rate phones use, to exercise the fraction parsing. The rotation can only be
  # set on a stream copy with this ffmpeg, hence two steps.
  h264_aac 960x540 30000/1001 4 300k "$tmp/landscape.mp4"
  ff -i "$tmp/landscape.mp4" -c copy -metadata:s:v:0 rotate=90 $exact \
    -movflags +faststart "$out/rotated-portrait.mp4"

  # Too short: 2 s; TikTok needs at least 3 s (video_duration_too_short).
  h264_aac 540x960 30 2 300k "$out/too-short.mp4"

  # Too long for a creator whose max_video_post_duration_sec is 10. The 600 s cap is tested
  # with a synthetic probe result instead of a 10-minute file.
  h264_aac 360x640 30 12 100k "$out/long-12s.mp4"

  # Below 360 px on the short side (video_resolution_too_low).
  h264_aac 320x240 30 4 150k "$out/low-res-320x240.mp4"

  # Wider than 4096 px (video_resolution_too_high); the short side is a fine 360.
  h264_aac 4112x360 30 4 200k "$out/too-wide-4112x360.mp4"

  # Below 23 fps (video_frame_rate_invalid).
  h264_aac 540x960 15 4 200k "$out/low-fps-15.mp4"

  # Above 60 fps (video_frame_rate_invalid).
  h264_aac 360x640 90 4 250k "$out/high-fps-90.mp4"

  # A valid MP4 container holding MPEG-4 Part 2 video, which TikTok does not list
  # (video_codec_unsupported). 360x640 at a fixed quantiser: this old codec needs far more
  # bytes than H.264 for the busy test pattern, and its rate control overshoots.
  ff -f lavfi -i "$(video_in 360x640 30 4)" -f lavfi -i "$audio_in" \
    -c:v mpeg4 -q:v 20 -pix_fmt yuv420p $aac -shortest $exact "$out/unsupported-codec-mpeg4.mp4"

  # Wrong containers, each otherwise valid (H.264, 540x960, 30 fps, 4 s) so the container is the
  # only fault (video_format_invalid). TikTok's media transfer guide (docs/tiktok-api.md, Media
  # requirements) lists MP4, MOV and WebM; the older description the project started from also
  # names MPEG, AVI and FLV, but the API doc is TikTok's own and newer, so it wins. AVI is
  # therefore refused on purpose, and MKV because ffprobe calls it "matroska,webm", the same
  # name as WebM: only the EBML DocType tells them apart, and this file proves the probe reads
  # it.
  ff -f lavfi -i "$(video_in 540x960 30 4)" $h264 -b:v 300k $exact "$out/wrong-container.avi"
  h264_aac 540x960 30 4 300k "$out/wrong-container.mkv"

  # No video stream at all: AAC audio in an M4A (video_stream_missing, video_format_invalid).
  ff -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=4" $aac $exact "$out/audio-only.m4a"

  # Audio with cover art, as music files carry it. ffprobe lists the cover as a one-frame
  # MJPEG "video" stream marked attached_pic; it must not pass for a video
  # (video_stream_missing).
  ff -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=4" \
    -f lavfi -i "$(video_in 400x400 1 1)" -map 0:a -map 1:v -frames:v 1 -c:v mjpeg \
    -disposition:v:0 attached_pic $aac $exact "$out/audio-with-cover.m4a"
}

# Corrupt: the first 64 KiB of an MP4 whose index (moov box) is written at the end, as a
# camera or an interrupted copy leaves it. The header says MP4, but ffprobe cannot read it.
h264_aac 540x960 30 4 300k "$tmp/moov-at-end.mp4"
head -c 65536 "$tmp/moov-at-end.mp4" >"$out/corrupt.mp4"

# Not a video: an HTML error page saved under a video name, a common failed download.
printf '<!doctype html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not Found</h1></body></html>\n' \
  >"$out/not-a-video.mp4"

# Empty: zero bytes, e.g. an upload that never started.
: >"$out/empty.mp4"

# Every fixture lives in git, so keep each one small.
for f in "$out"/*; do
  case $f in *.md) continue ;; esac
  bytes=$(wc -c <"$f")
  if [ "$bytes" -ge 1048576 ]; then
    echo "make-fixtures: $(basename "$f") is $bytes bytes, over the 1 MB limit" >&2
    exit 1
  fi
  printf '%8d  %s\n' "$bytes" "$(basename "$f")"
done
