#include "trainer/report/gif_writer.hpp"

#include <gif_lib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <opencv2/core.hpp>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "common/util/atomic_file.hpp"

namespace foresight {
namespace fs = std::filesystem;

namespace {

// Closing an encoder also frees it; on the success path it is closed by hand to see the error.
struct EncoderCloser {
  void operator()(GifFileType* gif) const {
    int ignored = 0;
    EGifCloseFile(gif, &ignored);
  }
};
struct DecoderCloser {
  void operator()(GifFileType* gif) const {
    int ignored = 0;
    DGifCloseFile(gif, &ignored);
  }
};
struct ColorMapDeleter {
  void operator()(ColorMapObject* map) const { GifFreeMapObject(map); }
};
using GifEncoder = std::unique_ptr<GifFileType, EncoderCloser>;
using GifDecoder = std::unique_ptr<GifFileType, DecoderCloser>;
using ColorMap = std::unique_ptr<ColorMapObject, ColorMapDeleter>;

constexpr size_t kPaletteSize = 256;
constexpr int kSampleSize = 20000;  // enough pixels for k-means to find the frames' colours
constexpr uint64_t kSeed = 0x5eed;  // fixed: the same frames always give the same palette

std::string gif_error(int code) {
  const char* text = GifErrorString(code);
  return text ? text : "giflib error " + std::to_string(code);
}

uint32_t key(const cv::Vec3b& c) { return (uint32_t(c[0]) << 16) | (uint32_t(c[1]) << 8) | c[2]; }

// The frames' own colours when there are at most 256 of them (synthetic scenes: lossless),
// otherwise k-means centres of a seeded random pixel sample.
std::vector<cv::Vec3b> fit_palette(const std::vector<cv::Mat>& frames) {
  std::unordered_set<uint32_t> distinct;
  for (const auto& f : frames) {
    for (int y = 0; y < f.rows && distinct.size() <= kPaletteSize; ++y) {
      const auto* row = f.ptr<cv::Vec3b>(y);
      for (int x = 0; x < f.cols; ++x) distinct.insert(key(row[x]));
    }
  }
  std::vector<cv::Vec3b> palette;
  if (distinct.size() <= kPaletteSize) {
    std::vector<uint32_t> keys(distinct.begin(), distinct.end());
    std::sort(keys.begin(), keys.end());  // set order is not specified; bytes should be stable
    for (uint32_t k : keys) palette.emplace_back(uchar(k >> 16), uchar(k >> 8), uchar(k));
    return palette;
  }
  const uint64_t per_frame = uint64_t(frames[0].total());
  const uint64_t total = per_frame * frames.size();
  const int n = int(std::min<uint64_t>(total, kSampleSize));
  cv::Mat samples(n, 3, CV_32F);
  cv::RNG rng(kSeed);
  for (int i = 0; i < n; ++i) {
    uint64_t idx = total == uint64_t(n) ? uint64_t(i) : uint64_t(rng.next()) % total;
    const cv::Mat& f = frames[idx / per_frame];
    const int p = int(idx % per_frame);  // by row: frames may be views into larger images
    const auto& px = f.at<cv::Vec3b>(p / f.cols, p % f.cols);
    for (int c = 0; c < 3; ++c) samples.at<float>(i, c) = px[c];
  }
  // k-means++ seeding draws from the thread's global RNG: pin it, then put the caller's back.
  cv::RNG saved = cv::theRNG();
  cv::theRNG() = cv::RNG(kSeed);
  cv::Mat labels, centers;
  cv::kmeans(samples, int(kPaletteSize), labels,
             cv::TermCriteria(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, 20, 0.25), 1,
             cv::KMEANS_PP_CENTERS, centers);
  cv::theRNG() = saved;
  for (int k = 0; k < centers.rows; ++k) {
    palette.emplace_back(cv::saturate_cast<uchar>(centers.at<float>(k, 0)),
                         cv::saturate_cast<uchar>(centers.at<float>(k, 1)),
                         cv::saturate_cast<uchar>(centers.at<float>(k, 2)));
  }
  return palette;
}

// Exact nearest palette colour (squared RGB distance, lowest index on ties) without trying all
// 256 entries per pixel: each cell of a 32x32x32 grid lists only the entries that can be nearest
// to some colour inside it (those whose closest possible distance to the cell does not exceed the
// smallest farthest distance of any entry). Cells are filled on first use; the fine grid keeps
// the lists short even when the palette crowds into a small part of the colour cube.
class NearestColour {
 public:
  explicit NearestColour(std::vector<cv::Vec3b> palette)
      : palette_(std::move(palette)), candidates_(kCells * kCells * kCells) {}

  uint8_t operator()(const cv::Vec3b& px) {
    const int cell = (px[0] / kSide * kCells + px[1] / kSide) * kCells + px[2] / kSide;
    auto& list = candidates_[cell];
    if (list.empty()) fill(cell, list);
    uint8_t best = list[0];
    int best_d = INT32_MAX;
    for (uint8_t k : list) {
      int d0 = px[0] - palette_[k][0], d1 = px[1] - palette_[k][1], d2 = px[2] - palette_[k][2];
      int d = d0 * d0 + d1 * d1 + d2 * d2;
      if (d < best_d) best_d = d, best = k;
    }
    return best;
  }

 private:
  static constexpr int kCells = 32, kSide = 256 / kCells;

  void fill(int cell, std::vector<uint8_t>& list) const {
    const int lo[3] = {cell / (kCells * kCells) * kSide, cell / kCells % kCells * kSide,
                       cell % kCells * kSide};
    std::vector<int> near(palette_.size(), 0);
    int bound = INT32_MAX;
    for (size_t k = 0; k < palette_.size(); ++k) {
      int far = 0;
      for (int c = 0; c < 3; ++c) {
        int v = palette_[k][c], hi = lo[c] + kSide - 1;
        int gap = v < lo[c] ? lo[c] - v : (v > hi ? v - hi : 0);
        int reach = std::max(std::abs(v - lo[c]), std::abs(v - hi));
        near[k] += gap * gap;
        far += reach * reach;
      }
      bound = std::min(bound, far);
    }
    for (size_t k = 0; k < palette_.size(); ++k) {
      if (near[k] <= bound) list.push_back(uint8_t(k));
    }
  }

  std::vector<cv::Vec3b> palette_;
  std::vector<std::vector<uint8_t>> candidates_;  // per cell; empty until first used
};

// Palette indices of one frame, enlarged by `scale` afterwards so that the search runs once per
// source pixel.
cv::Mat index_frame(const cv::Mat& rgb, NearestColour& nearest, int scale) {
  cv::Mat idx(rgb.rows, rgb.cols, CV_8U);
  for (int y = 0; y < rgb.rows; ++y) {
    const auto* in = rgb.ptr<cv::Vec3b>(y);
    auto* out = idx.ptr<uint8_t>(y);
    for (int x = 0; x < rgb.cols; ++x) out[x] = nearest(in[x]);
  }
  if (scale == 1) return idx;
  cv::Mat big(rgb.rows * scale, rgb.cols * scale, CV_8U);
  for (int y = 0; y < big.rows; ++y) {
    const auto* in = idx.ptr<uint8_t>(y / scale);
    auto* out = big.ptr<uint8_t>(y);
    for (int x = 0; x < big.cols; ++x) out[x] = in[x / scale];
  }
  return big;
}

int append_to_string(GifFileType* gif, const GifByteType* data, int n) {
  static_cast<std::string*>(gif->UserData)->append(reinterpret_cast<const char*>(data), size_t(n));
  return n;
}

void check(int rc, GifFileType* gif, const char* what) {
  if (rc == GIF_ERROR)
    throw std::runtime_error(std::string("GIF ") + what + ": " + gif_error(gif->Error));
}

}  // namespace

void write_gif(const fs::path& out, const std::vector<cv::Mat>& frames_rgb, int delay_centiseconds,
               int scale) {
  if (frames_rgb.empty()) throw std::invalid_argument(out.string() + ": no frames to write");
  const cv::Size size = frames_rgb[0].size();
  for (const auto& f : frames_rgb) {
    if (f.type() != CV_8UC3 || f.size() != size || f.empty()) {
      throw std::invalid_argument(out.string() + ": frames must be non-empty CV_8UC3 of one size");
    }
  }
  if (scale < 1 || int64_t(size.width) * scale > 65535 || int64_t(size.height) * scale > 65535) {
    throw std::invalid_argument(out.string() + ": scale " + std::to_string(scale) +
                                " is below 1 or makes the GIF larger than 65535 pixels a side");
  }
  if (delay_centiseconds < 0 || delay_centiseconds > 65535) {
    throw std::invalid_argument(out.string() + ": delay must be in 0..65535 centiseconds");
  }
  const int width = size.width * scale, height = size.height * scale;

  auto palette = fit_palette(frames_rgb);
  int map_size = 2;  // giflib wants a power of two; unused entries stay black
  while (map_size < int(palette.size())) map_size *= 2;
  std::vector<GifColorType> colors(map_size, GifColorType{0, 0, 0});
  for (size_t k = 0; k < palette.size(); ++k)
    colors[k] = {palette[k][0], palette[k][1], palette[k][2]};
  ColorMap map(GifMakeMapObject(map_size, colors.data()));
  if (!map) throw std::runtime_error(out.string() + ": cannot allocate the GIF palette");

  // Encoding into memory and writing through write_file_atomically gives the atomic rename and an
  // ordinary file mode, neither of which giflib's own file opener does.
  std::string bytes;
  int err = 0;
  GifEncoder gif(EGifOpen(&bytes, append_to_string, &err));
  if (!gif) throw std::runtime_error(out.string() + ": " + gif_error(err));
  EGifSetGifVersion(gif.get(), true);
  check(EGifPutScreenDesc(gif.get(), width, height, 8, 0, map.get()), gif.get(), "screen");

  // NETSCAPE2.0 application extension with loop count 0: browsers loop forever.
  static const GifByteType kLoopForever[3] = {1, 0, 0};
  check(EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE), gif.get(), "loop");
  check(EGifPutExtensionBlock(gif.get(), 11, "NETSCAPE2.0"), gif.get(), "loop");
  check(EGifPutExtensionBlock(gif.get(), 3, kLoopForever), gif.get(), "loop");
  check(EGifPutExtensionTrailer(gif.get()), gif.get(), "loop");

  NearestColour nearest(palette);
  for (const auto& frame : frames_rgb) {
    GraphicsControlBlock gcb{};
    gcb.DisposalMode = DISPOSE_DO_NOT;
    gcb.UserInputFlag = false;
    gcb.DelayTime = delay_centiseconds;
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    size_t ext_len = EGifGCBToExtension(&gcb, ext);
    check(EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, int(ext_len), ext), gif.get(),
          "delay");
    check(EGifPutImageDesc(gif.get(), 0, 0, width, height, false, nullptr), gif.get(), "frame");
    cv::Mat idx = index_frame(frame, nearest, scale);
    for (int y = 0; y < height; ++y) {
      check(EGifPutLine(gif.get(), idx.ptr<GifPixelType>(y), width), gif.get(), "pixels");
    }
  }
  if (EGifCloseFile(gif.release(), &err) == GIF_ERROR) {
    throw std::runtime_error(out.string() + ": " + gif_error(err));
  }
  write_file_atomically(out, bytes);
}

std::vector<cv::Mat> read_gif(const fs::path& path) {
  int err = 0;
  GifDecoder gif(DGifOpenFileName(path.c_str(), &err));
  if (!gif) throw std::runtime_error(path.string() + ": " + gif_error(err));
  if (DGifSlurp(gif.get()) == GIF_ERROR) {
    throw std::runtime_error(path.string() + ": " + gif_error(gif->Error));
  }
  cv::Mat canvas(gif->SHeight, gif->SWidth, CV_8UC3, cv::Scalar::all(0));
  std::vector<cv::Mat> frames;
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& image = gif->SavedImages[i];
    const GifImageDesc& d = image.ImageDesc;
    const ColorMapObject* map = d.ColorMap ? d.ColorMap : gif->SColorMap;
    if (!map)
      throw std::runtime_error(path.string() + ": frame " + std::to_string(i) + " has no palette");
    GraphicsControlBlock gcb{};
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    DGifSavedExtensionToGCB(gif.get(), i, &gcb);
    for (int y = 0; y < d.Height; ++y) {
      int cy = d.Top + y;
      if (cy < 0 || cy >= canvas.rows) continue;
      for (int x = 0; x < d.Width; ++x) {
        int cx = d.Left + x;
        int k = image.RasterBits[size_t(y) * d.Width + x];
        if (cx < 0 || cx >= canvas.cols || k == gcb.TransparentColor) continue;
        if (k >= map->ColorCount) {
          throw std::runtime_error(path.string() + ": colour index out of the palette in frame " +
                                   std::to_string(i));
        }
        const GifColorType& c = map->Colors[k];
        canvas.at<cv::Vec3b>(cy, cx) = cv::Vec3b(c.Red, c.Green, c.Blue);
      }
    }
    frames.push_back(canvas.clone());
  }
  return frames;
}

}  // namespace foresight
